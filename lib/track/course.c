/* course.c -- a treatment course read from one metric's series at a site: the baseline, each
 * cycle's acute response fitted from its procedure session, how much of each cycle's excess is
 * left at its end, and the slow trend of the cycles' ends. The one rule `trend` and the report
 * both apply, so they cannot disagree about which sessions a fit starts from. */
#include "core/core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void skinq_course_default_options(skinq_course_options *o)
{
    memset(o, 0, sizeof *o);
    o->model = SKINQ_COURSE_EXPONENTIAL;
    o->from_day = NAN;
    o->to_day = NAN;
    o->mdc95 = NAN;
}

void skinq_course_free(skinq_course **pc)
{
    if (!pc || !*pc)
        return;
    skinq_allocator a = (*pc)->alloc;
    skinq_free_raw(&a, (*pc)->cycles);
    skinq_free_raw(&a, (*pc)->t);
    skinq_free_raw(&a, (*pc)->y);
    skinq_free_raw(&a, *pc);
    *pc = NULL;
}

/* Mean of the points of the session holding point i (a session may hold several photos). */
static double session_mean(const skinq_course_point *p, int n, int i)
{
    double sum = 0;
    int k = 0;
    for (int j = 0; j < n; j++)
        if (p[j].session_id == p[i].session_id) {
            sum += p[j].value;
            k++;
        }
    return sum / k;
}

/* Fit one window's points (t: the time axis the caller chose) with the course's model. */
static void fit_window(skinq_ctx *ctx, const skinq_course_options *o, const double *t, const double *y,
                       skinq_course_cycle *c)
{
    skinq_status st = SKINQ_E_TOO_FEW;
    if (o->model != SKINQ_COURSE_EXPONENTIAL &&
        (o->model == SKINQ_COURSE_TWO_PHASE || c->count >= 5 + SKINQ_FIT_MIN_DOF))
        st = skinq_fit_two_phase(ctx, t, y, c->count, &c->fit);
    /* auto: the two phases only when they are a finding, else one exponential */
    if (o->model == SKINQ_COURSE_AUTO &&
        (st != SKINQ_OK || !skinq_fit_judge(&c->fit, t, y, c->count, o->mdc95, &c->verdict)))
        st = SKINQ_E_TOO_FEW;
    if (o->model != SKINQ_COURSE_TWO_PHASE && st != SKINQ_OK)
        st = skinq_fit_exponential(ctx, t, y, c->count, &c->fit);
    c->fit_status = st;
    double icpt;
    c->slope_per_week = c->slope_se_per_week = NAN;
    if (st == SKINQ_OK &&
        skinq_fit_linear(ctx, t, y, c->count, &c->slope_per_week, &icpt, &c->slope_se_per_week) == SKINQ_OK) {
        c->slope_per_week *= 7;
        c->slope_se_per_week *= 7;
    }
    if (st != SKINQ_OK) {
        snprintf(c->fit_error, sizeof c->fit_error, "%s", skinq_ctx_error(ctx));
        return;
    }
    skinq_fit_judge(&c->fit, t, y, c->count, o->mdc95, &c->verdict);
}

/* The cycle's peak (its first session), end (its last session) and the share of the excess left. */
static void cycle_ends(const skinq_course_point *p, skinq_course_cycle *c, const skinq_course *co, double mdc)
{
    const skinq_course_point *w = p + c->first;
    c->peak = session_mean(w, c->count, 0);
    c->end = session_mean(w, c->count, c->count - 1);
    c->end_day = w[c->count - 1].day;
    double excess = c->peak - co->baseline_mean;
    c->excess_left_pct = NAN;
    if (co->baseline_n > 0 && excess != 0 && !(fabs(excess) < mdc))
        c->excess_left_pct = 100 * (c->end - co->baseline_mean) / excess;
}

/* The slow trend: the baseline's mean and each cycle's end, a line through them per week, and the
 * last cycle's end against the baseline. */
static void course_trend(skinq_ctx *ctx, skinq_course *co, const skinq_course_point *p, int n, double mdc)
{
    double t[SKINQ_COURSE_MAX_CYCLES + 1], y[SKINQ_COURSE_MAX_CYCLES + 1], icpt;
    int k = 0;
    if (co->baseline_n > 0) {
        double d = 0;
        for (int i = 0; i < n; i++)
            d += p[i].cycle == 0 ? p[i].day : 0;
        t[k] = d / co->baseline_n;
        y[k++] = co->baseline_mean;
    }
    for (int i = 0; i < co->ncycles && k <= SKINQ_COURSE_MAX_CYCLES; i++) {
        t[k] = co->cycles[i].end_day;
        y[k++] = co->cycles[i].end;
    }
    co->slope_per_week = co->slope_se_per_week = NAN;
    if (k >= 2 &&
        skinq_fit_linear(ctx, t, y, k, &co->slope_per_week, &icpt, &co->slope_se_per_week) == SKINQ_OK) {
        co->slope_per_week *= 7;
        co->slope_se_per_week *= 7;
    }
    co->end_change = co->end_change_pct = NAN;
    if (co->baseline_n > 0 && co->ncycles > 0) {
        co->end_change = co->cycles[co->ncycles - 1].end - co->baseline_mean;
        co->end_change_pct = skinq_change_percent(co->baseline_mean, co->cycles[co->ncycles - 1].end, mdc);
    }
}

