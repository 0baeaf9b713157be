/* stream.c -- the analysis of a JPEG without a whole-image buffer: the decoder's row batches go
 * straight to the colour counts (color_stream.c) and, with texture, into the 16-bit L* and
 * melanin-index planes of the ROI's box, while they are still in cache. With two or more
 * threads the decoder and the counting run on two threads through a small ring of batches, so
 * the colour pass and the planes hide behind the decode. (A 24-MP photo is 72 MB decoded; its
 * planes are 96 MB, which the texture pass needs anyway.) */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "color/color_int.h"
#include "io/io.h"
#include "pipeline/pipeline.h"

#define BATCH 8 /* rows a batch */
#define RING 4  /* batches in flight: 4 × 8 rows of a 6000-px photo = 576 KB, inside L2 */

typedef struct stream_job {
    skinq_ctx *ctx;
    const skinq_input *in;
    const skinq_image_header *plan;
    skinq_color_stream *cs;
    int width;
    /* with texture: the planes of box, made by the counting side */
    skinq_rect box;
    skinq_planes planes;
    uint16_t *L16; /* = planes.L, planes.mel when texture is on */
    int16_t *mel16;
    skinq_color_fixed8 fx; /* the planes' tables */
    float *rows;           /* box.w floats of scratch for each of the two threads */
    size_t stride;
    uint8_t *buf; /* RING × BATCH rows */
    /* the ring (two-thread mode) */
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    int head, count, y0[RING], n[RING], done;
    uint8_t made[RING]; /* the decoder made the slot's planes (it does when the ring is nearly full) */
    atomic_int queued;  /* count, for waiting without the lock */
    int fill;           /* the slot the decoder is filling (the decoder's own) */
    skinq_status decode_status;
} stream_job;

/* A batch's share of the planes (rows y0 .. y0+n−1 of the image, box's columns); thread 0 or 1
 * of the two-thread mode (its own scratch row). */
static void plane_rows(stream_job *J, int thread, const uint8_t *buf, size_t stride, int y0, int n)
{
    if (!J->L16)
        return;
    const skinq_rect b = J->box;
    for (int y = y0 > b.y ? y0 : b.y; y < y0 + n && y < b.y + b.h; y++) {
        const size_t at = (size_t)(y - b.y) * (size_t)b.w;
        skinq_color_row_fixed8(&J->fx, buf + (size_t)(y - y0) * stride + (size_t)b.x * 3, b.w,
                               J->rows + (size_t)thread * (size_t)b.w, J->L16 + at, J->mel16 + at);
    }
}

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
    plane_rows(J, 0, J->buf, J->stride, y0, n);
    return SKINQ_OK;
}

/* ---- two threads: the decoder fills ring slots, the counter empties them ---- */

/* Wait up to ~0.2 ms for the other thread to move `queued` off `from` before sleeping on the
 * condition variable: a batch takes ~0.15 ms to decode, and a wake-up through the condition
 * variable costs about as much again (a VM's IPIs), so sleeping whenever the ring ran empty or
 * full left the counter idle a quarter of the stream. */
static void spin_while(const atomic_int *queued, int from)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; atomic_load_explicit(queued, memory_order_acquire) == from; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if ((i & 15) == 15) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > 200000)
                return;
        }
    }
}

static uint8_t *ring_buffer(void *user, int y0, int n, size_t *stride)
{
    stream_job *J = user;
    spin_while(&J->queued, RING);
    pthread_mutex_lock(&J->lock);
    while (J->count == RING)
        pthread_cond_wait(&J->not_full, &J->lock);
    int slot = (J->head + J->count) % RING;
    pthread_mutex_unlock(&J->lock);
    J->fill = slot;
    *stride = J->stride;
    return J->buf + (size_t)slot * BATCH * J->stride;
}

/* The planes cost more than the counts (most of it the first touch of their pages), and the
 * decode alone less than counts + planes, so the counter makes the planes of each batch unless
 * it has fallen behind: when the ring is nearly full the decoder makes those of the batch it
 * hands over (it would otherwise wait), and the two finish together. (A fixed half each left the
 * decoder the bottleneck with the counter idle.) */
static skinq_status ring_filled(void *user, int y0, int n)
{
    stream_job *J = user;
    const int behind = atomic_load_explicit(&J->queued, memory_order_acquire) >= RING - 1;
    if (behind)
        plane_rows(J, 0, J->buf + (size_t)J->fill * BATCH * J->stride, J->stride, y0, n);
    pthread_mutex_lock(&J->lock);
    int slot = (J->head + J->count) % RING; /* = J->fill: the counter moves head and count together */
    J->y0[slot] = y0;
    J->n[slot] = n;
    J->made[slot] = (uint8_t)behind;
    J->count++;
    atomic_store_explicit(&J->queued, J->count, memory_order_release);
    pthread_cond_signal(&J->not_empty);
    pthread_mutex_unlock(&J->lock);
    return SKINQ_OK;
}

