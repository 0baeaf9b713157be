/* _skinq.c -- the CPython extension under `import skinq` (the C API directly, numpy only through the
 * buffer protocol): images in as paths or arrays (zero-copy when the rows are interleaved pixels),
 * results out as the library's own JSON (skinq_analysis_json(): one writer for the CLI and Python),
 * errors as (status, exit code, one-line message) for skinq/__init__.py to raise. Every long call
 * runs with the GIL released on a context of its own, so threads analyse in parallel safely. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "skinq_tools.h" /* skinq_trend_*: the trend of the store */

/* skinq/__init__.py's skinq.Error: raised with (status name, exit code, message). */
static PyObject *g_raise;

/* The CLI's exit code of a status (cli/main.c's table): which exception class it is. */
static int exit_code(skinq_status st)
{
    switch (st) {
    case SKINQ_E_INVALID: return 2;
    case SKINQ_E_IO:
    case SKINQ_E_FORMAT:
    case SKINQ_E_UNSUPPORTED:
    case SKINQ_E_LIMIT: return 3;
    case SKINQ_E_EMPTY_ROI:
    case SKINQ_E_ALIGN:
    case SKINQ_E_TOO_FEW: return 4;
    case SKINQ_E_STORE: return 5;
    default: return 1;
    }
}

/* The exception of st with the CLI's exit code `code` (its one-line message from ctx). */
static PyObject *fail_code(skinq_ctx *ctx, skinq_status st, int code)
{
    const char *msg = ctx ? skinq_ctx_error(ctx) : "";
    if (!msg || !*msg)
        msg = skinq_status_str(st);
    if (st == SKINQ_E_NOMEM)
        return PyErr_NoMemory();
    PyObject *r = PyObject_CallFunction(g_raise, "sis", skinq_status_str(st), code, msg);
    Py_XDECREF(r); /* g_raise sets the exception and returns NULL */
    return NULL;
}

static PyObject *fail(skinq_ctx *ctx, skinq_status st)
{
    return fail_code(ctx, st, exit_code(st));
}

static PyObject *usage(const char *fmt, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, what);
    PyObject *r = PyObject_CallFunction(g_raise, "sis", "invalid argument", 2, msg);
    Py_XDECREF(r);
    return NULL;
}

/* A context of the call's own (threads: 0 = the default, every online core). */
static skinq_ctx *ctx_open(int threads)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = threads;
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK) {
        usage("cannot open a skinq context with threads=%s", threads < 0 ? "a negative number" : "that many");
        return NULL;
    }
    return ctx;
}

/* ---- arrays through the buffer protocol ---- */

/* An array's pixels as a skinq_image: `view` (held by the caller) wrapped without a copy when its
 * rows hold interleaved pixels (a C-contiguous array or one of rows cut out of one), else copied
 * element by element through its strides (a flipped, Fortran-order or channel-reversed view).
 * Called without the GIL: it only reads the buffer. */
typedef struct img_in {
    skinq_image wrap;   /* the zero-copy image */
    skinq_image *owned; /* the copy, or NULL */
    const skinq_image *img;
} img_in;

static int view_kind(const Py_buffer *v, int *depth, const char **why)
{
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=' || *f == '<')
        f++;
    if (!strcmp(f, "B") && v->itemsize == 1)
        *depth = 8;
    else if (!strcmp(f, "H") && v->itemsize == 2)
        *depth = 16;
    else
        return *why = "an image array must be uint8 or uint16 (native byte order)", -1;
    if (v->ndim == 3 && v->shape[2] != 3)
        return *why = "an image array must be HxWx3 (RGB) or HxW (gray)", -1;
    if (v->ndim != 2 && v->ndim != 3)
        return *why = "an image array must be HxWx3 (RGB) or HxW (gray)", -1;
    if (v->shape[0] < 1 || v->shape[1] < 1 || v->shape[0] > INT32_MAX || v->shape[1] > INT32_MAX)
        return *why = "an image array must not be empty", -1;
    return 0;
}

static skinq_status img_from_view(skinq_ctx *ctx, const Py_buffer *v, int depth, img_in *in)
{
    int h = (int)v->shape[0], w = (int)v->shape[1], ch = v->ndim == 3 ? 3 : 1;
    Py_ssize_t is = v->itemsize;
    const Py_ssize_t *st = v->strides;
    memset(in, 0, sizeof *in);
    if (st[1] == ch * is && (ch == 1 || st[2] == is) && st[0] >= w * ch * is) {
        in->wrap = (skinq_image){.width = w,
                                 .height = h,
                                 .channels = ch,
                                 .depth = depth,
                                 .stride = (size_t)st[0],
                                 .data = v->buf,
                                 .orientation = 1};
        in->img = &in->wrap;
        return SKINQ_OK;
    }
    skinq_status s = skinq_image_new(ctx, w, h, ch, depth, &in->owned);
    if (s != SKINQ_OK)
        return s;
    for (int y = 0; y < h; y++) {
        uint8_t *row = skinq_image_row(in->owned, y);
        const char *src = (const char *)v->buf + y * st[0];
        for (int x = 0; x < w; x++)
            for (int c = 0; c < ch; c++) {
                const char *p = src + x * st[1] + (ch == 3 ? c * st[2] : 0);
                memcpy(row + ((size_t)x * ch + c) * is, p, (size_t)is);
            }
    }
    in->img = in->owned;
    return SKINQ_OK;
}

