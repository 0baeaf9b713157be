/* colorhist.c -- the fast path of the colour statistics for 8-bit images. The pixels are only
 * counted (color_hist8: an exact 2^24-entry colour histogram per thread, one increment a pixel);
 * every metric is then evaluated once per distinct colour with the same row kernel the per-pixel
 * path uses and accumulated with the colour's count as weight. Because the per-colour values are
 * the per-pixel values, moments and histograms equal those of the per-pixel pass (moments in
 * double, so to its rounding), at a cost that grows with the distinct colours, not the pixels.
 *
 * The histograms come zeroed through the context's allocator (skinq_calloc): with the default
 * allocator they are fresh zero pages, and only the pages of colours that occur are ever touched
 * (skin occupies a few thousand (r, g) rows of the 65536); the rows[] flags tell which to read
 * back. An embedder's allocator gets them zero-filled. With the default allocator they also get
 * huge pages (lib/core/alloc.c): a fresh table's first touches were most of a cold pass.
 *
 * A small region in a context with no table kept warm is counted as a list instead: each
 * pixel's colour index appended, then radix-sorted and run-length counted at the evaluation.
 * In a fresh process the table's cost is its first touches, a page fault per 1024 entries: a
 * 0.26-MP photo with 74k colours faulted in 32 MB of it (8 000 faults, half its analysis); its
 * list is 1 MB. Sorted indices are the table's scan order (r, then g, then b), and the batches
 * fall where the table's fall, so both counters give the same sums bit for bit. */
#include <string.h>

#include "color/color_int.h"

#define R_PER_TASK 1 /* the evaluation: a task per red level (skin fills a few dozen of them) */
#define BATCH 1024   /* colours evaluated per kernel call */

typedef struct hist8 {
    uint32_t *count;
    uint8_t *rows;
} hist8;

typedef struct skinq_color_counts skinq_color_counts;
void skinq_color_counts_row(skinq_color_counts *c, int slot, const struct skinq_color_dsp *k,
                            const uint8_t *rgb, const uint8_t *mask, size_t n);

typedef struct count_job {
    const struct skinq_color_dsp *k;
    const skinq_image *img;
    skinq_rect box;
    const skinq_mask *m1, *m2;
    struct skinq_color_counts *c; /* a slot per thread */
    uint8_t *scratch;             /* per thread: box.w mask bytes */
    size_t scratch_size;
} count_job;

static void count_task(void *user, int task, int thread)
{
    count_job *J = user;
    const skinq_rect b = J->box;
    int y0 = b.y + task * 16, y1 = y0 + 16 < b.y + b.h ? y0 + 16 : b.y + b.h;
    uint8_t *mbuf = J->scratch + (size_t)thread * J->scratch_size;
    for (int y = y0; y < y1; y++) {
        const uint8_t *r1 = J->m1 ? J->m1->data + (size_t)y * J->m1->stride + b.x : NULL;
        const uint8_t *r2 = J->m2 ? J->m2->data + (size_t)y * J->m2->stride + b.x : NULL;
        const uint8_t *mask = r1 ? r1 : r2;
        if (r1 && r2) {
            for (int x = 0; x < b.w; x++)
                mbuf[x] = r1[x] && r2[x];
            mask = mbuf;
        }
        skinq_color_counts_row(J->c, thread, J->k, skinq_image_row(J->img, y) + (size_t)b.x * 3, mask,
                               (size_t)b.w);
    }
}

/* Per evaluation task: moments and counts (merged in task order, so the result does not depend
 * on the thread count); histogram bins go to per-thread arrays (integer sums commute). */
typedef struct eval_part {
    double sum[SKINQ_CM_COUNT], sumsq[SKINQ_CM_COUNT];
    uint64_t n, n_model, clipped;
} eval_part;

typedef struct eval_job {
    const struct skinq_color_dsp *k;
    const skinq_color_params *p;
    hist8 *h;        /* read, then zeroed for reuse */
    int threads;     /* slots of h */
    eval_part *part; /* one per task */
    uint32_t **bins; /* per thread: SKINQ_CM_COUNT × SKINQ_CHIST_STRIDE */
    uint8_t *batch;  /* per thread: BATCH × (3 bytes + 4 count bytes) + SKINQ_CM_COUNT × BATCH floats */
    size_t batch_size;
    /* the list counter's distinct colours ascending, their counts, where each red level starts */
    const uint32_t *col, *cnt;
    size_t start[257];
} eval_job;

