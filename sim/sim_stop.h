/*
 * sim_stop.h — stopping a run on a signal without leaving a file behind.
 *
 * One process-wide state (a signal is process-wide): SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT set a stop request.  What a signal does depends on the
 * phase the program declares:
 *  - immediate (set-up, population generation: nothing to close): the
 *    first signal removes the temporary output file, if one is owned, and
 *    ends the process at once with status 1;
 *  - cooperative (simulated days, finishing, writing): the first signal
 *    only sets the request, which the program polls at its boundaries
 *    (sim_stop_requested) and the output commit checks before its rename;
 *    a second signal ends the process at once, as above.
 *  - critical sections (creating the temporary file, the final rename):
 *    a signal is held until the section ends, so that the file to remove
 *    and the name it goes by are never half-registered.
 * SIGXFSZ is ignored, so that writing past a file-size limit fails with
 * EFBIG (reported like a full disk) instead of killing the process.
 * A SIGHUP ignored when the process starts (nohup) stays ignored.
 *
 * Not for: anything else a signal might mean (no reload, no status dump).
 * Library code never exits; only the handler does, with _exit, in the two
 * cases above.
 */
#ifndef SIM_STOP_H
#define SIM_STOP_H

/* Install the handlers; prog names the program in the handler's message;
 * immediate: the phase to start in (see sim_stop_set_immediate). */
void sim_stop_install(const char *prog, int immediate);

/* The signal that asked to stop (0: none). */
int sim_stop_requested(void);
/* Its name, "SIGINT" etc. ("signal" for others, "" for none). */
const char *sim_stop_signame(int sig);

/* 1: a signal ends the process at once; 0: it sets the request, which the
 * caller polls.  A request already made when switching to 1 is not acted
 * on by the switch: the caller polls once after it. */
void sim_stop_set_immediate(int on);

/* The temporary file the handler removes when it ends the process (NULL:
 * none).  The path is copied; at most 4095 bytes. */
void sim_stop_own_tmp(const char *path);
/* The same for one of two slots: 0 (sim_stop_own_tmp: the run's output)
 * or 1 (a checkpoint written while the output is open); the handler
 * removes both. */
void sim_stop_own_tmp_slot(int slot, const char *path);

/* Hold signals (they are recorded, not acted on) until the matching
 * leave; leaving acts on one that came meanwhile.  Not nested. */
void sim_stop_enter_critical(void);
void sim_stop_leave_critical(void);
/* Inside a critical section: the signal held so far (0: none). */
int sim_stop_held(void);

#endif