/* A mask array (bool or uint8, HxW; nonzero = inside) copied into a skinq_mask. */
static skinq_status mask_from_view(skinq_ctx *ctx, const Py_buffer *v, skinq_mask **out)
{
    if (v->ndim != 2 || v->itemsize != 1 || v->shape[0] < 1 || v->shape[1] < 1 || v->shape[0] > INT32_MAX ||
        v->shape[1] > INT32_MAX)
        return skinq_ctx_fail(ctx, SKINQ_E_INVALID, "a mask array must be HxW of bool or uint8");
    int h = (int)v->shape[0], w = (int)v->shape[1];
    skinq_status s = skinq_mask_new(ctx, w, h, 0, out);
    if (s != SKINQ_OK)
        return s;
    for (int y = 0; y < h; y++) {
        uint8_t *row = (*out)->data + (size_t)y * (*out)->stride;
        const char *src = (const char *)v->buf + y * v->strides[0];
        for (int x = 0; x < w; x++)
            row[x] = src[x * v->strides[1]] != 0;
    }
    return SKINQ_OK;
}

/* An argument that is a path (str, bytes, os.PathLike) -> a bytes object (new ref), else NULL without
 * an error (then it is an array). */
static PyObject *as_path(PyObject *o)
{
    if (o == Py_None || !(PyUnicode_Check(o) || PyBytes_Check(o) || PyObject_HasAttrString(o, "__fspath__")))
        return NULL;
    PyObject *b = NULL;
    if (!PyUnicode_FSConverter(o, &b))
        return NULL;
    return b;
}

/* ---- analysis options from keyword arguments ---- */

static int rect_arg(PyObject *o, const char *name, skinq_rect *r)
{
    if (!PyArg_ParseTuple(o, "iiii", &r->x, &r->y, &r->w, &r->h) || r->x < 0 || r->y < 0 || r->w <= 0 ||
        r->h <= 0) {
        PyErr_Clear();
        usage("%s wants (x, y, w, h): non-negative integers, w and h > 0", name);
        return -1;
    }
    return 0;
}

/* The analysis options the keyword arguments ask for (the mask is attached later). */
typedef struct aargs {
    PyObject *roi, *mask, *auto_skin, *ref, *px_per_mm, *white;
    int texture, threads;
    const char *maps_dir;
    int maps_size;
} aargs;

static int options_from(const aargs *a, skinq_analysis_options *o)
{
    skinq_analysis_default_options(o);
    int kinds =
        (a->roi != Py_None) + (a->mask != Py_None) + (a->auto_skin != Py_False && a->auto_skin != Py_None);
    if (kinds > 1)
        return usage("%s", "choose one of roi, mask and auto_skin"), -1;
    if (a->roi != Py_None) {
        if (rect_arg(a->roi, "roi", &o->roi.rect))
            return -1;
        o->roi.kind = SKINQ_ROI_RECT;
    }
    if (a->ref != Py_None) {
        if (rect_arg(a->ref, "ref", &o->color.ref))
            return -1;
        o->color.has_ref = 1;
    }
    if (a->white != Py_None) {
        if (rect_arg(a->white, "white", &o->color.white))
            return -1;
        o->color.has_white = 1;
    }
    if (a->auto_skin == Py_True) {
        o->roi.kind = SKINQ_ROI_AUTO_SKIN;
    } else if (a->auto_skin != Py_False && a->auto_skin != Py_None) {
        const char *m = PyUnicode_Check(a->auto_skin) ? PyUnicode_AsUTF8(a->auto_skin) : NULL;
        if (!m || skinq_skin_mode_parse(m, &o->roi.skin_mode) != 0)
            return usage("%s", "auto_skin is True, False or one of 'auto', 'face', 'limb'"), -1;
        o->roi.kind = SKINQ_ROI_AUTO_SKIN;
    }
    if (a->px_per_mm != Py_None) {
        double s = PyFloat_AsDouble(a->px_per_mm);
        if (PyErr_Occurred() || !(s > 0) || !isfinite(s)) {
            PyErr_Clear();
            return usage("%s", "px_per_mm must be a positive number"), -1;
        }
        o->px_per_mm = s;
    }
    o->texture = a->texture;
    o->maps.dir = a->maps_dir;
    o->maps.grids = a->maps_dir != NULL; /* skinq.maps(): the cell means as arrays too */
    if (a->maps_size > 0)
        o->maps.color_max_size = a->maps_size;
    return 0;
}

