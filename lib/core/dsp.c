/* dsp.c -- the module tables' shared bookkeeping (names, ISAs, walk, verify). */
#include "dsp.h"

#include <assert.h>
#include <string.h>

_Static_assert(sizeof(struct skinq_dsp_meta) % sizeof(skinq_dsp_fn) == 0, "slots follow the head unpadded");

void skinq_dsp_begin(struct skinq_dsp_meta *m, size_t size, const char *module, unsigned isa)
{
    memset(m, 0, size);
    m->module = module;
    m->isa = isa;
    m->n = (int)((size - sizeof *m) / sizeof(skinq_dsp_fn));
    assert(m->n <= SKINQ_DSP_MAX && sizeof *m + (size_t)m->n * sizeof(skinq_dsp_fn) == size);
}

void skinq_dsp_note(struct skinq_dsp_meta *m, size_t offset, const char *name, const char *impl)
{
    const size_t k = (offset - sizeof *m) / sizeof(skinq_dsp_fn);
    assert(offset >= sizeof *m && k < (size_t)m->n);
    m->name[k] = strncmp(name, "skinq_", 6) == 0 ? name + 6 : name;
    m->impl[k] = impl;
}

const char *skinq_dsp_impl(const struct skinq_dsp_meta *m, const char *name)
{
    for (int k = 0; k < m->n; k++)
        if (m->name[k] && strcmp(m->name[k], name) == 0)
            return m->impl[k];
    return NULL;
}

skinq_dsp_fn skinq_dsp_slot(const struct skinq_dsp_meta *m, int k)
{
    skinq_dsp_fn f;
    memcpy(&f, (const char *)m + sizeof *m + (size_t)k * sizeof f, sizeof f);
    return f;
}

int skinq_dsp_verify(const struct skinq_dsp_meta *m, int *bad)
{
    for (int k = 0; k < m->n; k++)
        if (!skinq_dsp_slot(m, k) || !m->name[k] || !m->impl[k]) {
            *bad = k;
            return -1;
        }
    return 0;
}

void skinq_dsp_assert_complete(const struct skinq_dsp_meta *m)
{
#ifndef NDEBUG
    int bad;
    assert(skinq_dsp_verify(m, &bad) == 0 && "a kernel table slot is unset");
#else
    (void)m;
#endif
}