static void ring_task(void *user, int task, int thread)
{
    stream_job *J = user;
    if (task == 0) { /* the decoder */
        skinq_row_sink sink = {ring_buffer, ring_filled, J};
        skinq_status st = skinq_jpeg_decode_rows(J->ctx, J->in, J->plan, BATCH, &sink);
        pthread_mutex_lock(&J->lock);
        J->decode_status = st;
        J->done = 1;
        pthread_cond_signal(&J->not_empty);
        pthread_mutex_unlock(&J->lock);
        return;
    }
    for (;;) { /* the counter */
        spin_while(&J->queued, 0);
        pthread_mutex_lock(&J->lock);
        while (J->count == 0 && !J->done)
            pthread_cond_wait(&J->not_empty, &J->lock);
        if (J->count == 0) {
            pthread_mutex_unlock(&J->lock);
            return;
        }
        int slot = J->head;
        pthread_mutex_unlock(&J->lock);
        const uint8_t *b = J->buf + (size_t)slot * BATCH * J->stride;
        skinq_color_stream_rows(J->cs, b, J->stride, J->y0[slot], J->n[slot]);
        if (!J->made[slot])
            plane_rows(J, 1, b, J->stride, J->y0[slot], J->n[slot]);
        pthread_mutex_lock(&J->lock);
        J->head = (J->head + 1) % RING;
        J->count--;
        atomic_store_explicit(&J->queued, J->count, memory_order_release);
        pthread_cond_signal(&J->not_full);
        pthread_mutex_unlock(&J->lock);
    }
}

int skinq_pipeline_can_stream(const skinq_image_header *h, const skinq_analysis_options *o)
{
    return strcmp(h->format, "jpeg") == 0 && h->channels == 3 && h->orientation == 1 && !h->has_icc &&
           (!o->texture || !o->color.has_white) && !o->maps.dir && o->roi.kind != SKINQ_ROI_AUTO_SKIN;
}

/* The job's buffers: the ring (or one batch) and, with texture, the planes of the ROI's box. */
static skinq_status stream_setup(stream_job *J, const skinq_image_header *h, const skinq_roi *roi,
                                 int texture, int two)
{
    skinq_ctx *ctx = J->ctx;
    if (!(J->buf = skinq_malloc(ctx, J->stride * BATCH * (two ? RING : 1))))
        return SKINQ_E_NOMEM;
    J->box = roi->bbox;
    const size_t n = (size_t)(J->box.w > 0 ? J->box.w : 0) * (size_t)(J->box.h > 0 ? J->box.h : 0);
    if (!texture || !n)
        return SKINQ_OK;
    const skinq_image fmt = {.width = h->width, .height = h->height, .channels = 3, .depth = 8};
    skinq_color_params pp;
    skinq_status st = skinq_color_params_init(ctx, &pp, &fmt, NULL);
    if (st != SKINQ_OK)
        return st;
    skinq_color_fixed8_init(&J->fx, &pp);
    if ((st = skinq_planes_take(ctx, n, &J->planes)) != SKINQ_OK)
        return st;
    J->L16 = J->planes.L;
    J->mel16 = J->planes.mel;
    J->rows = skinq_malloc(ctx, 2 * (size_t)J->box.w * sizeof *J->rows);
    return J->rows ? SKINQ_OK : SKINQ_E_NOMEM;
}

/* Decode the file through the sink: decoder and counter on two threads, or one after the other. */
static skinq_status stream_decode(stream_job *J, int two)
{
    if (!two) {
        skinq_row_sink sink = {seq_buffer, seq_filled, J};
        return skinq_jpeg_decode_rows(J->ctx, J->in, J->plan, BATCH, &sink);
    }
    pthread_mutex_init(&J->lock, NULL);
    pthread_cond_init(&J->not_full, NULL);
    pthread_cond_init(&J->not_empty, NULL);
    skinq_parallel_for(J->ctx, 2, ring_task, J);
    pthread_cond_destroy(&J->not_full);
    pthread_cond_destroy(&J->not_empty);
    pthread_mutex_destroy(&J->lock);
    return J->decode_status;
}

skinq_status skinq_pipeline_stream(skinq_analyzer *a, const skinq_input *in, const skinq_image_header *h,
                                   const skinq_roi *roi, skinq_analysis *out)
{
    skinq_ctx *ctx = a->ctx;
    stream_job J;
    memset(&J, 0, sizeof J);
    atomic_init(&J.queued, 0);
    J.ctx = ctx;
    J.in = in;
    J.plan = h;
    J.width = h->width;
    J.stride = ((size_t)h->width * 3 + 63) & ~(size_t)63;
    const int two = skinq_ctx_threads(ctx) >= 2;
    skinq_status st = skinq_color_stream_new(ctx, h->width, h->height, roi, &a->o.color, &J.cs);
    if (st == SKINQ_OK)
        st = stream_setup(&J, h, roi, a->plan != NULL, two);
    if (st == SKINQ_OK)
        st = stream_decode(&J, two);
    skinq_free(ctx, J.buf);
    J.buf = NULL;
    if (st == SKINQ_OK) {
        out->width = h->width;
        out->height = h->height;
        out->depth = 8;
        st = skinq_color_stream_finish(ctx, J.cs, &out->metrics, &out->color);
    }
    if (st == SKINQ_OK && J.L16)
        st = skinq_pipeline_texture16(ctx, a->plan, J.L16, J.mel16, roi, NULL, &out->metrics);
    skinq_planes_give(ctx, &J.planes);
    skinq_free(ctx, J.rows);
    skinq_color_stream_free(ctx, &J.cs);
    return st;
}