/* The mask argument loaded (path) or copied (array) into *mask; the GIL held for the copy. */
static skinq_status mask_from(skinq_ctx *ctx, PyObject *m, skinq_mask **mask)
{
    PyObject *p = as_path(m);
    if (PyErr_Occurred())
        return SKINQ_E_INVALID;
    skinq_status st;
    if (p) {
        Py_BEGIN_ALLOW_THREADS st = skinq_mask_load(ctx, PyBytes_AS_STRING(p), mask);
        Py_END_ALLOW_THREADS Py_DECREF(p);
        return st;
    }
    Py_buffer v;
    if (PyObject_GetBuffer(m, &v, PyBUF_RECORDS_RO) != 0) {
        PyErr_Clear();
        return skinq_ctx_fail(ctx, SKINQ_E_INVALID, "mask must be a path or a 2-D bool/uint8 array");
    }
    st = mask_from_view(ctx, &v, mask);
    PyBuffer_Release(&v);
    return st;
}

/* One image (path or array) analysed with o: the JSON text. */
static skinq_status analyze_one(skinq_ctx *ctx, PyObject *image, const skinq_analysis_options *o, char **json)
{
    PyObject *p = as_path(image);
    if (PyErr_Occurred())
        return SKINQ_E_INVALID;
    Py_buffer v = {0};
    int depth = 0;
    const char *why = NULL;
    if (!p) {
        if (PyObject_GetBuffer(image, &v, PyBUF_RECORDS_RO) != 0) {
            PyErr_Clear();
            return skinq_ctx_fail(ctx, SKINQ_E_INVALID, "image must be a path or a numpy array");
        }
        if (view_kind(&v, &depth, &why) != 0) {
            PyBuffer_Release(&v);
            return skinq_ctx_fail(ctx, SKINQ_E_INVALID, "%s", why);
        }
    }
    skinq_status st;
    skinq_analysis *res = NULL;
    Py_BEGIN_ALLOW_THREADS skinq_analyzer *an = NULL;
    st = skinq_analyzer_new(ctx, o, &an);
    if (st == SKINQ_OK && p) {
        st = skinq_analyzer_file(an, PyBytes_AS_STRING(p), &res);
    } else if (st == SKINQ_OK) {
        img_in in;
        st = img_from_view(ctx, &v, depth, &in);
        if (st == SKINQ_OK)
            st = skinq_analyzer_image(an, in.img, NULL, &res);
        skinq_image_free(&in.owned);
    }
    if (st == SKINQ_OK)
        st = skinq_analysis_json(res, o, NULL, json);
    skinq_analysis_free(&res);
    skinq_analyzer_free(&an);
    Py_END_ALLOW_THREADS if (p) Py_DECREF(p);
    else PyBuffer_Release(&v);
    return st;
}

static PyObject *json_out(char *json)
{
    PyObject *s = PyUnicode_DecodeUTF8(json, (Py_ssize_t)strlen(json), "replace");
    skinq_json_free(&json);
    return s;
}

/* The analysis keywords every call takes, then the call's own (format and names appended). */
#define AARGS_NAMES "roi", "mask", "auto_skin", "ref", "px_per_mm", "white", "texture", "threads"
#define AARGS_FORMAT "OOOOOOpi"
#define AARGS_PTRS(a)                                                                                        \
    &(a).roi, &(a).mask, &(a).auto_skin, &(a).ref, &(a).px_per_mm, &(a).white, &(a).texture, &(a).threads
#define AARGS_INIT                                                                                           \
    {                                                                                                        \
        Py_None, Py_None, Py_False, Py_None, Py_None, Py_None, 1, 0, NULL, 0                                 \
    }

/* Options, context and mask from the keywords: 0, or -1 with the exception set (nothing to free). */
static int setup(aargs *a, skinq_analysis_options *o, skinq_ctx **ctx, skinq_mask **mask)
{
    if (options_from(a, o) != 0 || !(*ctx = ctx_open(a->threads)))
        return -1;
    if (a->mask == Py_None)
        return 0;
    skinq_status st = mask_from(*ctx, a->mask, mask);
    if (st == SKINQ_OK) {
        o->roi.kind = SKINQ_ROI_MASK;
        o->roi.mask = *mask;
        return 0;
    }
    if (!PyErr_Occurred())
        fail(*ctx, st);
    skinq_mask_free(mask);
    skinq_ctx_close(ctx);
    return -1;
}

/* The call's end: its JSON as a str, or the exception of st; the context and mask released. */
static PyObject *finish(skinq_ctx **ctx, skinq_mask **mask, skinq_status st, char *json)
{
    PyObject *r = PyErr_Occurred() ? NULL : st == SKINQ_OK ? json_out(json) : fail(*ctx, st);
    if (!r)
        skinq_json_free(&json);
    skinq_mask_free(mask);
    skinq_ctx_close(ctx);
    return r;
}

