/* cmd_bench.c -- `skinq bench [DIR] [--truth PHANTOMS]`: stage throughput per ISA and thread count
 * beside the peers, and the accuracy on phantoms with truth, as a table or the design's JSON
 * ({machine, stages, peers, ratios, accuracy}). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "out.h"

static int opt_json, opt_runs = 5, opt_quick, opt_count = 200, opt_speed;
static const char *opt_make_set, *opt_size = "4000x3000", *opt_truth, *opt_real;

static const cli_option bench_options[] = {
    {"runs", 0, OPT_INT, &opt_runs, "N", "timed repetitions per stage (default 5; medians and p95)",
     CLI_IN(1, 64)},
    {"quick", 0, OPT_FLAG, &opt_quick, NULL, "small generated photos (1-2 MP): a smoke run"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    {"make-set", 0, OPT_STRING, &opt_make_set, "DIR",
     "write a sample set of generated photos into DIR, then stop"},
    {"count", 0, OPT_INT, &opt_count, "N", "photos --make-set writes (default 200)", CLI_IN(1, 100000)},
    {"size", 0, OPT_STRING, &opt_size, "WxH", "their size (default 4000x3000, 12 MP; 6000x4000 is 24 MP)"},
    {"truth", 0, OPT_STRING, &opt_truth, "PHANTOMS",
     "accuracy on phantoms: a `skinq synth` folder, or a folder of them (below)"},
    {"speed", 0, OPT_FLAG, &opt_speed, NULL, "with --truth: the generated speed stages too"},
    {"real", 0, OPT_STRING, &opt_real, "DIR",
     "real photos timed one by one beside the generated ones (default: the source tree's samples/real; "
     "'none' for none)"},
    CLI_OPTIONS_END,
};

static void progress(void *user, const char *what, int done, int total)
{
    (void)user;
    if (total > 1)
        fprintf(stderr, "\r  %-24s [%-30.*s] %d/%d", what, 30 * done / total,
                "==============================", done, total);
    else
        fprintf(stderr, "\r  %-60s", what);
    fflush(stderr);
}

/* The options into o (and the sample set's size for --make-set); -1 when they are usable, else
 * the exit code. */
/* --size WxH: two integers through the one number parser, 16x16 to 100 MP. */
static int parse_size(const char *arg, int *w, int *h)
{
    static const cli_option side = {"size", 0, OPT_INT, NULL, NULL, NULL, CLI_IN(16, 100000)};
    const char *x = strchr(arg, 'x');
    char ws[16];
    double vw = 0, vh = 0;
    int ok = x && (size_t)(x - arg) < sizeof ws;
    if (ok) {
        memcpy(ws, arg, (size_t)(x - arg));
        ws[x - arg] = '\0';
        ok = cli_number_ok(&side, ws, &vw) && cli_number_ok(&side, x + 1, &vh) && vw * vh <= 100e6;
    }
    if (!ok) {
        fprintf(stderr, "skinq: option '--size' needs WxH, integers from 16x16 to 100 MP, not '%s'\n", arg);
        return -1;
    }
    *w = (int)vw;
    *h = (int)vh;
    return 0;
}

/* The real photos of generated mode: --real DIR, else samples/real of the source tree the
 * executable was built in (build/skinq → samples/real), when it is there. */
static const char *real_dir(char *buf, size_t size)
{
    if (opt_real)
        return strcmp(opt_real, "none") ? opt_real : NULL;
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    for (int up = 0; up < 2; up++) { /* strip "skinq", then the build folder */
        char *slash = strrchr(buf, '/');
        if (!slash)
            return NULL;
        *slash = '\0';
    }
    if (strlen(buf) + sizeof "/samples/real" > size)
        return NULL;
    strcat(buf, "/samples/real");
    return access(buf, R_OK | X_OK) == 0 ? buf : NULL;
}