skinq_status skinq_course_analyse(skinq_ctx *ctx, const skinq_course_point *p, int n,
                                  const skinq_course_options *o, skinq_course **out)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(p[i].value) || (i > 0 && p[i].day < p[i - 1].day))
            return skinq_fail(ctx, SKINQ_E_INVALID, "course points must be finite and ordered by day");
    skinq_course *co = skinq_calloc(ctx, 1, sizeof *co);
    if (!co)
        return SKINQ_E_NOMEM;
    co->alloc = ctx->alloc;
    co->cycles = skinq_calloc(ctx, SKINQ_COURSE_MAX_CYCLES, sizeof *co->cycles);
    co->t = skinq_calloc(ctx, n > 0 ? (size_t)n : 1, sizeof *co->t);
    co->y = skinq_calloc(ctx, n > 0 ? (size_t)n : 1, sizeof *co->y);
    if (!co->cycles || !co->t || !co->y) {
        skinq_course_free(&co);
        return SKINQ_E_NOMEM;
    }
    int procedures = 0;
    double sum = 0, ss = 0;
    for (int i = 0; i < n; i++)
        procedures = p[i].cycle > procedures ? p[i].cycle : procedures;
    for (int i = 0; i < n && procedures; i++)
        if (p[i].cycle == 0) {
            co->baseline_n++;
            sum += p[i].value;
        }
    co->baseline_mean = co->baseline_n ? sum / co->baseline_n : NAN;
    for (int i = 0; i < n && procedures; i++)
        ss += p[i].cycle == 0 ? (p[i].value - co->baseline_mean) * (p[i].value - co->baseline_mean) : 0;
    co->baseline_sd = co->baseline_n >= 2 ? sqrt(ss / (co->baseline_n - 1)) : NAN;
    co->procedures = procedures;
    co->window = !isnan(o->from_day) || !isnan(o->to_day);

    /* the windows: --from/--to days over the course days; else each cycle from its procedure
     * session (cycle days), or every session when no procedure is marked */
    int i = 0;
    while (i < n && co->ncycles < SKINQ_COURSE_MAX_CYCLES) {
        int j = i, cyc = co->window || !procedures ? 0 : p[i].cycle;
        if (co->window) {
            while (i < n && p[i].day < o->from_day)
                i++;
            for (j = i; j < n && !(p[j].day > o->to_day); j++)
                ;
        } else {
            while (j < n && p[j].cycle == cyc)
                j++;
        }
        int keep = co->window || !procedures || (cyc > 0 && (o->cycle == 0 || o->cycle == cyc));
        if (keep && j > i) {
            skinq_course_cycle *c = &co->cycles[co->ncycles++];
            c->cycle = cyc;
            c->first = i;
            c->count = j - i;
            snprintf(c->date, sizeof c->date, "%s", p[i].date);
            snprintf(c->procedure, sizeof c->procedure, "%s", p[i].procedure);
            for (int k = i; k < j; k++) {
                co->t[k] = co->window || !procedures ? p[k].day : p[k].cycle_day;
                co->y[k] = p[k].value;
            }
            fit_window(ctx, o, co->t + i, co->y + i, c);
            cycle_ends(p, c, co, o->mdc95);
        }
        if (co->window || j == n)
            break;
        i = j;
    }
    if (co->ncycles == 0) {
        skinq_status st =
            o->cycle > procedures
                ? skinq_fail(ctx, SKINQ_E_TOO_FEW, "cycle %d asked for, but %d procedure%s %s marked",
                             o->cycle, procedures, procedures == 1 ? "" : "s", procedures == 1 ? "is" : "are")
                : skinq_fail(ctx, SKINQ_E_TOO_FEW, "no sessions in the days asked for");
        skinq_course_free(&co);
        return st;
    }
    int fitted = 0;
    for (int k = 0; k < co->ncycles; k++)
        fitted += co->cycles[k].fit_status == SKINQ_OK;
    if (!fitted) { /* nothing to show but why */
        skinq_status st = skinq_fail(ctx, co->cycles[0].fit_status, "%s", co->cycles[0].fit_error);
        skinq_course_free(&co);
        return st;
    }
    course_trend(ctx, co, p, n, o->mdc95);
    *out = co;
    return SKINQ_OK;
}
