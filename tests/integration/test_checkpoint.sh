#!/usr/bin/env bash
# Checkpoint and fork: a run checkpointed at day D (--checkpoint-at) and
# continued with --from gives the uninterrupted run's datasets exactly
# (h5diff of every dataset; only root attributes, which say how and when a
# file was made, may differ), at 1 and 2 threads, for small.cfg (fleet on)
# with DCC detail days on both sides of D and for default.cfg made small
# with the fleet on, for a firmware campaign and for background power
# interruptions crossing midnight at D; writing a checkpoint does not change the run's own
# output; --set of a key that acts on later days leaves every row before D
# as it was and changes rows after it; a key that shapes the state built
# before D is refused (exit 2, named, no output); a run killed with
# SIGKILL after a --checkpoint-every checkpoint resumes (--resume) to the
# identical file; bad checkpoint files are exit 2 with one line; an
# experiment (--sweep) runs every variant from the checkpoint; under
# mpirun -np 2 (when `make MPI=1` builds) the checkpoint is the one a single
# process writes, and resuming at 2 ranks and across rank counts gives the
# same datasets.
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
same() { # what a.h5 b.h5: every dataset identical
  if h5diff --exclude-attribute / "$2" "$3" >"$tmp/diff" 2>&1; then ok "$1"; else bad "$1: $(head -5 "$tmp/diff")"; fi
}

SMALL=(scenarios/small.cfg --set 'dcc.detail.dates=["2016-03-01","2024-01-15"]' --quiet)
D=2018-06-30
"$SMSIM" run "${SMALL[@]}" --threads 1 -o "$tmp/full.h5" || bad "uninterrupted run failed"
"$SMSIM" run "${SMALL[@]}" --threads 2 -o "$tmp/a.h5" --checkpoint-at $D || bad "checkpointing run failed"
[ -f "$tmp/a.ckpt.h5" ] && ok "--checkpoint-at wrote OUT.ckpt.h5" || bad "no checkpoint file"
same "writing a checkpoint leaves the run's output as it was" "$tmp/full.h5" "$tmp/a.h5"
day=$(h5dump -a /day "$tmp/a.ckpt.h5" 2>/dev/null | sed -n 's/.*(0): *\([0-9]*\).*/\1/p')
[ "$day" = 2372 ] && ok "checkpoint root attribute day = 2372 ($D)" || bad "checkpoint day '$day'"
for t in 1 2; do
  "$SMSIM" run --from "$tmp/a.ckpt.h5" --threads $t -o "$tmp/r$t.h5" -q || bad "--from at $t threads failed"
  same "small.cfg: checkpoint at $D + --from ($t thread(s)) == uninterrupted" "$tmp/full.h5" "$tmp/r$t.h5"
done

# default.cfg, made small, with the fleet on; checkpoint before both detail days
DEF=(scenarios/default.cfg --set run.households=6000 --set rollout.fleet.enabled=true
     --set 'dcc.detail.dates=["2015-02-03","2024-01-16"]' --quiet)
"$SMSIM" run "${DEF[@]}" --threads 2 -o "$tmp/dfull.h5" || bad "default: uninterrupted run failed"
"$SMSIM" run "${DEF[@]}" --threads 1 -o "$tmp/d.h5" --checkpoint-at 2016-12-31 --checkpoint-file "$tmp/d.ck" \
  || bad "default: checkpointing run failed"
for t in 1 2; do
  "$SMSIM" run --resume "$tmp/d.ck" --threads $t -o "$tmp/dr$t.h5" -q || bad "default: --resume at $t threads failed"
  same "default.cfg (fleet on): checkpoint + resume ($t thread(s)) == uninterrupted" "$tmp/dfull.h5" "$tmp/dr$t.h5"
done

# A dated DCC event in progress at the checkpoint (a firmware campaign over
# 2024-05-01 .. 18, request-level days on both sides): its progress carries.
"$SMSIM" run scenarios/dcc-firmware.cfg -q -o "$tmp/fw.h5" --checkpoint-at 2024-05-05 \
  && "$SMSIM" run --from "$tmp/fw.ckpt.h5" -q -o "$tmp/fw2.h5" || bad "dcc-firmware.cfg checkpoint/resume failed"
same "dcc-firmware.cfg: resumed mid-campaign == uninterrupted" "$tmp/fw.h5" "$tmp/fw2.h5"

# Background interruptions (dcc.outages) all starting 23:00-24:00 and lasting
# 2 h: at the checkpoint their restorations are still to come (carried into
# the next day's offer); they carry through it.
H23="[$(printf '0.0, %.0s' $(seq 23))1.0]"
BGO=(scenarios/dcc-storm.cfg -q --set dcc.initial_fleet.hubs=28000 --set 'run.end="2024-01-22"'
     --set dcc.outages.enabled=true --set dcc.outages.interruptions_per_premises_year=20
     --set dcc.outages.min_duration_min=120 --set dcc.outages.mean_duration_min=120
     --set "dcc.outages.hour_profile=$H23")
