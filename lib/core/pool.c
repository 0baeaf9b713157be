/* pool.c -- a small persistent pthread pool: the caller and N-1 workers pull task indices
 * from one atomic counter, so uneven tiles balance themselves. */
#include "core.h"

#include <pthread.h>
#include <stdatomic.h>

struct skinq_pool {
    int workers; /* threads besides the caller */
    pthread_t *tids;
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    unsigned long generation;
    int quit;
    int active;
    /* the current job */
    void (*fn)(void *user, int task, int thread);
    void *user;
    int n_tasks;
    atomic_int next;
};

struct worker_arg {
    struct skinq_pool *pool;
    int index;
};

static void run_tasks(struct skinq_pool *p, int thread)
{
    for (;;) {
        int t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (t >= p->n_tasks)
            break;
        p->fn(p->user, t, thread);
    }
}

static void *worker_main(void *arg)
{
    struct skinq_pool *p = ((struct worker_arg *)arg)->pool;
    int thread = ((struct worker_arg *)arg)->index;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->quit && p->generation == seen)
            pthread_cond_wait(&p->start, &p->lock);
        if (p->quit)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        run_tasks(p, thread);
        pthread_mutex_lock(&p->lock);
        if (--p->active == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

skinq_status skinq_pool_new(skinq_ctx *ctx, int threads, struct skinq_pool **out)
{
    struct skinq_pool *p = skinq_calloc(ctx, 1, sizeof *p);
    if (!p)
        return SKINQ_E_NOMEM;
    p->workers = threads - 1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    if (p->workers > 0) {
        p->tids = skinq_calloc(ctx, (size_t)p->workers, sizeof *p->tids);
        struct worker_arg *args = skinq_calloc(ctx, (size_t)p->workers, sizeof *args);
        if (!p->tids || !args) {
            skinq_free(ctx, args);
            p->workers = 0;
            skinq_pool_free(ctx, &p);
            return SKINQ_E_NOMEM;
        }
        int started = 0;
        for (int i = 0; i < p->workers; i++) {
            args[i].pool = p;
            args[i].index = i + 1;
        }
        /* The args must outlive thread start-up: keep them until the threads have read them. */
        for (; started < p->workers; started++)
            if (pthread_create(&p->tids[started], NULL, worker_main, &args[started]) != 0)
                break;
        /* A zero-task job makes sure every started worker has read its argument. */
        int want = p->workers;
        p->workers = started;
        if (started > 0) {
            pthread_mutex_lock(&p->lock);
            p->n_tasks = 0;
            atomic_store(&p->next, 0);
            p->active = started;
            p->generation++;
            pthread_cond_broadcast(&p->start);
            while (p->active > 0)
                pthread_cond_wait(&p->done, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        skinq_free(ctx, args);
        if (started < want) {
            skinq_pool_free(ctx, &p);
            return skinq_fail(ctx, SKINQ_E_INTERNAL, "cannot start %d worker threads", want);
        }
    }
    *out = p;
    return SKINQ_OK;
}

void skinq_pool_free(skinq_ctx *ctx, struct skinq_pool **pp)
{
    struct skinq_pool *p = *pp;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->workers; i++)
        pthread_join(p->tids[i], NULL);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    skinq_free(ctx, p->tids);
    skinq_free(ctx, p);
    *pp = NULL;
}

void skinq_parallel_for(skinq_ctx *ctx, int n_tasks, void (*fn)(void *user, int task, int thread), void *user)
{
    struct skinq_pool *p = ctx->pool;
    if (n_tasks <= 0)
        return;
    if (n_tasks == 1 || p->workers == 0) {
        for (int t = 0; t < n_tasks; t++)
            fn(user, t, 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->user = user;
    p->n_tasks = n_tasks;
    atomic_store(&p->next, 0);
    p->active = p->workers;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);

    run_tasks(p, 0);

    pthread_mutex_lock(&p->lock);
    while (p->active > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
