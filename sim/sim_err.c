/*
 * sim_err.c — filling a sim_err.  Kept tiny: a breakpoint on sim_err_vset
 * stops at every error smsim raises.
 */
#include "sim_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_err_vset(sim_err *err, int code, const char *src_file, int src_line,
                 const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        err->src_file = src_file;
        err->src_line = src_line;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

int sim_err_set(sim_err *err, int code, const char *src_file, int src_line,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_err_vset(err, code, src_file, src_line, fmt, ap);
    va_end(ap);
    return code;
}

void sim_err_prefix(sim_err *err, const char *fmt, ...)
{
    char head[512], tail[sizeof err->msg];
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(tail, err->msg, sizeof tail);
    size_t h = strlen(head), room = sizeof err->msg - 1;
    if (h > room)
        h = room;
    memcpy(err->msg, head, h);
    size_t t = strnlen(tail, sizeof tail);
    if (t > room - h)
        t = room - h;
    memcpy(err->msg + h, tail, t);
    err->msg[h + t] = '\0';
}

void sim_err_clear(sim_err *err)
{
    if (err) {
        err->code = SIM_OK;
        err->msg[0] = '\0';
        err->src_file = NULL;
        err->src_line = 0;
    }
}

#ifdef SIM_DEBUG
_Noreturn void sim_assert_fail_(const char *cond, const char *file, int line)
{
    fprintf(stderr, "smsim: %s:%d: invariant broken: %s\n", file, line, cond);
    abort();
}
#endif
