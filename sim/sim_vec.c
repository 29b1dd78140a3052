/*
 * sim_vec.c — growing arrays (sim_vec.h).
 */
#include "sim_vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t sim_vec_capacity(size_t cap, size_t need, size_t elem, size_t first)
{
    size_t c = cap ? cap : (first ? first : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return 0;
        c *= 2;
    }
    if (elem && c > SIZE_MAX / elem)
        return 0;
    return c;
}

void *sim_vec_grow(void *buf, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (buf && need <= *cap)
        return buf;
    size_t c = sim_vec_capacity(*cap, need, elem, first);
    if (!c)
        return NULL;
    void *a = realloc(buf, c * elem);
    if (!a)
        return NULL;
    *cap = c;
    return a;
}

void *sim_vec_ring_grow(void *buf, size_t *cap, size_t head, size_t elem, size_t first)
{
    size_t old = *cap;
    size_t c = old ? sim_vec_capacity(old, 2 * old, elem, first) : sim_vec_capacity(0, first, elem, first);
    if (!c)
        return NULL;
    unsigned char *a = realloc(buf, c * elem);
    if (!a)
        return NULL;
    /* The oldest elements are [head, old), then [0, head): the latter
     * moves to [old, old + head), right after the former. */
    if (old && head)
        memcpy(a + old * elem, a, head * elem);
    *cap = c;
    return a;
}
