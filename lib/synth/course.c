/* course.c -- the treatment-course phantom: the healing series' skin photographed through a
 * microneedling course. A baseline 7 days before the first procedure, then N procedures 28 days
 * apart, each photographed right after it (the peak of acute erythema) and on cycle days 1, 2, 3,
 * 7 and 14; the last cycle also on days 28 and 42 (follow-up: the remodelling after the course).
 * Procedure k adds E_k·e^(−(t − t_k)/τ_k) of hemoglobin in the treated ellipse, each cycle with its
 * own E_k and τ_k, so a per-cycle fit is tested; each procedure also steps the texture target
 * down, approached with τ_slow. */
#include <math.h>
#include <stdio.h>

#include "synth.h"

#define MAX_CYCLES 6
#define DEFAULT_CYCLES 3
#define CYCLE_DAYS 28
#define BASELINE_DAY (-7)
#define FIRST_PROCEDURE 20458 /* 2026-01-05, days since 1970-01-01 */
#define REMODEL_STEP 0.5      /* each procedure takes the texture target half way to healed */
#define N_CYCLE 6
#define N_FOLLOW 2
static const int cycle_days[N_CYCLE + N_FOLLOW] = {0, 1, 2, 3, 7, 14, 28, 42};
/* later cycles heal faster and redden a little less: τ = --tau (3 d) × 1, 5/6, 2/3, … */
static const double tau_factor[MAX_CYCLES] = {1, 5.0 / 6, 4.0 / 6, 3.5 / 6, 3.0 / 6, 2.5 / 6};
/* blood volume fraction added by each procedure (the baseline holds 0.02) */
static const double excess0[MAX_CYCLES] = {0.045, 0.042, 0.039, 0.036, 0.033, 0.030};

static int cycles_of(const skinq_synth_options *o)
{
    return o->cycles ? o->cycles : DEFAULT_CYCLES;
}

/* YYYY-MM-DD of a course day (Hinnant's civil_from_days). */
static void course_date(int course_day, char out[64])
{
    long z = FIRST_PROCEDURE + course_day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
    snprintf(out, 64, "%04ld-%02ld-%02ld", y, m, d);
}

/* Texture state on course day t: the target steps toward a_inf at each procedure and the state
 * follows it with τ_slow from wherever it was. */
static double remodelled(int n, double t, double a0, double a_inf, double *target)
{
    double a = a0, goal = a0;
    for (int k = 0; k < n && k * CYCLE_DAYS <= t; k++) {
        double end = k + 1 < n && (k + 1) * CYCLE_DAYS <= t ? (k + 1) * CYCLE_DAYS : t;
        goal += REMODEL_STEP * (a_inf - goal);
        a = synth_remodel(end - k * CYCLE_DAYS, a, goal);
    }
    if (target)
        *target = goal;
    return a;
}

static double excess(int n, double tau, double t)
{
    double e = 0;
    for (int k = 0; k < n && k * CYCLE_DAYS <= t; k++)
        e += excess0[k] * exp(-(t - k * CYCLE_DAYS) / (tau * tau_factor[k]));
    return e;
}

