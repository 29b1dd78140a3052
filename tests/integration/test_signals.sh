#!/usr/bin/env bash
# Every signal at every moment: SIGINT, SIGTERM, SIGHUP and SIGQUIT sent
# while the run is at each phase (before the scenario is read, during
# population generation, between days, inside the last day, just before the
# commit; also a run of one simulated day) end it with exit status 1, a
# message, and no file under the final name or a temporary one.  The test
# hook SMSIM_TEST_PAUSE_AT=PHASE holds the run at PHASE until a signal comes.
# A SIGHUP ignored by the caller (nohup) stays ignored.
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
SC=tests/scenarios/minimal.cfg
SHORT=(--set run.households=400 --set 'run.end="2020-04-12"' --quiet)
ONE_DAY=(--set run.households=400 --set 'run.end="2020-04-01"' --quiet)

# run_with_signal PHASE SIGNAL NAME ARGS...: start a run held at PHASE, send
# SIGNAL once it says it is there; the exit status in $rc.
run_with_signal() {
  local phase=$1 sig=$2 name=$3; shift 3
  rm -f "$tmp/err"
  # Signals reset to their defaults (a background job of a script would
  # otherwise start with SIGINT and SIGQUIT ignored, SIGHUP under nohup).
  SMSIM_TEST_PAUSE_AT=$phase env --default-signal=INT,QUIT,HUP,TERM \
    "$SMSIM" run $SC -o "$tmp/$name.h5" "$@" >/dev/null 2>"$tmp/err" &
  local pid=$! i
  for i in $(seq 1 600); do grep -q "paused at $phase" "$tmp/err" 2>/dev/null && break; sleep 0.05; done
  grep -q "paused at $phase" "$tmp/err" || echo "    (never reached $phase: $(cat "$tmp/err"))"
  kill -s "$sig" $pid 2>/dev/null
  wait $pid; rc=$?
}

check() { # what name
  local what=$1 name=$2
  if [ "$rc" = 1 ] && grep -q "interrupted" "$tmp/err" && ! ls -a "$tmp" | grep -q "^$name\.h5"; then
    ok "$what: exit 1, reported, no file"
  else
    bad "$what: exit $rc, files: $(ls "$tmp" | grep "^$name" | tr '\n' ' '), stderr: $(tr '\n' ' ' < "$tmp/err")"
  fi
}

n=0
for phase in start generate day last-day commit; do
  for sig in INT TERM HUP QUIT; do
    n=$((n+1))
    run_with_signal $phase $sig "r$n" "${SHORT[@]}"
    check "SIG$sig at $phase" "r$n"
  done
done
# A run of one simulated day: its only day is also its last.
for phase in last-day commit; do
  for sig in INT HUP; do
    n=$((n+1))
    run_with_signal $phase $sig "r$n" "${ONE_DAY[@]}"
    check "SIG$sig at $phase of a one-day run" "r$n"
  done
done

# A second signal during the cooperative phase ends the run at once.
SMSIM_TEST_PAUSE_AT=commit env --default-signal=INT,TERM "$SMSIM" run $SC -o "$tmp/two.h5" \
  "${SHORT[@]}" >/dev/null 2>"$tmp/err" &
pid=$!
for i in $(seq 1 600); do grep -q "paused at commit" "$tmp/err" && break; sleep 0.05; done
kill -STOP $pid; kill -INT $pid; kill -TERM $pid; kill -CONT $pid
wait $pid; rc=$?
check "two signals at once" two

# nohup: an ignored SIGHUP stays ignored, and the run completes.
env --ignore-signal=HUP "$SMSIM" run $SC -o "$tmp/nohup.h5" "${SHORT[@]}" >/dev/null 2>"$tmp/err" &
pid=$!
sleep 0.3; kill -HUP $pid 2>/dev/null
wait $pid; rc=$?
[ "$rc" = 0 ] && [ -f "$tmp/nohup.h5" ] && ok "SIGHUP ignored under nohup: run completes" \
  || bad "nohup: exit $rc: $(cat "$tmp/err")"

echo "signals: $passes passed, $fails failed"
[ "$fails" = 0 ]