static int take_options(const cli_command *self, int argc, char **argv, skinq_bench_options *o, int *sw,
                        int *sh)
{
    int first;
    int rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (argc - first > 1)
        return cli_usage_error(self, "bench takes at most one sample-set folder");
    skinq_bench_default_options(o);
    o->dir = argc - first == 1 ? argv[first] : NULL;
    o->runs = opt_runs;
    o->quick = opt_quick;
    o->threads = g_opts.threads;
    /* the global --isa chooses the levels compared: all (default) or one */
    if (g_opts.isa && strcmp(g_opts.isa, "all") != 0) {
        if (skinq_isa_parse(g_opts.isa, &o->isa_mask) != 0)
            return cli_usage_error(self, "--isa takes all, scalar, sse41, avx2 or avx512, not '%s'",
                                   g_opts.isa);
        o->isa_only = 1;
    }
    if (opt_make_set && o->dir)
        return cli_usage_error(self, "--make-set DIR takes no sample-set folder");
    if (opt_make_set && opt_truth)
        return cli_usage_error(self, "--make-set DIR takes no --truth");
    if (opt_speed && !opt_truth)
        return cli_usage_error(self, "--speed only applies with --truth (the speed stages run anyway)");
    o->truth = opt_truth;
    /* --truth alone measures the accuracy only; a sample set, --quick or --speed adds the speed */
    o->no_speed = opt_truth && !o->dir && !o->quick && !opt_speed;
    if (opt_make_set && parse_size(opt_size, sw, sh) != 0)
        return cli_exit_for(CLI_COND_BAD_VALUE);
    if (opt_real && o->dir)
        return cli_usage_error(self,
                               "--real DIR applies to the generated photos, not to a sample-set folder");
    static char real[4096];
    o->real = o->dir || o->no_speed ? NULL : real_dir(real, sizeof real);
    if (isatty(2) && !g_opts.quiet)
        o->progress = progress;
    return -1;
}

static int make_set(skinq_ctx *ctx, const skinq_bench_options *o, int sw, int sh)
{
    skinq_status st = skinq_bench_make_set(ctx, opt_make_set, opt_count, sw, sh, o);
    if (o->progress)
        fputs("\r\033[K", stderr);
    if (st == SKINQ_OK && !g_opts.quiet)
        fprintf(stderr, "wrote %d photos of %dx%d into %s\n", opt_count, sw, sh, opt_make_set);
    return st == SKINQ_OK ? EXIT_OK : cli_fail(ctx, st);
}

/* One phantom's figures: names carry their units; provenance says what made them. */
static cJSON *accuracy_json(const skinq_bench_accuracy *a)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "dir", a->dir);
    cJSON_AddStringToObject(p, "kind", a->kind);
    if (!a->measured) {
        cJSON_AddStringToObject(p, "skipped", "no accuracy measure for this kind");
        return p;
    }
    const int stack = a->lights > 0;
    if (stack) {
        cJSON_AddNumberToObject(p, "scars_true", a->scars_true);
        cJSON_AddNumberToObject(p, "scars_found", a->scars_found);
        cJSON_AddNumberToObject(p, "scars_extra", a->scars_extra);
        out_add_number(p, "max_depth_error_median_pct", a->depth_error_pct);
        out_add_number(p, "volume_error_median_pct", a->volume_error_pct);
        out_add_number(p, "normal_error_mean_deg", a->normal_error_deg[0]);
        out_add_number(p, "normal_error_p50_deg", a->normal_error_deg[1]);
        out_add_number(p, "normal_error_p95_deg", a->normal_error_deg[2]);
    } else {
        cJSON_AddNumberToObject(p, "pairs", a->pairs);
        cJSON_AddNumberToObject(p, "registered", a->registered);
        cJSON_AddNumberToObject(p, "ecc_kept", a->ecc_kept);
        out_add_number(p, "corner_error_mean_px", a->corner_error_px[0]);
        out_add_number(p, "corner_error_max_px", a->corner_error_px[1]);
    }
    out_add_number(p, "time_ms", a->time_ms);
    out_add_number(p, "time_total_ms", a->time_total_ms);
    cJSON *pv = cJSON_AddObjectToObject(p, "provenance");
    cJSON_AddStringToObject(pv, "pipeline", stack ? "skinq_depth_from_stack" : "skinq_align_register");
    cJSON_AddStringToObject(pv, "method", a->method);
    cJSON_AddNumberToObject(pv, "lights", a->lights);
    cJSON_AddNumberToObject(pv, "threads", a->threads);
    cJSON_AddStringToObject(pv, "time_ms", stack ? "one depth run" : "median of one registration");
    if (stack)
        cJSON_AddBoolToObject(pv, "truth_normals", isfinite(a->normal_error_deg[0]));
    return p;
}

