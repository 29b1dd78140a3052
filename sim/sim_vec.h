/*
 * sim_vec.h — growing arrays: the one place where smsim decides how a
 * buffer grows.  Capacity doubles (from `first` when empty) until it holds
 * what is needed, so a run makes O(log n) reallocations and none once the
 * largest size has been seen; callers keep their own (pointer, count,
 * capacity) fields, typed as they like.
 *
 *   if (n == cap && !(v = sim_vec_grow(v, &cap, n + 1, sizeof *v, 64))) ...
 *
 * is wrong (it loses v on failure); write
 *
 *   T *a = sim_vec_grow(v, &cap, n + 1, sizeof *v, 64);
 *   if (!a) return fail;   (v and cap unchanged)
 *   v = a;
 *
 * Not for: ring buffers' order (sim_vec_ring_grow does the unwrapping) or
 * aligned blocks (sim_vec_capacity gives the size; the caller allocates).
 */
#ifndef SIM_VEC_H
#define SIM_VEC_H

#include <stddef.h>

/* The capacity to grow `cap` to so that it holds `need` elements of `elem`
 * bytes: cap (or first, when cap is 0) doubled until >= need.  0 when that
 * would overflow size_t bytes. */
size_t sim_vec_capacity(size_t cap, size_t need, size_t elem, size_t first);

/* buf (realloc'd) with room for at least `need` elements, *cap updated;
 * buf itself when it already has room.  NULL when memory runs out: then
 * buf and *cap are unchanged and still valid. */
void *sim_vec_grow(void *buf, size_t *cap, size_t need, size_t elem, size_t first);

/* A full ring buffer of capacity *cap (a power of two, or 0) whose oldest
 * element is at index head: double it (from `first`, a power of two, when
 * 0) and move the wrapped part so that index (head + i) & (new cap - 1)
 * still holds the i-th oldest element.  NULL on failure, as sim_vec_grow. */
void *sim_vec_ring_grow(void *buf, size_t *cap, size_t head, size_t elem, size_t first);

#endif