static PyObject *py_analyze(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"image", AARGS_NAMES, "maps_dir", "maps_size", NULL};
    PyObject *image;
    aargs a = AARGS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$" AARGS_FORMAT "zi", names, &image, AARGS_PTRS(a),
                                     &a.maps_dir, &a.maps_size))
        return NULL;
    skinq_analysis_options o;
    skinq_ctx *ctx = NULL;
    skinq_mask *mask = NULL;
    if (setup(&a, &o, &ctx, &mask) != 0)
        return NULL;
    char *json = NULL;
    skinq_status st = analyze_one(ctx, image, &o, &json);
    return finish(&ctx, &mask, st, json);
}

/* setup() and the compare options (compare, repeat): chart, no_align, ecc_size. */
static int compare_setup(aargs *a, const char *chart, int no_align, int ecc_size, skinq_analysis_options *o,
                         skinq_compare_options *co, skinq_ctx **ctx, skinq_mask **mask)
{
    if (chart && a->white != Py_None)
        return usage("%s", "choose white or chart"), -1;
    if (setup(a, o, ctx, mask) != 0)
        return -1;
    skinq_compare_default_options(co);
    co->analysis = o;
    co->align.no_align = no_align;
    co->align.ecc_size = ecc_size;
    co->chart_path = chart;
    return 0;
}

static PyObject *py_compare(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"before",   "after",    AARGS_NAMES, "chart",
                            "no_align", "ecc_size", "maps_dir",  NULL};
    PyObject *before, *after;
    aargs a = AARGS_INIT;
    const char *chart = NULL, *maps_dir = NULL;
    int no_align = 0, ecc_size = 1024;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O&|$" AARGS_FORMAT "zpiz", names, PyUnicode_FSConverter,
                                     &before, PyUnicode_FSConverter, &after, AARGS_PTRS(a), &chart, &no_align,
                                     &ecc_size, &maps_dir))
        return NULL;
    skinq_analysis_options o;
    skinq_compare_options co;
    skinq_ctx *ctx = NULL;
    skinq_mask *mask = NULL;
    PyObject *r = NULL;
    if (compare_setup(&a, chart, no_align, ecc_size, &o, &co, &ctx, &mask) == 0) {
        co.maps_dir = maps_dir;
        skinq_compare_result *res = NULL;
        char *json = NULL;
        skinq_status st;
        Py_BEGIN_ALLOW_THREADS st =
            skinq_compare(ctx, PyBytes_AS_STRING(before), PyBytes_AS_STRING(after), &co, &res);
        if (st == SKINQ_OK)
            st = skinq_compare_json(res, &co, NULL, &json);
        skinq_compare_free(&res);
        Py_END_ALLOW_THREADS r = finish(&ctx, &mask, st, json);
    }
    Py_DECREF(before);
    Py_DECREF(after);
    return r;
}

/* A sequence of paths as bytes objects (a new list) and their char pointers (malloc'd); NULL with the
 * exception set. */
static PyObject *paths_from(PyObject *seq, const char *what, const char ***out, Py_ssize_t *n)
{
    if (PyUnicode_Check(seq) || PyBytes_Check(seq) || !PySequence_Check(seq))
        return usage("%s must be a list of paths", what);
    PyObject *list = PyList_New(0);
    Py_ssize_t len = list ? PySequence_Size(seq) : -1;
    *out = len >= 0 ? malloc(sizeof **out * (size_t)(len + 1)) : NULL;
    for (Py_ssize_t i = 0; *out && i < len; i++) {
        PyObject *item = PySequence_GetItem(seq, i), *b = NULL;
        int ok = item && PyUnicode_FSConverter(item, &b) && PyList_Append(list, b) == 0;
        Py_XDECREF(item);
        Py_XDECREF(b);
        if (!ok) {
            PyErr_Clear();
            free(*out);
            *out = NULL;
            Py_DECREF(list);
            return usage("%s must be a list of paths (str, bytes or os.PathLike)", what);
        }
        (*out)[i] = PyBytes_AS_STRING(PyList_GET_ITEM(list, i));
    }
    if (!*out) {
        Py_XDECREF(list);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    (*out)[len] = NULL;
    *n = len;
    return list;
}

/* repeat(images, *, <analyze's keywords>, chart, no_align, ecc_size) -> JSON of `repeat --json`. */
static PyObject *py_repeat(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"images", AARGS_NAMES, "chart", "no_align", "ecc_size", NULL};
    PyObject *images;
    aargs a = AARGS_INIT;
    const char *chart = NULL;
    int no_align = 0, ecc_size = 1024;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$" AARGS_FORMAT "zpi", names, &images, AARGS_PTRS(a),
                                     &chart, &no_align, &ecc_size))
        return NULL;
    const char **paths = NULL;
    Py_ssize_t n = 0;
    PyObject *keep = paths_from(images, "images", &paths, &n), *r = NULL;
    if (!keep)
        return NULL;
    PyObject *mask_path = a.mask != Py_None ? as_path(a.mask) : NULL; /* options.mask names the file */
    skinq_analysis_options o;
    skinq_compare_options co;
    skinq_ctx *ctx = NULL;
    skinq_mask *mask = NULL;
    if (n < 2) {
        char msg[80];
        snprintf(msg, sizeof msg, "give at least two photos of the same site (got %zd)", n);
        usage("%s", msg);
    } else if (!PyErr_Occurred() && compare_setup(&a, chart, no_align, ecc_size, &o, &co, &ctx, &mask) == 0) {
        skinq_repeat_result *res = NULL;
        char *json = NULL;
        skinq_status st;
        Py_BEGIN_ALLOW_THREADS st = skinq_repeat(ctx, paths, (size_t)n, &co, &res);
        if (st == SKINQ_OK)
            st = skinq_repeat_json(res, &co, mask_path ? PyBytes_AS_STRING(mask_path) : NULL, NULL, &json);
        skinq_repeat_free(&res);
        Py_END_ALLOW_THREADS r = finish(&ctx, &mask, st, json);
    }
    Py_XDECREF(mask_path);
    Py_DECREF(keep);
    free(paths);
    return r;
}

