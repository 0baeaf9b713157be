/* stream.c -- colour-only analysis of a JPEG without a whole-image buffer: the decoder's row
 * batches go straight to the colour counts (color_stream.c) while they are still in cache. With
 * two or more threads the decoder and the counting run on two threads through a small ring of
 * batches, so the colour pass hides behind the decode. (A 24-MP photo is 72 MB decoded; on
 * these machines merely touching a fresh buffer that size costs more than the decode.) */
#include <pthread.h>
#include <string.h>

#include "color/color_int.h"
#include "io/io.h"
#include "pipeline/pipeline.h"

#define BATCH 8 /* rows a batch */
#define RING 4  /* batches in flight: 4 × 8 rows of a 6000-px photo = 576 KB, inside L2 */

typedef struct stream_job {
    skinq_ctx *ctx;
    const char *path;
    skinq_color_stream *cs;
    int width;
    size_t stride;
    uint8_t *buf;     /* RING × BATCH rows */
    /* the ring (two-thread mode) */
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    int head, count, y0[RING], n[RING], done;
    skinq_status decode_status;
} stream_job;

/* ---- one thread: decode a batch, count it, repeat ---- */

static uint8_t *seq_buffer(void *user, int y0, int n, size_t *stride)
{
    stream_job *J = user;
    *stride = J->stride;
    return J->buf;
}

static skinq_status seq_filled(void *user, int y0, int n)
{
    stream_job *J = user;
    skinq_color_stream_rows(J->cs, J->buf, J->stride, y0, n);
    return SKINQ_OK;
}

/* ---- two threads: the decoder fills ring slots, the counter empties them ---- */

static uint8_t *ring_buffer(void *user, int y0, int n, size_t *stride)
{
    stream_job *J = user;
    pthread_mutex_lock(&J->lock);
    while (J->count == RING)
        pthread_cond_wait(&J->not_full, &J->lock);
    int slot = (J->head + J->count) % RING;
    pthread_mutex_unlock(&J->lock);
    *stride = J->stride;
    return J->buf + (size_t)slot * BATCH * J->stride;
}

static skinq_status ring_filled(void *user, int y0, int n)
{
    stream_job *J = user;
    pthread_mutex_lock(&J->lock);
    int slot = (J->head + J->count) % RING;
    J->y0[slot] = y0;
    J->n[slot] = n;
    J->count++;
    pthread_cond_signal(&J->not_empty);
    pthread_mutex_unlock(&J->lock);
    return SKINQ_OK;
}

static void ring_task(void *user, int task, int thread)
{
    stream_job *J = user;
    if (task == 0) { /* the decoder */
        skinq_row_sink sink = {ring_buffer, ring_filled, J};
        skinq_status st = skinq_jpeg_decode_rows(J->ctx, J->path, BATCH, &sink);
        pthread_mutex_lock(&J->lock);
        J->decode_status = st;
        J->done = 1;
        pthread_cond_signal(&J->not_empty);
        pthread_mutex_unlock(&J->lock);
        return;
    }
    for (;;) { /* the counter */
        pthread_mutex_lock(&J->lock);
        while (J->count == 0 && !J->done)
            pthread_cond_wait(&J->not_empty, &J->lock);
        if (J->count == 0) {
            pthread_mutex_unlock(&J->lock);
            return;
        }
        int slot = J->head;
        pthread_mutex_unlock(&J->lock);
        skinq_color_stream_rows(J->cs, J->buf + (size_t)slot * BATCH * J->stride, J->stride, J->y0[slot], J->n[slot]);
        pthread_mutex_lock(&J->lock);
        J->head = (J->head + 1) % RING;
        J->count--;
        pthread_cond_signal(&J->not_full);
        pthread_mutex_unlock(&J->lock);
    }
}

int skinq_pipeline_can_stream(const skinq_image_header *h, const skinq_analysis_options *o)
{
    return strcmp(h->format, "jpeg") == 0 && h->channels == 3 && h->orientation == 1 && !h->has_icc && !o->texture &&
           !o->color.maps_dir && o->color.roi_kind != SKINQ_ROI_AUTO_SKIN;
}

skinq_status skinq_pipeline_stream_color(skinq_ctx *ctx, const char *path, const skinq_image_header *h,
                                         const skinq_analysis_options *o, skinq_analysis *out)
{
    stream_job J;
    memset(&J, 0, sizeof J);
    J.ctx = ctx;
    J.path = path;
    J.width = h->width;
    J.stride = ((size_t)h->width * 3 + 63) & ~(size_t)63;
    int two = skinq_ctx_threads(ctx) >= 2;
    skinq_status st = skinq_color_stream_new(ctx, h->width, h->height, &o->color, &J.cs);
    if (st == SKINQ_OK && !(J.buf = skinq_malloc(ctx, J.stride * BATCH * (two ? RING : 1))))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK && two) {
        pthread_mutex_init(&J.lock, NULL);
        pthread_cond_init(&J.not_full, NULL);
        pthread_cond_init(&J.not_empty, NULL);
        skinq_parallel_for(ctx, 2, ring_task, &J);
        pthread_cond_destroy(&J.not_full);
        pthread_cond_destroy(&J.not_empty);
        pthread_mutex_destroy(&J.lock);
        st = J.decode_status;
    } else if (st == SKINQ_OK) {
        skinq_row_sink sink = {seq_buffer, seq_filled, &J};
        st = skinq_jpeg_decode_rows(ctx, path, BATCH, &sink);
    }
    skinq_free(ctx, J.buf);
    J.buf = NULL;
    if (st == SKINQ_OK) {
        out->width = h->width;
        out->height = h->height;
        out->depth = 8;
        st = skinq_color_stream_finish(ctx, J.cs, &out->metrics, &out->color);
    }
    skinq_color_stream_free(ctx, &J.cs);
    return st;
}
