#!/usr/bin/env bash
# Distributed runs: `make MPI=1` builds build-mpi/smsim, and
# `mpirun -np N build-mpi/smsim run small.cfg` writes the same datasets as
# the OpenMP build for N = 1, 2, 3 (also with more ranks than shards, with
# background power interruptions on), the
# `ranks` root attribute says N, and a failure (a bad scenario; a signal to
# a rank other than 0) ends every rank with one message and no output.
# Also runs tests/test_mpi.c on 3 ranks (the collectives themselves).
# Skips (and passes) where mpicc or mpirun is missing.
set -u
SMSIM=${SMSIM:-build/smsim}
MPI_SMSIM=build-mpi/smsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }

if ! command -v mpicc >/dev/null || ! command -v mpirun >/dev/null; then
  echo "  skip: mpicc/mpirun not installed (apt-get install libopenmpi-dev openmpi-bin); MPI runs not tested"
  exit 0
fi
# (a clean sub-make: not the caller's DEBUG=1 or BUILD=..., which would
# put sanitizers or another directory into the MPI build)
if ! MAKEFLAGS= MAKEOVERRIDES= make --no-print-directory -s MPI=1 DEBUG=0 all >"$tmp/build.log" 2>&1; then
  bad "make MPI=1: $(tail -20 "$tmp/build.log")"; echo "mpi: $passes passed, $fails failed"; exit 1
fi
ok "make MPI=1 builds $MPI_SMSIM"

# One thread per rank; ranks that wait yield the core (this machine may
# have fewer cores than ranks); shared-memory transport without CMA, which
# containers often forbid.
export OMP_NUM_THREADS=1 OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi() { local n=$1; shift; mpirun --allow-run-as-root --oversubscribe -np "$n" "$@"; }

# The collectives themselves (agree, integer sum, gather, bcast) on 3 ranks.
if MAKEFLAGS= MAKEOVERRIDES= make --no-print-directory -s MPI=1 DEBUG=0 build-mpi/tests/test_mpi >>"$tmp/build.log" 2>&1 \
   && mpi 3 build-mpi/tests/test_mpi >"$tmp/td.out" 2>&1 && ! grep -q FAILED "$tmp/td.out" \
   && [ "$(grep -c 'OK \] test_collectives_across_ranks' "$tmp/td.out")" = 3 ]; then
  ok "test_mpi under mpirun -np 3 (collectives across ranks)"
else
  bad "test_mpi under mpirun -np 3: $(grep -E 'FAIL|ERROR|error' "$tmp/td.out" "$tmp/build.log" | head -10)"
fi

"$SMSIM" run scenarios/small.cfg --threads 1 -o "$tmp/omp.h5" >"$tmp/omp.out" 2>"$tmp/omp.err" \
  && ok "OpenMP build: small.cfg" || bad "OpenMP run failed: $(cat "$tmp/omp.err")"

for n in 1 2 3; do
  if mpi "$n" "$MPI_SMSIM" run scenarios/small.cfg -o "$tmp/r$n.h5" >"$tmp/r$n.out" 2>"$tmp/r$n.err"; then
    ok "mpirun -np $n: exit 0"
  else
    bad "mpirun -np $n failed: $(head -c 600 "$tmp/r$n.err")"; continue
  fi
  if h5diff --exclude-attribute / "$tmp/omp.h5" "$tmp/r$n.h5" >"$tmp/diff$n" 2>&1; then
    ok "-np $n: every dataset identical to the OpenMP build's (h5diff)"
  else
    bad "-np $n: datasets differ: $(head -20 "$tmp/diff$n")"
  fi
  ranks=$(h5dump -a /ranks "$tmp/r$n.h5" 2>/dev/null | sed -n 's/.*(0): *\([0-9]*\).*/\1/p')
  [ "$ranks" = "$n" ] && ok "-np $n: root attribute ranks = $n" || bad "-np $n: ranks attribute '$ranks'"
  [ "$(grep -c '^smsim ' "$tmp/r$n.out")" = 1 ] && ok "-np $n: one summary (rank 0)" \
    || bad "-np $n: summary printed $(grep -c '^smsim ' "$tmp/r$n.out") times"
  # the summary's numbers (not the wall time) match the one-process run's
  if diff <(grep -v -e 'wall time' -e 'events ' -e 'output' "$tmp/omp.out") \
          <(grep -v -e 'wall time' -e 'events ' -e 'output' "$tmp/r$n.out") >/dev/null; then
    ok "-np $n: summary totals match"
  else
    bad "-np $n: summary differs: $(diff <(cat "$tmp/omp.out") <(cat "$tmp/r$n.out") | head -10)"
  fi