/* ---- depth: a height map, a photometric-stereo stack or one photo ---- */

/* An optional path argument: NULL for None, else *keep (a new bytes object) holds it. -1 with the
 * exception set. */
static int opt_path(PyObject *o, const char *what, PyObject **keep, const char **path)
{
    *keep = NULL;
    *path = NULL;
    if (o == Py_None)
        return 0;
    if (!PyUnicode_FSConverter(o, keep)) {
        PyErr_Clear();
        usage("%s must be a path (str, bytes or os.PathLike)", what);
        return -1;
    }
    *path = PyBytes_AS_STRING(*keep);
    return 0;
}

/* The photometric-stereo region: an array is the option's (no file); a path, or else a lights folder's
 * mask.png, is loaded (*file: its name, to free). */
static skinq_status depth_region(skinq_ctx *ctx, PyObject *region_o, const char *lights, skinq_mask **region,
                                 char **file, const char **source)
{
    PyObject *p = region_o != Py_None ? as_path(region_o) : NULL;
    if (PyErr_Occurred())
        return SKINQ_E_INVALID;
    if (region_o != Py_None && !p) {
        *source = "option";
        return mask_from(ctx, region_o, region);
    }
    skinq_status st = skinq_depth_region_pick(lights, p ? PyBytes_AS_STRING(p) : NULL, file, source);
    Py_XDECREF(p);
    if (st == SKINQ_OK && *file) {
        Py_BEGIN_ALLOW_THREADS st = skinq_mask_load(ctx, *file, region);
        Py_END_ALLOW_THREADS
    }
    return st;
}

/* The depth pipeline of the input given, its JSON, then the maps (without the GIL); *code: 1 when the
 * maps folder cannot be written (the CLI's exit code: not a bad input file). */
static skinq_status depth_run(skinq_ctx *ctx, const char *height, const char *lights,
                              const char *const *paths, int n, const skinq_depth_options *o,
                              const skinq_depth_inputs *in, char **json, int *code)
{
    skinq_depth_result *res = NULL;
    skinq_status st;
    if (height)
        st = skinq_depth_from_height(ctx, height, o, &res);
    else if (lights)
        st = skinq_depth_from_stack(ctx, lights, paths, n, o, &res);
    else
        st = skinq_depth_from_photo(ctx, paths[0], o, &res);
    if (st == SKINQ_OK)
        st = skinq_depth_json(ctx, res, o, in, json);
    if (st == SKINQ_OK && in->maps_dir && (st = skinq_depth_write_maps(ctx, res, in->maps_dir)) == SKINQ_E_IO)
        *code = 1;
    skinq_depth_free(&res);
    return st;
}

/* depth(images, height, z_scale, lights, px_per_mm, mask, min_depth, ref_scale, outlier_tau, ps_method,
 * region, truth_normals, translucency, min_confidence, maps_dir, threads) -> JSON of `depth --json`;
 * the combinations were checked by skinq/__init__.py (NaN: not given). */
