/*
 * sim_stop.c — the signal handler and the stop request (see sim_stop.h).
 *
 * Everything the handler touches is a lock-free atomic or a fixed buffer
 * written before the atomic that publishes it, and it calls only
 * async-signal-safe functions (unlink, write, _exit, raise is called
 * outside it).  A signal can arrive on any thread (OpenMP workers
 * included), so no state is per-thread and no signal mask is relied on.
 */
#include "sim_stop.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static _Atomic int stop_sig;      /* the first signal that asked to stop */
static _Atomic int immediate;     /* phase: a signal ends the process */
static _Atomic int critical;      /* a signal is held, not acted on */
static _Atomic int held_sig;      /* the signal held meanwhile */
/* Our temporary files: slot 0 the run's output, slot 1 a checkpoint being
 * written beside it (sim_stop_own_tmp_slot). */
#define TMP_SLOTS 2
static _Atomic int tmp_owned[TMP_SLOTS];   /* tmp_path[k] names our temporary file */
static char tmp_path[TMP_SLOTS][4096];
static char prog_name[64] = "smsim";

const char *sim_stop_signame(int sig)
{
    switch (sig) {
    case 0: return "";
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "signal";
    }
}

static void say(const char *s)
{
    ssize_t w = write(STDERR_FILENO, s, strlen(s));
    (void)w;
}

/* Ends the process: removes our temporary file first. */
static void stop_now(int sig)
{
    for (int k = 0; k < TMP_SLOTS; k++)
        if (atomic_load(&tmp_owned[k]))
            unlink(tmp_path[k]);
    say(prog_name);
    say(": interrupted (");
    say(sim_stop_signame(sig));
    say("); stopping now, no output written\n");
    _exit(1);
}

static void on_signal(int sig)
{
    int saved_errno = errno;
    if (atomic_load(&critical)) {
        int none = 0;
        atomic_compare_exchange_strong(&held_sig, &none, sig);
    } else if (atomic_load(&immediate) || atomic_load(&stop_sig)) {
        stop_now(sig);
    } else {
        atomic_store(&stop_sig, sig);
    }
    errno = saved_errno;
}

void sim_stop_install(const char *prog, int immediate_phase)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction sa, old;
    if (prog) {
        const char *slash = strrchr(prog, '/');
        prog = slash ? slash + 1 : prog;
        size_t n = strlen(prog);
        if (n >= sizeof prog_name)
            n = sizeof prog_name - 1;
        memcpy(prog_name, prog, n);
        prog_name[n] = '\0';
    }
    atomic_store(&immediate, immediate_phase ? 1 : 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        /* nohup's promise: a hang-up ignored by the caller stays ignored. */
        if (sigs[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
    signal(SIGXFSZ, SIG_IGN);
}

int sim_stop_requested(void)
{
    return atomic_load(&stop_sig);
}

void sim_stop_set_immediate(int on)
{
    atomic_store(&immediate, on ? 1 : 0);
}

void sim_stop_own_tmp_slot(int slot, const char *path)
{
    if (slot < 0 || slot >= TMP_SLOTS)
        return;
    atomic_store(&tmp_owned[slot], 0);
    if (path && strlen(path) < sizeof tmp_path[slot]) {
        memcpy(tmp_path[slot], path, strlen(path) + 1);
        atomic_store(&tmp_owned[slot], 1);
    }
}

void sim_stop_own_tmp(const char *path) { sim_stop_own_tmp_slot(0, path); }

void sim_stop_enter_critical(void)
{
    atomic_store(&held_sig, 0);
    atomic_store(&critical, 1);
}

int sim_stop_held(void)
{
    return atomic_load(&held_sig);
}

void sim_stop_leave_critical(void)
{
    atomic_store(&critical, 0);
    int sig = atomic_exchange(&held_sig, 0);
    if (sig)
        raise(sig);
}