"$SMSIM" run "${BGO[@]}" -o "$tmp/bg.h5" --checkpoint-at 2024-01-19 \
  && "$SMSIM" run --from "$tmp/bg.ckpt.h5" -q -o "$tmp/bg2.h5" || bad "background interruptions: checkpoint/resume failed"
same "background interruptions: resumed across a midnight carry == uninterrupted" "$tmp/bg.h5" "$tmp/bg2.h5"

# A fork: a key that acts on later days.  Rows of days <= D as before, later rows differ.
"$SMSIM" run --from "$tmp/a.ckpt.h5" --set rollout.visit.max_revisits=0 --set dcc.dsp.servers=3 \
  -o "$tmp/fork.h5" -q || bad "fork with --set failed"
if /usr/bin/python3 - "$tmp/full.h5" "$tmp/fork.h5" 2372 >"$tmp/py" 2>&1 <<'EOF'
import sys, h5py, numpy as np
a, b, D = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), int(sys.argv[3])
same_before, differ_after = [], 0
def walk(name, obj):
    global differ_after
    if not isinstance(obj, h5py.Dataset) or name.startswith("dcc/detail") or obj.ndim == 0:
        return
    if not len(obj.dims[0]) or not obj.dims[0][0].name.endswith("/day") or obj.name.endswith("/day"):
        return
    x, y = a[name][...], b[name][...]
    assert x.shape == y.shape, name
    if not np.array_equal(x[:D + 1], y[:D + 1], equal_nan=x.dtype.kind == "f"):
        raise SystemExit(f"{name}: rows up to the checkpoint differ")
    same_before.append(name)
    differ_after += not np.array_equal(x[D + 1:], y[D + 1:], equal_nan=x.dtype.kind == "f")
a.visititems(walk)
assert len(same_before) > 20, same_before
assert differ_after >= 5, differ_after
print(len(same_before), "daily series equal up to the checkpoint;", differ_after, "differ after it")
EOF
then ok "fork: $(cat "$tmp/py")"; else bad "fork: $(tail -3 "$tmp/py")"; fi

# An experiment from a checkpoint: every run continues from it; the variant
# that sets the key to its value in the checkpoint's scenario is the
# uninterrupted run; replicates beyond the first are refused.
"$SMSIM" run --from "$tmp/a.ckpt.h5" --sweep rollout.visit.max_revisits=0,3 -o "$tmp/sw.h5" -q 2>"$tmp/err" \
  || bad "sweep --from: $(cat "$tmp/err")"
same "sweep from a checkpoint: variant max_revisits=3 (the scenario's) == uninterrupted" \
  "$tmp/full.h5" "$tmp/sw-runs/run-v001-r000.h5"
h5diff --exclude-attribute / -q "$tmp/full.h5" "$tmp/sw-runs/run-v000-r000.h5" >/dev/null 2>&1 \
  && bad "sweep from a checkpoint: variant max_revisits=0 equals the base run" \
  || ok "sweep from a checkpoint: variant max_revisits=0 differs"
"$SMSIM" run --from "$tmp/a.ckpt.h5" --replications 2 -o "$tmp/no.h5" -q 2>"$tmp/err"
[ $? = 2 ] && grep -q "replicates other than the first" "$tmp/err" && ok "--replications 2 with --from: exit 2" \
  || bad "--replications 2 --from: $(cat "$tmp/err")"

# Refused keys: exit 2, the key named, no output
for kv in run.seed=7 run.households=20001 'rollout.suppliers.[1].name="other"' \
          rollout.population.dual_fuel_share=0.5 'run.end="2026-12-31"' dcc.outages.enabled=true; do
  key=${kv%%=*}; key=${key%.dual_fuel_share}
  "$SMSIM" run --from "$tmp/a.ckpt.h5" --set "$kv" -o "$tmp/no.h5" -q 2>"$tmp/err"; rc=$?
  if [ $rc = 2 ] && grep -qF "$key cannot change after the checkpoint ($D)" "$tmp/err" && [ ! -e "$tmp/no.h5" ]; then
    ok "--set $kv after the checkpoint: exit 2, named, no output"
  else
    bad "--set $kv: rc=$rc $(cat "$tmp/err")"
  fi
done
"$SMSIM" run --from "$tmp/a.ckpt.h5" scenarios/small.cfg -q -o "$tmp/no.h5" 2>"$tmp/err"
[ $? = 2 ] && grep -q "takes its scenario from the checkpoint" "$tmp/err" && ok "--from with a FILE: exit 2" \
  || bad "--from with FILE: $(cat "$tmp/err")"
"$SMSIM" run "${SMALL[@]}" -o "$tmp/no.h5" --checkpoint-at 2030-01-01 2>"$tmp/err"
[ $? = 2 ] && grep -q "outside the days" "$tmp/err" && ok "--checkpoint-at outside the run: exit 2" \
  || bad "--checkpoint-at outside: $(cat "$tmp/err")"