done
ls "$tmp" | grep -q '\.tmp\.' && bad "temporary file left behind" || ok "no temporary files left"

# --check-invariants on 2 ranks: each rank checks its households, rank 0
# the DCC's read fleet (leaves and joins gathered from both ranks).
if mpi 2 "$MPI_SMSIM" run scenarios/small.cfg --check-invariants -o "$tmp/inv.h5" --quiet >/dev/null 2>"$tmp/inv.err"; then
  ok "-np 2 --check-invariants: exit 0"
else
  bad "-np 2 --check-invariants: $(head -c 400 "$tmp/inv.err")"
fi

# More ranks than shards: a rank with no shard still takes part (and the
# DCC's background interruptions, drawn on rank 0, are the one-process ones).
BG="--set dcc.outages.enabled=true --set dcc.outages.interruptions_per_premises_year=20"
"$SMSIM" run scenarios/small.cfg --threads 1 --set run.shards=2 --set run.households=3001 $BG -o "$tmp/s2.h5" --quiet >/dev/null 2>&1
if mpi 3 "$MPI_SMSIM" run scenarios/small.cfg --set run.shards=2 --set run.households=3001 $BG -o "$tmp/s2m.h5" --quiet >/dev/null 2>"$tmp/s2m.err" \
   && h5diff --exclude-attribute / "$tmp/s2.h5" "$tmp/s2m.h5" >/dev/null 2>&1; then
  ok "3 ranks, 2 shards, background interruptions on: identical datasets"
else
  bad "3 ranks, 2 shards: $(head -c 400 "$tmp/s2m.err")"
fi

# A bad scenario: exit 2, the message once, no file.
sed 's/^\(\s*\)households\s*=/\1housholds =/' scenarios/small.cfg > "$tmp/misspelt.cfg"
mpi 3 "$MPI_SMSIM" run "$tmp/misspelt.cfg" -o "$tmp/bad.h5" --quiet >"$tmp/bad.out" 2>"$tmp/bad.err"; rc=$?
[ "$rc" = 2 ] && ok "bad scenario under mpirun -np 3: exit 2" || bad "bad scenario: exit $rc, wanted 2"
[ "$(grep -c '^smsim: .*misspelt.cfg:[0-9]*:.*housholds' "$tmp/bad.err")" = 1 ] \
  && [ "$(grep -c '^smsim:' "$tmp/bad.err")" = 1 ] && ok "bad scenario: one message, with file:line" \
  || bad "bad scenario messages: $(grep '^smsim' "$tmp/bad.err")"
ls "$tmp" | grep -q '^bad\.h5' && bad "bad scenario left $(ls "$tmp" | grep '^bad')" || ok "bad scenario: no output file"

# A failure on rank 1 alone (SIGTERM once its handler is in place, which
# /proc says; no timing involved) ends the run everywhere: exit 1, one
# message, no file.
mpi 2 "$MPI_SMSIM" run scenarios/small.cfg --set run.households=1000000 -o "$tmp/int.h5" --quiet \
  >"$tmp/int.out" 2>"$tmp/int.err" &
