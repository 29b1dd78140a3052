/*
 * sim_outfile.h — the output file's name on disk, before and around the run:
 * the checks that can be made before simulating, the exclusive temporary
 * file, and the temporaries that dead runs left behind.
 *
 * The temporary file is FINAL.tmp.PID.RANDOM (16 hex digits from the
 * kernel's random source): the process id says whose it is, the random
 * part makes it impossible to plant a file or a symbolic link at the name
 * in advance, and it is created with O_CREAT | O_EXCL | O_NOFOLLOW, so an
 * existing name is never reused or followed.
 *
 * Not for: the file's contents (sim_h5 writes them) or deciding exit codes.
 */
#ifndef SIM_OUTFILE_H
#define SIM_OUTFILE_H

#include <stddef.h>

#include "sim_err.h"

/* Length the temporary name adds to the final one: ".tmp." + up to 10
 * digits of pid + "." + 16 hex digits. */
#define SIM_OUTFILE_TMP_EXTRA 32

/* Everything about FINAL that can be known before a run (SIM_EINPUT when
 * the user must choose another name, with the reason): its directory exists,
 * is a directory, is writable and not immutable or append-only; FINAL, if it
 * exists, is a regular file (not a directory, device, FIFO, socket or
 * symbolic link), not immutable or append-only, and not one of the n_inputs
 * files in inputs[] (compared by device and inode); FINAL and its
 * temporary name fit in NAME_MAX and PATH_MAX. */
int sim_outfile_check(const char *final_path, const char *const *inputs, size_t n_inputs,
                      sim_err *err);

/* Create FINAL.tmp.PID.RANDOM exclusively (mode 0666 less umask), read and
 * write; its name into tmp (tmp_size bytes), its descriptor into *fd. */
int sim_outfile_create_tmp(const char *final_path, char *tmp, size_t tmp_size, int *fd,
                           sim_err *err);

/* Remove the temporaries FINAL.tmp.PID[.RANDOM] of runs that are gone:
 * regular files of this user whose process no longer exists and which no
 * process holds locked (a live run's HDF5 library holds its file locked,
 * which also covers a run on another machine of a shared file system
 * that honours locks).  Their names, separated by ", ", go into removed
 * (truncated to removed_size); returns how many were removed. */
size_t sim_outfile_remove_stale(const char *final_path, char *removed, size_t removed_size);

#endif
