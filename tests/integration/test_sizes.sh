#!/usr/bin/env bash
# gb-baseline.cfg at the population sizes that once hung for ever (a chunk
# of the pending-list pool returned to the free list through a stale
# pointer after a realloc; see the pool invariant in models/mdl_rollout.c),
# each under a watchdog (180 s; a good run takes 2-4 s), to the end of January 2018 (past the day the hang
# began, 2017-12-16): every run must finish, pass the full invariant check
# every 64 days (--check-invariants: every pending chunk in one list,
# entries = households waiting) and conserve households in its output.
# Then a hung run stands in for any stuck one: a second SIGTERM ends it
# at once with exit 1 and no file.
set -u
SMSIM=${SMSIM:-build/smsim}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }

run_case() { # households shards seed
  local hh=$1 sh=$2 seed=$3 out="$tmp/gb-$1-$2-$3.h5"
  local t0=$SECONDS
  timeout -k 5 180 "$SMSIM" run scenarios/gb-baseline.cfg -q --check-invariants --threads 2 \
      --set run.households="$hh" --set run.shards="$sh" --set run.seed="$seed" \
      --set 'run.end="2018-01-31"' --set 'dcc.detail.dates=[]' -o "$out" 2>"$tmp/err"
  local rc=$?
  if [ $rc != 0 ]; then
    bad "$hh households, $sh shards, seed $seed: exit $rc after $((SECONDS - t0)) s: $(head -c 300 "$tmp/err")"
    return
  fi
  if "$PY" - "$out" "$hh" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s = f["rollout/households_by_state"][...].sum(axis=(1, 2))
want = int(sys.argv[2])
bad = np.nonzero(s != want)[0]
if bad.size:
    print(f"day {bad[0]}: {s[bad[0]]} households by state, {want} in the run")
    sys.exit(1)
PYEOF
  then ok "$hh households, $sh shards, seed $seed: finished in $((SECONDS - t0)) s, invariants hold, households conserved"
  else bad "$hh households, $sh shards, seed $seed: households not conserved"; fi
}

run_case 2000000 64 2011
run_case 3000000 64 2011
run_case 3000000 64 7
run_case 3500000 64 2011
run_case 3000000 16 2011
run_case 1000000 64 2011
run_case 250007 7 3

# A second SIGTERM stops a run at once, whatever it is doing: exit 1, no file.
out="$tmp/stuck.h5"
"$SMSIM" run scenarios/gb-baseline.cfg -q --threads 1 --set run.households=3000000 \
    --set 'dcc.detail.dates=[]' -o "$out" 2>"$tmp/err" &
pid=$!
sleep 1.5
kill -TERM $pid; kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
  kill -KILL $pid; bad "a second SIGTERM did not stop the run within 5 s"
else
  wait $pid; rc=$?
  [ $rc = 1 ] && ok "second SIGTERM: exit 1" || bad "second SIGTERM: exit $rc, wanted 1"
fi
left=$(ls "$tmp" | grep -c 'stuck.h5' || true)
[ "$left" = 0 ] && ok "second SIGTERM: no output, no temporary file" || bad "second SIGTERM left: $(ls "$tmp" | grep stuck)"

echo "sizes: $passes passed, $fails failed"
[ $fails = 0 ]