static void eval_batch(const eval_job *J, eval_part *P, uint32_t *bins, const uint8_t *rgb,
                       const uint32_t *cnt, int nb, float *const *out)
{
    const skinq_color_params *p = J->p;
    J->k->color_row8(p, rgb, NULL, (size_t)nb, NULL, out);
    for (int i = 0; i < nb; i++) {
        const uint8_t *c = rgb + 3 * i;
        double w = cnt[i];
        if (!c[0] || !c[1] || !c[2] || c[0] == 255 || c[1] == 255 || c[2] == 255) {
            P->clipped += cnt[i];
            continue;
        }
        P->n += cnt[i];
        P->n_model += out[SKINQ_CM_HB][i] == out[SKINQ_CM_HB][i] ? cnt[i] : 0;
        for (int m = 0; m < SKINQ_CM_COUNT; m++) {
            float v = out[m][i];
            if (skinq_cm_model(m) && v != v)
                continue; /* out of the skin model */
            double d = (double)(v - p->shift[m]);
            P->sum[m] += w * d;
            P->sumsq[m] += w * d * d;
            bins[m * SKINQ_CHIST_STRIDE + (int)skinq_bin_f(v, p->hist_lo[m], p->hist_scale[m])] += cnt[i];
        }
    }
}

/* The colours of a task, BATCH at a time through eval_batch(), in the order they are pushed. */
typedef struct eval_cursor {
    uint8_t *rgb;
    uint32_t *cnt;
    float *out[SKINQ_CM_COUNT];
    int nb;
} eval_cursor;

static void cursor_push(const eval_job *J, eval_part *P, uint32_t *bins, eval_cursor *q, uint32_t idx,
                        uint32_t count)
{
    q->rgb[3 * q->nb] = (uint8_t)(idx >> 16);
    q->rgb[3 * q->nb + 1] = (uint8_t)(idx >> 8);
    q->rgb[3 * q->nb + 2] = (uint8_t)idx;
    q->cnt[q->nb] = count;
    if (++q->nb == BATCH) {
        eval_batch(J, P, bins, q->rgb, q->cnt, q->nb, q->out);
        q->nb = 0;
    }
}

/* The table counter's colours of red levels [r0, r1): every touched (r, g) row summed over the
 * slots (and zeroed for reuse), its nonzero entries in b order. */
static void scan_table(const eval_job *J, eval_part *P, uint32_t *bins, eval_cursor *q, uint32_t r0,
                       uint32_t r1)
{
    uint32_t sum[256]; /* a row's counts summed over the slots that hold it */
    for (uint32_t r = r0; r < r1; r++)
        for (uint32_t g = 0; g < 256; g++) {
            const uint32_t row = r << 8 | g;
            uint32_t *c = NULL; /* the row scanned: a slot's own when one slot holds it (no copy) */
            for (int t = 0; t < J->threads; t++)
                if (J->h[t].rows[row]) {
                    uint32_t *x = J->h[t].count + ((size_t)row << 8);
                    J->h[t].rows[row] = 0;
                    if (!c) {
                        c = x;
                        continue;
                    }
                    if (c != sum) {
                        memcpy(sum, c, sizeof sum);
                        memset(c, 0, sizeof sum);
                        c = sum;
                    }
                    for (int b = 0; b < 256; b++)
                        sum[b] += x[b];
                    memset(x, 0, sizeof sum);
                }
            if (!c)
                continue;
            for (uint32_t b0 = 0; b0 < 256; b0 += 8) {
                uint32_t o = 0; /* most entries are zero even in a many-colour photo: skip 8 at once */
                for (int k = 0; k < 8; k++)
                    o |= c[b0 + k];
                if (!o)
                    continue;
                for (uint32_t b = b0; b < b0 + 8; b++)
                    if (c[b]) {
                        cursor_push(J, P, bins, q, row << 8 | b, c[b]);
                        if (c != sum)
                            c[b] = 0; /* leave the table zeroed for reuse (the line is in cache) */
                    }
            }
        }
}