static cJSON *course_truth(cJSON *truth, const skinq_synth_options *o, const synth_scene *s)
{
    int n = cycles_of(o);
    char date[64];
    synth_truth_head(truth, "course", o, s);
    course_date(BASELINE_DAY, date);
    cJSON_AddStringToObject(truth, "start_date", date);
    course_date(0, date);
    cJSON_AddStringToObject(truth, "first_procedure_date", date);
    cJSON_AddNumberToObject(truth, "cycle_length_days", CYCLE_DAYS);
    cJSON_AddNumberToObject(truth, "tau_slow_days", SYNTH_TAU_SLOW);
    cJSON_AddStringToObject(
        truth, "procedure",
        "excess(t) = sum over procedures k with t >= t_k of excess0_k·exp(-(t - t_k)/tau_k)");
    cJSON_AddStringToObject(truth, "remodelling",
                            "each procedure moves the roughness and visible-pore targets half way to the "
                            "healed state; the skin follows its target with tau_slow");
    cJSON *cyc = cJSON_AddArrayToObject(truth, "cycles");
    for (int k = 0; k < n; k++) {
        cJSON *c = cJSON_CreateObject();
        double rough, visible;
        remodelled(n, k * CYCLE_DAYS, SYNTH_ROUGH_BEFORE, SYNTH_ROUGH_HEALED, &rough);
        remodelled(n, k * CYCLE_DAYS, 1.0, 1.0 - SYNTH_PORES_CLOSING, &visible);
        course_date(k * CYCLE_DAYS, date);
        cJSON_AddNumberToObject(c, "cycle", k + 1);
        cJSON_AddNumberToObject(c, "procedure_day", k * CYCLE_DAYS);
        cJSON_AddStringToObject(c, "date", date);
        cJSON_AddNumberToObject(c, "tau_days", s->tau * tau_factor[k]);
        cJSON_AddNumberToObject(c, "excess0", excess0[k]);
        cJSON_AddNumberToObject(c, "roughness_target", rough);
        cJSON_AddNumberToObject(c, "pore_density_target_per_cm2", synth_pore_density(s, visible));
        cJSON_AddItemToArray(cyc, c);
    }
    synth_scene_truth(truth, s, "treated");
    return cJSON_AddArrayToObject(truth, "images");
}

/* Photo i: 0 the baseline, then each cycle's days (the last cycle with its follow-up). */
static skinq_status course_shot(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir,
                                const synth_scene *s, synth_rng *rng, int i, skinq_image *img, cJSON *images)
{
    int n = cycles_of(o), cycle = 0, cycle_day = BASELINE_DAY, day = BASELINE_DAY;
    if (i > 0) {
        cycle = (i - 1) / N_CYCLE + 1 < n ? (i - 1) / N_CYCLE + 1 : n;
        cycle_day = cycle_days[i - 1 - (cycle - 1) * N_CYCLE];
        day = (cycle - 1) * CYCLE_DAYS + cycle_day;
    }
    synth_shot f = {.img = img, .sc = s};
    synth_shot_pose(&f, rng, i == 0);
    f.excess = excess(n, s->tau, day);
    f.rough = remodelled(n, day, SYNTH_ROUGH_BEFORE, SYNTH_ROUGH_HEALED, NULL);
    f.visible = remodelled(n, day, 1.0, 1.0 - SYNTH_PORES_CLOSING, NULL);
    char name[32], date[64];
    if (cycle == 0)
        snprintf(name, sizeof name, "b-%02d.jpg", -BASELINE_DAY);
    else
        snprintf(name, sizeof name, "c%d-d%02d.jpg", cycle, cycle_day);
    course_date(day, date);
    cJSON *im = cJSON_CreateObject();
    cJSON_AddStringToObject(im, "file", name);
    cJSON_AddStringToObject(im, "date", date);
    cJSON_AddNumberToObject(im, "course_day", day);
    cJSON_AddNumberToObject(im, "cycle", cycle);
    cJSON_AddNumberToObject(im, "cycle_day", cycle_day);
    cJSON_AddBoolToObject(im, "procedure", cycle > 0 && cycle_day == 0);
    cJSON_AddNumberToObject(im, "visible_pore_fraction", f.visible);
    skinq_status st = synth_skin_shot(ctx, dir, name, o->jpeg_quality, &f, rng, im);
    cJSON_AddItemToArray(images, im);
    return st;
}

skinq_status synth_course(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    int n = cycles_of(o);
    if (n < 1 || n > MAX_CYCLES)
        return skinq_fail(ctx, SKINQ_E_INVALID, "a course has 1 to %d cycles, not %d", MAX_CYCLES, n);
    synth_scene s = synth_scene_of(o, 0x43525345ULL); /* "CRSE" */
    const synth_series series = {"course", 1 + n * N_CYCLE + N_FOLLOW, course_truth, course_shot};
    return synth_photograph(ctx, o, dir, &s, &series);
}