static PyObject *py_depth(PyObject *self, PyObject *args)
{
    PyObject *images, *height_o, *lights_o, *mask_o, *region_o, *truth_o, *maps_o;
    double z_scale, ppm, min_depth, ref_scale, tau, translucency, min_conf;
    const char *method;
    int threads;
    if (!PyArg_ParseTuple(args, "OOdOdOdddzOOddOi", &images, &height_o, &z_scale, &lights_o, &ppm, &mask_o,
                          &min_depth, &ref_scale, &tau, &method, &region_o, &truth_o, &translucency,
                          &min_conf, &maps_o, &threads))
        return NULL;
    skinq_depth_options o;
    skinq_depth_default_options(&o);
    if (method && skinq_ps_method_parse(method, &o.ps.method) != 0)
        return usage("%s", "ps_method is one of 'auto', 'ls', 'subset', 'trimmed', 'irls', 'lobe'");
    const char **paths = NULL, *height, *lights, *truth, *maps_dir;
    Py_ssize_t n = 0;
    PyObject *keep[5] = {NULL}, *r = NULL; /* images, height, lights, truth, maps */
    if (!(keep[0] = paths_from(images, "images", &paths, &n)) ||
        opt_path(height_o, "height", &keep[1], &height) || opt_path(lights_o, "lights", &keep[2], &lights) ||
        opt_path(truth_o, "truth_normals", &keep[3], &truth) ||
        opt_path(maps_o, "maps_dir", &keep[4], &maps_dir))
        goto out;
    if (!height && !lights && n != 1) { /* skinq.depth() says so in the CLI's words; a direct call here */
        usage("%s", "no input: give height, lights or one image");
        goto out;
    }
    o.px_per_mm = isfinite(ppm) ? ppm : 0;
    o.z_scale = isfinite(z_scale) ? z_scale : 0;
    o.scars.ref_scale_mm = ref_scale;
    o.scars.min_depth = isfinite(min_depth) ? min_depth : 0; /* 0: 0.05 mm or 1 px */
    o.ps.outlier_tau = tau;
    o.truth_normals = truth;
    o.min_confidence = min_conf;
    o.translucency_mm = translucency;
    skinq_ctx *ctx = ctx_open(threads);
    if (!ctx)
        goto out;
    skinq_mask *mask = NULL, *region = NULL;
    PyObject *mask_path = mask_o != Py_None ? as_path(mask_o) : NULL;
    char *region_file = NULL, *json = NULL;
    const char *source = "none";
    skinq_status st = PyErr_Occurred() ? SKINQ_E_INVALID : SKINQ_OK;
    if (st == SKINQ_OK && mask_o != Py_None)
        st = mask_from(ctx, mask_o, &mask);
    if (st == SKINQ_OK)
        st = depth_region(ctx, region_o, lights, &region, &region_file, &source);
    o.region = region;
    o.region_name = region_file;
    o.scars.mask = mask;
    o.mask_name = mask_path ? PyBytes_AS_STRING(mask_path) : NULL;
    const char *what = height ? height : lights ? lights : paths[0]; /* one photo: n == 1 */
    skinq_depth_inputs in = {what, paths, lights ? (int)n : 0, source, maps_dir};
    int code = -1;
    if (st == SKINQ_OK) {
        Py_BEGIN_ALLOW_THREADS st = depth_run(ctx, height, lights, paths, (int)n, &o, &in, &json, &code);
        Py_END_ALLOW_THREADS
    }
    if (code >= 0) {
        skinq_json_free(&json);
        fail_code(ctx, st, code);
    }
    r = code >= 0 ? NULL : finish(&ctx, &mask, st, json);
    skinq_mask_free(&mask);
    skinq_mask_free(&region);
    skinq_ctx_close(&ctx);
    free(region_file);
    Py_XDECREF(mask_path);
out:
    for (int i = 0; i < 5; i++)
        Py_XDECREF(keep[i]);
    free(paths);
    return r;
}

/* ---- the session store: read-only queries, rows built per callback with the GIL taken back ---- */

/* A query's state: the list being filled and the thread state the GIL was released from. */
typedef struct rows {
    PyObject *list;
    PyThreadState *save;
} rows;

static int dict_set(PyObject *d, const char *key, PyObject *v)
{
    int bad = !v || PyDict_SetItemString(d, key, v) != 0;
    Py_XDECREF(v);
    return bad;
}

static PyObject *str_or_empty(const char *s)
{
    return PyUnicode_DecodeUTF8(s ? s : "", s ? (Py_ssize_t)strlen(s) : 0, "replace");
}

static PyObject *num_or_none(double v)
{
    if (isfinite(v))
        return PyFloat_FromDouble(v);
    Py_RETURN_NONE;
}

/* Append a dict built by fill (GIL held) to r->list; nonzero stops the query (a Python error). */
static int rows_append(rows *r, int (*fill)(PyObject *d, const void *row), const void *row)
{
    PyEval_RestoreThread(r->save);
    PyObject *d = PyDict_New();
    int bad = !d || fill(d, row) || PyList_Append(r->list, d) != 0;
    Py_XDECREF(d);
    r->save = PyEval_SaveThread();
    return bad;
}

/* The session's keys, as `track export --json` and `track sessions --json` spell them. */
static int fill_session(PyObject *d, int64_t id, const char *date, const char *time, const char *label,
                        const char *procedure, int cycle, double day, double cycle_day)
{
    return dict_set(d, "session", PyLong_FromLongLong(id)) || dict_set(d, "date", str_or_empty(date)) ||
           dict_set(d, "time", str_or_empty(time)) || dict_set(d, "label", str_or_empty(label)) ||
           dict_set(d, "procedure", str_or_empty(procedure)) ||
           dict_set(d, "cycle", PyLong_FromLong(cycle)) || dict_set(d, "day", num_or_none(day)) ||
           dict_set(d, "cycle_day", num_or_none(cycle_day));
}