static void eval_task(void *user, int task, int thread)
{
    eval_job *J = user;
    eval_part *P = &J->part[task];
    uint32_t *bins = J->bins[thread];
    eval_cursor q = {J->batch + (size_t)thread * J->batch_size, NULL, {NULL}, 0};
    q.cnt = (uint32_t *)(void *)(q.rgb + 4 * BATCH);
    for (int m = 0; m < SKINQ_CM_COUNT; m++)
        q.out[m] = (float *)(void *)(q.rgb + 8 * BATCH) + (size_t)m * BATCH;
    const uint32_t r0 = (uint32_t)task * R_PER_TASK, r1 = r0 + R_PER_TASK;
    if (J->col) /* the list counter's colours, sorted: the same sequence */
        for (size_t i = J->start[r0]; i < J->start[r1]; i++)
            cursor_push(J, P, bins, &q, J->col[i], J->cnt[i]);
    else
        scan_table(J, P, bins, &q, r0, r1);
    if (q.nb)
        eval_batch(J, P, bins, q.rgb, q.cnt, q.nb, q.out);
}

/* ---- counts: per-slot lazily zeroed histograms of one region ---- */

/* The tables stay with the ctx between analyses (skinq_ctx_keep): the evaluation leaves them
 * zeroed, and a fresh map would fault in every touched page again (~400 per table and photo,
 * in both threads at once) and unmap them after (a TLB shootdown per call on several threads). */
struct skinq_color_counts {
    int slots, used; /* tables mapped, tables this region counts into */
    int clean;       /* every table zero (evaluated): fit for reuse */
    hist8 *h;        /* the table counter, or NULL for the list counter: */
    uint32_t *list;  /* (slots + 2) × cap entries: */
    uint32_t **idx;  /* per slot: colour indices r<<16 | g<<8 | b in arrival order */
    size_t *len, cap;
};

static void counts_destroy(skinq_ctx *ctx, void *p)
{
    skinq_color_counts *c = p;
    for (int t = 0; c->h && t < c->slots; t++) {
        skinq_free(ctx, c->h[t].count);
        skinq_free(ctx, c->h[t].rows);
    }
    skinq_free(ctx, c->list);
    skinq_free(ctx, c->h);
    skinq_free(ctx, c->idx);
    skinq_free(ctx, c->len);
    skinq_free(ctx, c);
}

int skinq_color_counter_force;

/* The list counter: `pixels` entries a slot (a slot may be fed the whole region), then two
 * arrays of `pixels` for the sort, in one block: big enough for huge pages (alloc.c), its first
 * touches are a few faults instead of one per 4 KiB (a 0.26-MP photo's four 1-MB arrays faulted
 * ~1000 times, 10 ms in a VM). */
static skinq_status list_new(skinq_ctx *ctx, int slots, size_t pixels, skinq_color_counts **out)
{
    skinq_color_counts *c = skinq_calloc(ctx, 1, sizeof *c);
    if (!c)
        return SKINQ_E_NOMEM;
    c->slots = c->used = slots;
    c->cap = pixels ? pixels : 1;
    size_t bytes;
    c->idx = skinq_calloc(ctx, (size_t)slots, sizeof *c->idx);
    c->len = skinq_calloc(ctx, (size_t)slots, sizeof *c->len);
    if (!c->idx || !c->len || skinq_mul_size(c->cap * sizeof(uint32_t), (size_t)slots + 2, &bytes) != 0 ||
        !(c->list = skinq_malloc(ctx, bytes))) {
        counts_destroy(ctx, c);
        *out = NULL;
        return SKINQ_E_NOMEM;
    }
    for (int t = 0; t < slots; t++)
        c->idx[t] = c->list + (size_t)t * c->cap;
    *out = c;
    return SKINQ_OK;
}

skinq_status skinq_color_counts_new(skinq_ctx *ctx, int slots, size_t pixels, skinq_color_counts **out)
{
    skinq_color_counts *c = skinq_ctx_take(ctx, SKINQ_CACHE_COLOR_COUNTS);
    if (c && c->slots < slots) {
        counts_destroy(ctx, c);
        c = NULL;
    }
    const int list = skinq_color_counter_force ? skinq_color_counter_force == 2
                                               : !c && pixels <= SKINQ_COLOR_LIST_MAX_PIXELS;
    if (list) {
        skinq_ctx_keep(ctx, SKINQ_CACHE_COLOR_COUNTS, c, counts_destroy); /* a warm table stays */
        return list_new(ctx, slots, pixels, out);
    }
    if (c) {
        c->used = slots;
        c->clean = 0;
        *out = c;
        return SKINQ_OK;
    }
    c = skinq_calloc(ctx, 1, sizeof *c);
    if (!c)
        return SKINQ_E_NOMEM;
    c->slots = c->used = slots;
    c->h = skinq_calloc(ctx, (size_t)slots, sizeof *c->h);
    skinq_status st = c->h ? SKINQ_OK : SKINQ_E_NOMEM;
    for (int t = 0; st == SKINQ_OK && t < slots; t++) {
        c->h[t].count = skinq_calloc(ctx, SKINQ_HIST8_SIZE, sizeof(uint32_t));
        c->h[t].rows = c->h[t].count ? skinq_calloc(ctx, SKINQ_HIST8_ROWS, 1) : NULL;
        if (!c->h[t].rows)
            st = SKINQ_E_NOMEM;
    }
    if (st != SKINQ_OK)
        skinq_color_counts_free(ctx, &c);
    *out = c;
    return st;
}

