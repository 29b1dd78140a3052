/*
 * test_vec.c — growing arrays (sim_vec.h): capacity doubling and overflow,
 * contents kept across growth, and a full ring keeping its order whatever
 * its head.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim_vec.h"

static void test_capacity(void **state)
{
    (void)state;
    assert_int_equal(sim_vec_capacity(0, 1, 4, 64), 64);
    assert_int_equal(sim_vec_capacity(0, 65, 4, 64), 128);
    assert_int_equal(sim_vec_capacity(64, 64, 4, 16), 64);
    assert_int_equal(sim_vec_capacity(64, 65, 4, 16), 128);
    assert_int_equal(sim_vec_capacity(3, 13, 1, 16), 24);   /* doubles what is there */
    /* bytes that would overflow size_t: 0 */
    assert_int_equal(sim_vec_capacity(0, SIZE_MAX / 8 + 1, 8, 1), 0);
    assert_int_equal(sim_vec_capacity(SIZE_MAX / 2 + 1, SIZE_MAX, 1, 1), 0);
}

static void test_grow_keeps_contents(void **state)
{
    (void)state;
    uint32_t *v = NULL;
    size_t n = 0, cap = 0, reallocs = 0;
    for (uint32_t i = 0; i < 100000; i++) {
        if (n == cap) {
            size_t before = cap;
            uint32_t *a = sim_vec_grow(v, &cap, n + 1, sizeof *v, 16);
            assert_non_null(a);
            assert_true(cap >= n + 1 && cap == (before ? 2 * before : 16));
            v = a;
            reallocs++;
        }
        v[n++] = i * 2654435761u;
    }
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(v[i], i * 2654435761u);
    assert_true(reallocs <= 14);   /* 16 * 2^13 > 100,000: O(log n) */
    /* room already: the same block back */
    assert_ptr_equal(sim_vec_grow(v, &cap, n, sizeof *v, 16), v);
    free(v);
}

static void test_ring_order(void **state)
{
    (void)state;
    /* A full ring of 8 with its oldest element at each possible head:
     * after growth, index (head + i) & (cap - 1) holds the i-th oldest. */
    for (size_t head = 0; head < 8; head++) {
        size_t cap = 8;
        int *r = malloc(cap * sizeof *r);
        for (size_t i = 0; i < 8; i++)
            r[(head + i) & 7] = (int)(100 + i);
        int *a = sim_vec_ring_grow(r, &cap, head, sizeof *a, 4);
        assert_non_null(a);
        assert_int_equal(cap, 16);
        for (size_t i = 0; i < 8; i++)
            assert_int_equal(a[(head + i) & (cap - 1)], (int)(100 + i));
        free(a);
    }
    size_t cap = 0;
    int *a = sim_vec_ring_grow(NULL, &cap, 0, sizeof *a, 4);
    assert_non_null(a);
    assert_int_equal(cap, 4);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_grow_keeps_contents),
        cmocka_unit_test(test_ring_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