static int fill_measurement(PyObject *d, const void *row)
{
    const skinq_store_row *r = row;
    return dict_set(d, "subject", str_or_empty(r->subject)) || dict_set(d, "site", str_or_empty(r->site)) ||
           fill_session(d, r->session_id, r->date, r->time, r->label, r->procedure, r->cycle, r->day,
                        r->cycle_day) ||
           dict_set(d, "metric", str_or_empty(r->metric)) || dict_set(d, "value", num_or_none(r->value)) ||
           dict_set(d, "unit", str_or_empty(r->unit)) || dict_set(d, "image", str_or_empty(r->image_path)) ||
           dict_set(d, "sha256", str_or_empty(r->sha256)) ||
           dict_set(d, "skinq_version", str_or_empty(r->skinq_version));
}

static int fill_site(PyObject *d, const void *row)
{
    const skinq_store_site_row *r = row;
    return dict_set(d, "subject", str_or_empty(r->subject)) || dict_set(d, "site", str_or_empty(r->site)) ||
           dict_set(d, "first_date", str_or_empty(r->first_date)) ||
           dict_set(d, "last_date", str_or_empty(r->last_date)) ||
           dict_set(d, "sessions", PyLong_FromLong(r->sessions)) ||
           dict_set(d, "images", PyLong_FromLong(r->images)) ||
           dict_set(d, "px_per_mm", num_or_none(r->px_per_mm));
}

static int fill_session_row(PyObject *d, const void *row)
{
    const skinq_store_session_row *r = row;
    return dict_set(d, "subject", str_or_empty(r->subject)) || dict_set(d, "site", str_or_empty(r->site)) ||
           fill_session(d, r->session_id, r->date, r->time, r->label, r->procedure, r->cycle, r->day,
                        r->cycle_day) ||
           dict_set(d, "images", PyLong_FromLong(r->images));
}

static int on_measurement(void *u, const skinq_store_row *r)
{
    return rows_append(u, fill_measurement, r);
}

static int on_site(void *u, const skinq_store_site_row *r)
{
    return rows_append(u, fill_site, r);
}

static int on_session(void *u, const skinq_store_session_row *r)
{
    return rows_append(u, fill_session_row, r);
}

/* store_query(path, what, subject, site, metric) -> list of dicts; what: "export", "sites", "sessions".
 * The store is opened read-only for the call (never written, never migrated). */
static PyObject *py_store_query(PyObject *self, PyObject *args)
{
    PyObject *path;
    const char *what, *subject, *site, *metric;
    if (!PyArg_ParseTuple(args, "O&szzz", PyUnicode_FSConverter, &path, &what, &subject, &site, &metric))
        return NULL;
    skinq_ctx *ctx = ctx_open(1);
    rows r = {PyList_New(0), NULL};
    if (!ctx || !r.list) {
        Py_DECREF(path);
        Py_XDECREF(r.list);
        skinq_ctx_close(&ctx);
        return NULL;
    }
    skinq_store *store = NULL;
    skinq_status st;
    r.save = PyEval_SaveThread();
    st = skinq_store_open_readonly(ctx, PyBytes_AS_STRING(path), &store);
    if (st == SKINQ_OK && !strcmp(what, "sites"))
        st = skinq_store_sites(ctx, store, subject, on_site, &r);
    else if (st == SKINQ_OK && !strcmp(what, "sessions"))
        st = skinq_store_sessions(ctx, store, subject, site, on_session, &r);
    else if (st == SKINQ_OK)
        st = skinq_store_query(ctx, store, subject, site, metric, on_measurement, &r);
    skinq_store_close(&store);
    PyEval_RestoreThread(r.save);
    Py_DECREF(path);
    PyObject *out = PyErr_Occurred() ? NULL : st == SKINQ_OK ? Py_NewRef(r.list) : fail(ctx, st);
    Py_DECREF(r.list);
    skinq_ctx_close(&ctx);
    return out;
}

/* A store query whose answer is a JSON document (run without the GIL, the store open read-only). */
typedef skinq_status (*store_doc_fn)(skinq_ctx *ctx, skinq_store *store, const char *path, const void *args,
                                     char **json);

/* query's document from the store at path (consumed) as a str, or its exception. */
static PyObject *store_doc(PyObject *path, store_doc_fn query, const void *args)
{
    skinq_ctx *ctx = ctx_open(1);
    if (!ctx) {
        Py_DECREF(path);
        return NULL;
    }
    skinq_store *store = NULL;
    char *json = NULL;
    skinq_status st;
    Py_BEGIN_ALLOW_THREADS st = skinq_store_open_readonly(ctx, PyBytes_AS_STRING(path), &store);
    if (st == SKINQ_OK)
        st = query(ctx, store, PyBytes_AS_STRING(path), args, &json);
    skinq_store_close(&store);
    Py_END_ALLOW_THREADS Py_DECREF(path);
    return finish(&ctx, &(skinq_mask *){NULL}, st, json);
}