int skinq_color_counts_is_list(const skinq_color_counts *c)
{
    return c->h == NULL;
}

void skinq_color_counts_free(skinq_ctx *ctx, skinq_color_counts **cp)
{
    skinq_color_counts *c = *cp;
    if (!c)
        return;
    if (c->clean && c->h)
        skinq_ctx_keep(ctx, SKINQ_CACHE_COLOR_COUNTS, c, counts_destroy);
    else
        counts_destroy(ctx, c);
    *cp = NULL;
}

void skinq_color_counts_row(skinq_color_counts *c, int slot, const struct skinq_color_dsp *k,
                            const uint8_t *rgb, const uint8_t *mask, size_t n)
{
    if (c->h) {
        k->color_hist8(rgb, mask, n, c->h[slot].count, c->h[slot].rows);
        return;
    }
    uint32_t *d = c->idx[slot] + c->len[slot]; /* the caller feeds at most `pixels` in all */
    for (size_t i = 0; i < n; i++, rgb += 3)
        if (!mask || mask[i])
            *d++ = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
    c->len[slot] = (size_t)(d - c->idx[slot]);
}

/* The list counter's distinct colours: the slots' indices sorted (LSD radix, 8 bits a pass,
 * stable) and run-length counted; colours ascending in *col, counts in *cnt, both of *n entries
 * (in the counter's block). The slots are left empty. */
static void list_distinct(skinq_color_counts *c, const uint32_t **col, const uint32_t **cnt, size_t *n)
{
    size_t total = 0;
    for (int t = 0; t < c->used; t++)
        total += c->len[t];
    uint32_t *a = c->list + (size_t)c->slots * c->cap, *b = a + c->cap; /* total ≤ cap */
    for (int pass = 0; pass < 3; pass++) {                              /* slots → a, a → b, b → a */
        const int shift = 8 * pass;
        uint32_t *dst = pass == 1 ? b : a;
        size_t at[256] = {0}, sum = 0;
        for (int t = 0; t < (pass ? 1 : c->used); t++) {
            const uint32_t *src = pass == 0 ? c->idx[t] : pass == 1 ? a : b;
            const size_t len = pass ? total : c->len[t];
            for (size_t i = 0; i < len; i++)
                at[src[i] >> shift & 255]++;
        }
        for (int k = 0; k < 256; k++) {
            const size_t h = at[k];
            at[k] = sum;
            sum += h;
        }
        for (int t = 0; t < (pass ? 1 : c->used); t++) {
            const uint32_t *src = pass == 0 ? c->idx[t] : pass == 1 ? a : b;
            const size_t len = pass ? total : c->len[t];
            for (size_t i = 0; i < len; i++)
                dst[at[src[i] >> shift & 255]++] = src[i];
        }
    }
    size_t d = 0;
    for (size_t i = 0; i < total; d++) { /* in place: d ≤ i */
        size_t j = i + 1;
        while (j < total && a[j] == a[i])
            j++;
        a[d] = a[i];
        b[d] = (uint32_t)(j - i);
        i = j;
    }
    for (int t = 0; t < c->used; t++)
        c->len[t] = 0;
    *col = a, *cnt = b, *n = d;
}