job=$!
killed=0
# The ranks are the processes whose command line names this run's output
# (what `pgrep -f` would find; read from /proc so that no package beyond
# the base system is needed).
ranks_of_run() {
  local d
  for d in /proc/[0-9]*; do
    tr '\0' ' ' < "$d/cmdline" 2>/dev/null | grep -qF -- "$tmp/int.h5" && echo "${d#/proc/}"
  done
}
for _ in $(seq 1 600); do
  for p in $(ranks_of_run); do
    [ -r "/proc/$p/environ" ] || continue
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' || continue
    cgt=$(sed -n 's/^SigCgt:\s*//p' "/proc/$p/status" 2>/dev/null)
    [ -n "$cgt" ] && (( (16#$cgt >> 14) & 1 )) || continue   # SIGTERM (15) caught: smsim's handler
    kill -TERM "$p" && killed=1
  done
  [ "$killed" = 1 ] && break
  kill -0 "$job" 2>/dev/null || break
  sleep 0.05
done
wait "$job"; rc=$?
if [ "$killed" = 0 ]; then
  bad "could not find rank 1 to signal (rc $rc)"
else
  [ "$rc" = 1 ] && ok "rank 1 interrupted: every rank exits, status 1" || bad "rank 1 interrupted: exit $rc"
  [ "$(grep -c '^smsim: interrupted' "$tmp/int.err")" = 1 ] && [ "$(grep -c '^smsim:' "$tmp/int.err")" = 1 ] \
    && ok "rank 1's failure reported once, by rank 0" || bad "messages: $(grep '^smsim' "$tmp/int.err")"
  ls "$tmp" | grep -q '^int\.h5' && bad "interrupted run left $(ls "$tmp" | grep '^int')" || ok "interrupted run: no output file"
fi

# An experiment under mpirun: the ranks share the runs round-robin (each
# run a process of its own), rank 0 writes the manifest; the runs equal the
# OpenMP build's experiment, and a rerun resumes.
SC=tests/scenarios/experiment.cfg
"$SMSIM" run $SC --replications 3 --sweep rollout.visit.no_access_prob=0.1,0.3 --threads 1 -q -o "$tmp/eomp.h5" \
  >/dev/null 2>"$tmp/eomp.err" || bad "OpenMP experiment: $(cat "$tmp/eomp.err")"
if mpi 2 "$MPI_SMSIM" run $SC --replications 3 --sweep rollout.visit.no_access_prob=0.1,0.3 -o "$tmp/e2.h5" \
     >"$tmp/e2.out" 2>"$tmp/e2.err"; then
  ok "experiment under mpirun -np 2: exit 0"
else
  bad "experiment under mpirun -np 2: $(head -c 600 "$tmp/e2.err")"
fi
same=1
for f in "$tmp"/eomp-runs/*.h5; do
  h5diff --exclude-attribute / "$f" "$tmp/e2-runs/$(basename "$f")" >/dev/null 2>&1 || same=0
done
[ $same = 1 ] && [ "$(ls "$tmp"/e2-runs/*.h5 | wc -l)" = 6 ] && ok "-np 2 experiment: 6 runs identical to the OpenMP build's" \
  || bad "-np 2 experiment runs differ or are missing"
ranks=$(h5dump -d /design/rank "$tmp/e2.h5" | sed -n 's/.*([0-9],0): *//p' | tr -d ' \n')
[ "$ranks" = "0,1,0,1,0,1" ] && ok "-np 2 experiment: runs shared round-robin (/design/rank $ranks)" || bad "ranks '$ranks'"
[ "$(grep -c '^smsim ' "$tmp/e2.out")" = 1 ] && ok "-np 2 experiment: one summary" || bad "summaries: $(cat "$tmp/e2.out")"
mpi 2 "$MPI_SMSIM" run $SC --replications 3 --sweep rollout.visit.no_access_prob=0.1,0.3 -o "$tmp/e2.h5" >"$tmp/e2b.out" 2>&1
grep -q "(6 already complete, 0 failed)" "$tmp/e2b.out" && ok "-np 2 experiment resumes (6 complete runs skipped)" || bad "resume: $(cat "$tmp/e2b.out")"

echo "mpi: $passes passed, $fails failed"
[ "$fails" = 0 ]