static skinq_status trend_doc(skinq_ctx *ctx, skinq_store *store, const char *path, const void *args,
                              char **json)
{
    const skinq_trend_options *o = args;
    skinq_trend *t = NULL;
    skinq_status st = skinq_trend_run(ctx, store, o, &t);
    if (st == SKINQ_OK && t->n == 0)
        st = skinq_ctx_fail(ctx, SKINQ_E_TOO_FEW, "no values of '%s' stored for %s/%s in '%s'", o->metric,
                            o->subject, o->site, path);
    if (st == SKINQ_OK)
        st = skinq_trend_json(t, json);
    skinq_trend_free(&t);
    return st;
}

/* store_trend(path, subject, site, metric, model, cycle, from_day, to_day, mdc) -> JSON of `trend --json`
 * (model: "exponential" or "two-phase"; NaN days and mdc: unset). */
static PyObject *py_store_trend(PyObject *self, PyObject *args)
{
    PyObject *path;
    skinq_trend_options o;
    skinq_trend_default_options(&o);
    const char *model;
    if (!PyArg_ParseTuple(args, "O&ssssiddd", PyUnicode_FSConverter, &path, &o.subject, &o.site, &o.metric,
                          &model, &o.course.cycle, &o.course.from_day, &o.course.to_day, &o.course.mdc95))
        return NULL;
    if (strcmp(model, "exponential") != 0 && strcmp(model, "two-phase") != 0) {
        Py_DECREF(path);
        return usage("model is 'exponential' or 'two-phase', not '%s'", model);
    }
    o.course.model = strcmp(model, "two-phase") == 0 ? SKINQ_COURSE_TWO_PHASE : SKINQ_COURSE_EXPONENTIAL;
    return store_doc(path, trend_doc, &o);
}

static skinq_status repeatability_doc(skinq_ctx *ctx, skinq_store *store, const char *path, const void *args,
                                      char **json)
{
    const char *const *ss = args; /* subject, site */
    skinq_repeatability *rep = NULL;
    skinq_status st = skinq_store_repeatability(ctx, store, ss[0], ss[1], &rep);
    if (st == SKINQ_OK && rep->count == 0) /* the CLI's words and exit code (4) */
        st = skinq_ctx_fail(
            ctx, SKINQ_E_TOO_FEW,
            "%s/%s in '%s' has no session with 2 or more photos (add several photos of one day "
            "with one 'track add')",
            ss[0], ss[1], path);
    if (st == SKINQ_OK)
        st = skinq_repeatability_json(rep, ss[0], ss[1], json);
    skinq_repeatability_free(&rep);
    return st;
}

/* store_repeatability(path, subject, site) -> JSON of `repeat --subject --site --json`. */
static PyObject *py_store_repeatability(PyObject *self, PyObject *args)
{
    PyObject *path;
    const char *ss[2];
    if (!PyArg_ParseTuple(args, "O&ss", PyUnicode_FSConverter, &path, &ss[0], &ss[1]))
        return NULL;
    return store_doc(path, repeatability_doc, ss);
}

static PyObject *py_version(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString(skinq_version());
}

static PyObject *py_set_raise(PyObject *self, PyObject *fn)
{
    Py_XINCREF(fn);
    Py_XSETREF(g_raise, fn);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"analyze", (PyCFunction)(void (*)(void))py_analyze, METH_VARARGS | METH_KEYWORDS,
     "analyze(image, *, roi, mask, auto_skin, ref, px_per_mm, white, texture, threads, maps_dir, maps_size) "
     "-> JSON"},
    {"compare", (PyCFunction)(void (*)(void))py_compare, METH_VARARGS | METH_KEYWORDS,
     "compare(before, after, *, <analyze's keywords>, chart, no_align, ecc_size, maps_dir) -> JSON"},
    {"repeat", (PyCFunction)(void (*)(void))py_repeat, METH_VARARGS | METH_KEYWORDS,
     "repeat(images, *, <analyze's keywords>, chart, no_align, ecc_size) -> JSON"},
    {"depth", py_depth, METH_VARARGS,
     "depth(images, height, z_scale, lights, px_per_mm, mask, min_depth, ref_scale, outlier_tau, ps_method, "
     "region, truth_normals, translucency, min_confidence, maps_dir, threads) -> JSON"},
    {"store_query", py_store_query, METH_VARARGS,
     "store_query(path, 'export'|'sites'|'sessions', subject, site, metric) -> list of dicts"},
    {"store_trend", py_store_trend, METH_VARARGS,
     "store_trend(path, subject, site, metric, model, cycle, from_day, to_day, mdc) -> JSON"},
    {"store_repeatability", py_store_repeatability, METH_VARARGS,
     "store_repeatability(path, subject, site) -> JSON"},
    {"version", py_version, METH_NOARGS, "libskinq's version"},
    {"_set_raise", py_set_raise, METH_O, "the function that raises skinq.Error's subclasses"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, .m_name = "skinq._skinq",
                                    .m_doc = "libskinq's C binding", .m_size = -1, .m_methods = methods};

PyMODINIT_FUNC PyInit__skinq(void)
{
    return PyModule_Create(&module);
}