static int write_json(const skinq_bench_options *o, const skinq_bench_result *r)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    cJSON *m = cJSON_AddObjectToObject(doc, "machine");
    cJSON_AddStringToObject(m, "cpu", r->cpu);
    cJSON_AddStringToObject(m, "isa", r->isa);
    cJSON_AddNumberToObject(m, "threads", r->threads);
    if (o->dir) {
        cJSON *ss = cJSON_AddObjectToObject(doc, "sample_set");
        cJSON_AddStringToObject(ss, "dir", o->dir);
        cJSON_AddNumberToObject(ss, "images", r->images);
        out_add_number(ss, "images_per_s_1_thread", r->images_per_s[0]);
        out_add_number(ss, "images_per_s", r->images_per_s[1]);
    }
    cJSON *stages = cJSON_AddArrayToObject(doc, "stages");
    for (int i = 0; i < r->n_stages; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", r->stages[i].name);
        cJSON_AddStringToObject(s, "isa", r->stages[i].isa);
        cJSON_AddNumberToObject(s, "threads", r->stages[i].threads);
        out_add_number(s, "mpix_per_s", r->stages[i].mpix_per_s);
        out_add_number(s, "p50_ms", r->stages[i].p50_ms);
        out_add_number(s, "p95_ms", r->stages[i].p95_ms);
        cJSON_AddItemToArray(stages, s);
    }
    cJSON *peers = cJSON_AddArrayToObject(doc, "peers");
    for (int i = 0; i < r->n_peers; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", r->peers[i].name);
        out_add_number(p, "mpix_per_s", r->peers[i].mpix_per_s);
        out_add_number(p, "p50_ms", r->peers[i].p50_ms);
        cJSON_AddItemToArray(peers, p);
    }
    cJSON *photos = cJSON_AddArrayToObject(doc, "photos");
    for (int i = 0; i < r->n_photos; i++) {
        const skinq_bench_photo_stat *q = &r->photos[i];
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", q->name);
        out_add_number(p, "mpix", q->mpix);
        cJSON_AddNumberToObject(p, "colors", (double)q->colors);
        cJSON_AddNumberToObject(p, "threads", q->threads);
        out_add_number(p, "decode_ms", q->decode_ms);
        cJSON_AddStringToObject(p, "decoder", q->decoder);
        out_add_number(p, "analyze_color_ms", q->color_ms);
        out_add_number(p, "analyze_all_ms", q->all_ms);
        out_add_number(p, "analyze_color_per_decode", q->color_ms / q->decode_ms);
        out_add_number(p, "analyze_all_per_decode", q->all_ms / q->decode_ms);
        cJSON_AddItemToArray(photos, p);
    }
    if (r->n_photos) {
        cJSON *pv = cJSON_AddObjectToObject(doc, "photos_provenance");
        cJSON_AddStringToObject(pv, "colors", "distinct 8-bit RGB colours of the decoded file");
        cJSON_AddStringToObject(
            pv, "decode_ms",
            "decoding the file on 1 thread by `decoder`: a JPEG by bare libjpeg-turbo from "
            "memory into a reused buffer (as tjbench), other formats by skinq_image_load");
        cJSON_AddStringToObject(pv, "analyze_color_ms",
                                "skinq analyze --no-texture of the file, `threads` threads");
        cJSON_AddStringToObject(pv, "analyze_all_ms",
                                "skinq analyze of the file (texture too), `threads` threads");
        cJSON_AddStringToObject(pv, "timing", o->dir ? "one run per photo" : "median of the runs");
    }
    cJSON *ratios = cJSON_AddObjectToObject(doc, "ratios");
    for (int i = 0; i < r->n_ratios; i++)
        out_add_number(ratios, r->ratios[i].name, r->ratios[i].value);
    if (o->truth) {
        cJSON *acc = cJSON_AddArrayToObject(doc, "accuracy");
        for (int i = 0; i < r->n_accuracy; i++)
            cJSON_AddItemToArray(acc, accuracy_json(&r->accuracy[i]));
    }
    return out_json(doc);
}