skinq_status skinq_color_counts_eval(skinq_ctx *ctx, skinq_color_counts *c, const skinq_color_params *p,
                                     skinq_color_acc *acc, uint32_t **bins)
{
    const int tasks = 256 / R_PER_TASK, threads = skinq_ctx_threads(ctx);
    eval_part *part = skinq_calloc(ctx, (size_t)tasks, sizeof *part);
    eval_job E = {.k = skinq_color_dsp(skinq_ctx_isa(ctx)),
                  .p = p,
                  .h = c->h,
                  .threads = c->used,
                  .part = part,
                  .bins = bins,
                  .batch_size = 8 * BATCH + (size_t)SKINQ_CM_COUNT * BATCH * sizeof(float)};
    skinq_status st = part ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK && !c->h) {
        size_t n = 0;
        list_distinct(c, &E.col, &E.cnt, &n);
        for (size_t i = 0, r = 0; r <= 256; r++) {
            while (i < n && E.col[i] >> 16 < r)
                i++;
            E.start[r] = i;
        }
    }
    if (st == SKINQ_OK && !(E.batch = skinq_malloc(ctx, E.batch_size * (size_t)threads)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        skinq_parallel_for(ctx, tasks, eval_task, &E);
        for (int t = 0; t < tasks; t++) {
            for (int m = 0; m < SKINQ_CM_COUNT; m++) {
                acc->sum[m] += part[t].sum[m];
                acc->sumsq[m] += part[t].sumsq[m];
            }
            acc->n += part[t].n;
            acc->n_model += part[t].n_model;
            acc->clipped += part[t].clipped;
        }
        acc->inside = acc->n + acc->clipped;
        /* what the eval does not read: the pixels outside the mask */
        for (int t = 0; c->h && t < c->used; t++) {
            c->h[t].count[SKINQ_HIST8_DUMP] = 0;
            c->h[t].rows[SKINQ_HIST8_ROWS - 1] = 0;
        }
        c->clean = 1;
    }
    skinq_free(ctx, part);
    skinq_free(ctx, E.batch);
    return st;
}

/* ---- the choice of path ---- */

int skinq_color_path_force;

int skinq_color_sampled_colors(skinq_ctx *ctx, const skinq_image *img, skinq_rect box, int *n)
{
    *n = 0;
    enum { SIDE = 256, SLOTS = 1 << 17 }; /* open addressing, at most half full */
    uint32_t *slot = skinq_malloc(ctx, SLOTS * sizeof *slot);
    if (!slot || box.w <= 0 || box.h <= 0) {
        skinq_free(ctx, slot);
        return 0;
    }
    memset(slot, 0xff, SLOTS * sizeof *slot); /* 0xffffffff: empty (no 24-bit colour is) */
    const int ny = box.h < SIDE ? box.h : SIDE, nx = box.w < SIDE ? box.w : SIDE;
    int distinct = 0;
    *n = nx * ny;
    for (int j = 0; j < ny; j++) {
        const uint8_t *row = skinq_image_row(img, box.y + (int)((int64_t)j * box.h / ny));
        for (int i = 0; i < nx; i++) {
            const uint8_t *c = row + 3 * (size_t)(box.x + (int)((int64_t)i * box.w / nx));
            uint32_t v = (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
            uint32_t h = (v * 2654435761u) >> 15; /* 17 bits */
            while (slot[h] != v && slot[h] != 0xffffffffu)
                h = (h + 1) & (SLOTS - 1);
            distinct += slot[h] != v;
            slot[h] = v;
        }
    }
    skinq_free(ctx, slot);
    return distinct;
}

int skinq_color_hist_pays(skinq_ctx *ctx, const skinq_image *img, skinq_rect box)
{
    if (skinq_color_path_force)
        return skinq_color_path_force == 1;
    (void)ctx, (void)img, (void)box;
    return 1;
}

skinq_status skinq_color_hist_pass(skinq_ctx *ctx, const skinq_color_params *p, const skinq_image *img,
                                   skinq_rect box, const skinq_mask *m1, const skinq_mask *m2,
                                   skinq_color_acc *acc, uint32_t **bins)
{
    const int threads = skinq_ctx_threads(ctx);
    skinq_color_counts *c = NULL;
    skinq_status st = skinq_color_counts_new(ctx, threads, (size_t)box.w * (size_t)box.h, &c);
    count_job C = {skinq_color_dsp(skinq_ctx_isa(ctx)), img, box, m1, m2, c, NULL,
                   ((size_t)box.w + 63) & ~(size_t)63};
    if (st == SKINQ_OK && !(C.scratch = skinq_malloc(ctx, C.scratch_size * (size_t)threads)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        skinq_parallel_for(ctx, (box.h + 15) / 16, count_task, &C);
        st = skinq_color_counts_eval(ctx, c, p, acc, bins);
    }
    skinq_free(ctx, C.scratch);
    skinq_color_counts_free(ctx, &c);
    return st;
}