# Bad checkpoint files: one line, exit 2
head -c 100000 "$tmp/a.ckpt.h5" >"$tmp/trunc.h5"
echo "not hdf5" >"$tmp/text.h5"
for f in "$tmp/full.h5:not an smsim checkpoint" "$tmp/trunc.h5:truncated" "$tmp/text.h5:not an HDF5 file" \
         "$tmp/none.h5:no such file"; do
  path=${f%%:*}; want=${f#*:}
  "$SMSIM" run --from "$path" -o "$tmp/no.h5" -q 2>"$tmp/err"; rc=$?
  if [ $rc = 2 ] && grep -q "$want" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -e "$tmp/no.h5" ]; then
    ok "--from $(basename "$path"): exit 2, '$want'"
  else
    bad "--from $(basename "$path"): rc=$rc $(cat "$tmp/err")"
  fi
done

# Killed (SIGKILL) after a periodic checkpoint: --resume finishes the same file
SMSIM_TEST_PAUSE_AT=checkpoint "$SMSIM" run "${SMALL[@]}" --threads 2 -o "$tmp/k.h5" --checkpoint-every 1000 \
  2>"$tmp/kerr" &
pid=$!
for i in $(seq 1 600); do grep -q "paused at checkpoint" "$tmp/kerr" 2>/dev/null && break; sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
[ ! -e "$tmp/k.h5" ] && [ -f "$tmp/k.ckpt.h5" ] && ok "killed after the first checkpoint: no output, a checkpoint" \
  || bad "after kill -9: $(ls "$tmp")"
"$SMSIM" run --resume "$tmp/k.ckpt.h5" --threads 1 --checkpoint-every 1000 -q 2>"$tmp/kerr" || bad "resume failed: $(cat "$tmp/kerr")"
same "killed run resumed with --resume == uninterrupted (same output name)" "$tmp/full.h5" "$tmp/k.h5"
ls "$tmp" | grep -q '\.tmp\.' && bad "temporary file left behind" || ok "no temporary files left"

# MPI, where it builds (see test_mpi.sh)
if command -v mpicc >/dev/null && command -v mpirun >/dev/null &&
   MAKEFLAGS= MAKEOVERRIDES= make --no-print-directory -s MPI=1 DEBUG=0 all >"$tmp/build.log" 2>&1; then
  export OMP_NUM_THREADS=1 OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
  mpi() { local n=$1; shift; mpirun --allow-run-as-root --oversubscribe -np "$n" "$@"; }
  # References from the MPI build itself, as one process: the checks compare
  # rank counts, not builds (`make check` runs $SMSIM with the sanitizers at
  # -O1, whose fluid-day sums may differ in the last bit from -O3's).
  mpi 1 build-mpi/smsim run "${SMALL[@]}" --threads 1 -o "$tmp/mfull.h5" 2>"$tmp/merr" \
    || bad "mpirun -np 1 uninterrupted run: $(head -3 "$tmp/merr")"
  mpi 1 build-mpi/smsim run "${SMALL[@]}" -o "$tmp/ma.h5" --checkpoint-at $D 2>"$tmp/merr" \
    || bad "mpirun -np 1 --checkpoint-at: $(head -3 "$tmp/merr")"
  mpi 2 build-mpi/smsim run "${SMALL[@]}" -o "$tmp/m.h5" --checkpoint-at $D >/dev/null 2>"$tmp/merr" \
    || bad "mpirun -np 2 --checkpoint-at: $(head -3 "$tmp/merr")"
  same "the checkpoint written by 2 ranks == the one written by one process (every dataset)" \
    "$tmp/ma.ckpt.h5" "$tmp/m.ckpt.h5"
  mpi 2 build-mpi/smsim run --from "$tmp/m.ckpt.h5" -o "$tmp/m2.h5" -q 2>"$tmp/merr" || bad "mpirun -np 2 --from failed"
  same "mpirun -np 2: checkpoint + --from == uninterrupted" "$tmp/mfull.h5" "$tmp/m2.h5"
  mpi 1 build-mpi/smsim run --from "$tmp/m.ckpt.h5" -o "$tmp/m1.h5" -q || bad "one process --from a 2-rank checkpoint failed"
  same "a 2-rank checkpoint resumed in one process == uninterrupted" "$tmp/mfull.h5" "$tmp/m1.h5"
  mpi 3 build-mpi/smsim run --from "$tmp/ma.ckpt.h5" -o "$tmp/m3.h5" -q 2>"$tmp/merr" || bad "mpirun -np 3 --from failed"
  same "a one-process checkpoint resumed on 3 ranks == uninterrupted" "$tmp/mfull.h5" "$tmp/m3.h5"
else
  echo "  skip: MPI build unavailable; checkpoints under mpirun not tested"
fi

echo "checkpoint: $passes passed, $fails failed"
[ $fails = 0 ]