static void accuracy_text(const skinq_bench_accuracy *a)
{
    printf("  %s (%s", a->dir, a->kind);
    if (!a->measured) {
        printf("): skipped, no accuracy measure for this kind\n");
    } else if (a->lights > 0) {
        printf("; %s, %d lights)\n    %d/%d scars found, %d extra; median error of max depth %.2f %%, of "
               "volume %.2f %%\n",
               a->method, a->lights, a->scars_found, a->scars_true, a->scars_extra, a->depth_error_pct,
               a->volume_error_pct);
        if (isfinite(a->normal_error_deg[0]))
            printf("    normals vs normals_true.png: %.2f mean, %.2f median, %.2f p95 deg\n",
                   a->normal_error_deg[0], a->normal_error_deg[1], a->normal_error_deg[2]);
        printf("    %.1f ms (one depth run, %d threads)\n", a->time_ms, a->threads);
    } else {
        printf("; %s)\n    %d/%d registered onto the first; corner error %.3f px mean, %.3f px worst\n"
               "    %.1f ms per registration (median, %d threads)\n",
               a->method[0] ? a->method : "none", a->registered, a->pairs, a->corner_error_px[0],
               a->corner_error_px[1], a->time_ms, a->threads);
    }
}

static int write_text(const skinq_bench_options *o, const skinq_bench_result *r)
{
    if (o->no_speed) {
        printf("machine: %s, best ISA %s, %d threads\n\naccuracy\n", r->cpu, r->isa, r->threads);
        for (int i = 0; i < r->n_accuracy; i++)
            accuracy_text(&r->accuracy[i]);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
    }
    printf("machine: %s, best ISA %s, %d threads; medians of %d runs\n\n", r->cpu, r->isa, r->threads,
           o->runs);
    printf("%-28s %-7s %7s %10s %10s %10s\n", "stage", "isa", "threads", "MP/s", "p50 ms", "p95 ms");
    for (int i = 0; i < r->n_stages; i++)
        printf("%-28s %-7s %7d %10.1f %10.2f %10.2f\n", r->stages[i].name, r->stages[i].isa,
               r->stages[i].threads, r->stages[i].mpix_per_s, r->stages[i].p50_ms, r->stages[i].p95_ms);
    printf("\n%-44s %10s %10s\n", "peer (same process, 1 thread)", "MP/s", "p50 ms");
    for (int i = 0; i < r->n_peers; i++)
        printf("%-44s %10.1f %10.2f\n", r->peers[i].name, r->peers[i].mpix_per_s, r->peers[i].p50_ms);
    printf("\nratios\n");
    for (int i = 0; i < r->n_ratios; i++)
        printf("  %-70s %8.2f\n", r->ratios[i].name, r->ratios[i].value);
    if (r->n_photos) {
        printf("\n%-28s %6s %9s %10s %10s %10s %8s %8s\n", "photo", "MP", "colours", "decode ms", "color ms",
               "all ms", "color/dec", "all/dec");
        for (int i = 0; i < r->n_photos; i++) {
            const skinq_bench_photo_stat *q = &r->photos[i];
            printf("%-28s %6.2f %9llu %10.2f %10.2f %10.2f %8.2f %8.2f\n", q->name, q->mpix,
                   (unsigned long long)q->colors, q->decode_ms, q->color_ms, q->all_ms,
                   q->color_ms / q->decode_ms, q->all_ms / q->decode_ms);
        }
        printf("(decode: bare libjpeg-turbo from memory for a JPEG, skinq's loader otherwise, 1 thread;\n"
               " color, all: the analysis of the file on %d threads)\n",
               r->threads);
    }
    if (o->dir)
        printf("\nsample set: %d photos, %.2f images/s on 1 thread, %.2f on %d\n", r->images,
               r->images_per_s[0], r->images_per_s[1], r->threads);
    if (o->truth) {
        printf("\naccuracy\n");
        for (int i = 0; i < r->n_accuracy; i++)
            accuracy_text(&r->accuracy[i]);
    }
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

static int run(const cli_command *self, int argc, char **argv)
{
    skinq_bench_options o;
    int sw = 0, sh = 0;
    int rc = take_options(self, argc, argv, &o, &sw, &sh);
    if (rc >= 0)
        return rc;
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_bench_result *res = NULL;
    if (opt_make_set) {
        rc = make_set(ctx, &o, sw, sh);
    } else {
        skinq_status st = skinq_bench_run(ctx, &o, &res);
        if (o.progress)
            fputs("\r\033[K", stderr);
        rc = st != SKINQ_OK ? cli_fail(ctx, st) : opt_json ? write_json(&o, res) : write_text(&o, res);
    }
    skinq_bench_free(&res);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_bench = {
    "bench",
    run,
    "bench [DIR] [--truth PHANTOMS [--speed]] [--threads N] [--isa all|scalar|sse41|avx2|avx512] [--runs N] "
    "[--json]",
    "throughput of every stage per ISA and thread count, beside its peers; accuracy on phantoms",
    bench_options,
    "--isa all (the default here) compares every level the CPU has; one level runs only that.\n"
    "Without DIR: generated 12- and 24-MP skin photos (JPEG q92 and PNG) for decode and colour,\n"
    "texture and registration at 12 MP, photometric stereo + integration of 8 x 4-MP images.\n"
    "With DIR: every .jpg/.png in it through decode, colour and the whole analysis, per image on\n"
    "1 and --threads threads, and --threads images at once. Peers run in the same process:\n"
    "bare libjpeg-turbo, OpenCV cvtColor and registration, bare FFTW. Pin it on a shared machine:\n"
    "taskset -c 1 skinq bench --threads 1, or taskset -c 0,1 for two threads.\n"
    "Every photo is listed with its distinct colours (the colour pass's cost grows with them) and\n"
    "its analyses' time over its decode's; generated mode adds the real photos of --real DIR\n"
    "(default: samples/real of the source tree). --make-set photos are made as a camera takes them\n"
    "(Bayer mosaic, shot and read noise, bilinear demosaicing, JPEG q92).\n"
    "--truth PHANTOMS: accuracy beside the time on folders `skinq synth` wrote, recognised by their\n"
    "truth.json's kind: PHANTOMS is one such folder or a folder of them (`synth --kind all`; kinds\n"
    "without a measure are listed as skipped there, an error when named). scar-stack: the depth\n"
    "pipeline (as skinq depth --lights), scars found / true / extra (nearest centroid within\n"
    "max(1 mm, equivalent diameter / 2)), median max-depth and volume error %, normal error vs\n"
    "normals_true.png when present. healing-series, recapture, course: each image registered onto\n"
    "the first (as skinq compare), mean corner error vs the true transforms, time per registration.\n"
    "--truth alone skips the speed stages; DIR, --quick or --speed runs them too.",
};
