/*
 * sim_err.h — error codes with a message, the one way errors travel in smsim.
 *
 * Library code (sim/, models/) never exits and never prints: a function that
 * can fail takes a `sim_err *` last, fills it through SIM_FAIL (which records
 * the source file and line, so one breakpoint in sim_err_set catches every
 * error) and returns the code.  Only the program entry decides how to exit.
 * Not for: warnings or progress output.
 */
#ifndef SIM_ERR_H
#define SIM_ERR_H

#include <stdarg.h>

typedef enum sim_status {
    SIM_OK = 0,
    SIM_ERUNTIME = 1,   /* a run failed: I/O, out of memory, an internal limit */
    SIM_EINPUT = 2,     /* bad usage or a bad scenario: the user must fix input */
} sim_status;

typedef struct sim_err {
    int code;            /* a sim_status */
    char msg[1024];      /* what is wrong, and what is allowed */
    const char *src_file; /* where in smsim the error was raised (for developers) */
    int src_line;
} sim_err;

/* Record an error (printf-style message) and return its code. */
int sim_err_set(sim_err *err, int code, const char *src_file, int src_line,
                const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
int sim_err_vset(sim_err *err, int code, const char *src_file, int src_line,
                 const char *fmt, va_list ap);

/* Prefix an existing message ("while writing x: " + msg). */
void sim_err_prefix(sim_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void sim_err_clear(sim_err *err);

#define SIM_FAIL(err, code, ...) sim_err_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Invariant checks of the kernel's data structures (heap order, calendar
 * tiers, event order in a window): in debug builds (`make debug`, which
 * defines SIM_DEBUG) a broken invariant prints where and aborts, so the
 * sanitizer build stops at the first corruption; in release builds the
 * check and its condition are compiled out.  For programming errors only,
 * never for bad input (that is SIM_FAIL). */
#ifdef SIM_DEBUG
_Noreturn void sim_assert_fail_(const char *cond, const char *file, int line);
#define SIM_ASSERT(cond) ((cond) ? (void)0 : sim_assert_fail_(#cond, __FILE__, __LINE__))
#else
#define SIM_ASSERT(cond) ((void)0)
#endif

#endif
