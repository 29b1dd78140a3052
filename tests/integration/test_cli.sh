#!/usr/bin/env bash
# The command line as a user meets it: help, version, exit codes, bad
# scenarios (exit 2, file:line in the message, no output file), a run of
# small.cfg with its root attributes, and identical datasets at 1 and 2 threads.
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
expect_rc() { # expected_rc description cmd...
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok "$what (exit $rc)"; else bad "$what: exit $rc, wanted $want; stderr: $(head -c 400 "$tmp/err")"; fi
}

expect_rc 0 "--help" "$SMSIM" --help
grep -q "smsim run FILE" "$tmp/out" && ok "help shows usage" || bad "help text"
expect_rc 0 "--version" "$SMSIM" --version
grep -Eq '^smsim [0-9]+\.[0-9]+\.[0-9]+' "$tmp/out" && ok "version string" || bad "version string: $(cat "$tmp/out")"
expect_rc 2 "no arguments" "$SMSIM"
expect_rc 2 "unknown command" "$SMSIM" frobnicate scenarios/small.cfg
expect_rc 2 "unknown option" "$SMSIM" run scenarios/small.cfg --frob
expect_rc 2 "bad --threads" "$SMSIM" run scenarios/small.cfg --threads 0
expect_rc 2 "missing scenario file" "$SMSIM" check "$tmp/nope.cfg"
expect_rc 0 "check small.cfg" "$SMSIM" check scenarios/small.cfg

# A misspelt key: exit 2, file and line named, no output.
sed 's/^\(\s*\)households\s*=/\1housholds =/' scenarios/small.cfg > "$tmp/misspelt.cfg"
line=$(grep -n 'housholds' "$tmp/misspelt.cfg" | head -1 | cut -d: -f1)
expect_rc 2 "misspelt key" "$SMSIM" run "$tmp/misspelt.cfg" -o "$tmp/misspelt.h5"
grep -q "misspelt.cfg:$line:" "$tmp/err" && ok "misspelt key names file:line ($line)" || bad "misspelt key message: $(cat "$tmp/err")"
grep -q "housholds" "$tmp/err" && ok "misspelt key names the key" || bad "key not named: $(cat "$tmp/err")"
[ ! -e "$tmp/misspelt.h5" ] && [ -z "$(ls "$tmp" | grep 'misspelt.h5.tmp')" ] && ok "no output for a bad scenario" || bad "output file created for a bad scenario"

# A negative household count.
sed 's/^\(\s*\)households\s*=\s*[0-9]*/\1households = -5/' scenarios/small.cfg > "$tmp/negative.cfg"
line=$(grep -n 'households = -5' "$tmp/negative.cfg" | head -1 | cut -d: -f1)
expect_rc 2 "negative households" "$SMSIM" run "$tmp/negative.cfg" -o "$tmp/negative.h5"
grep -q "negative.cfg:$line:" "$tmp/err" && ok "negative households names file:line" || bad "negative message: $(cat "$tmp/err")"
[ ! -e "$tmp/negative.h5" ] && ok "no output for negative households" || bad "output created"

# A bad --set: exit 2, nothing written.
expect_rc 2 "--set unknown key" "$SMSIM" run scenarios/small.cfg --set run.housholds=5 -o "$tmp/s.h5"
expect_rc 2 "--set out of range" "$SMSIM" run scenarios/small.cfg --set run.households=-1 -o "$tmp/s.h5"
[ ! -e "$tmp/s.h5" ] && ok "no output for a bad --set" || bad "output created for bad --set"
# An unwritable output directory: exit 2 before simulating.
expect_rc 2 "missing output dir" "$SMSIM" run scenarios/small.cfg -o "$tmp/no/such/dir/x.h5"

# A real run, and determinism across thread counts.
expect_rc 0 "run small.cfg, 1 thread" "$SMSIM" run scenarios/small.cfg --threads 1 -o "$tmp/a.h5"
grep -q "households" "$tmp/out" && grep -q "$tmp/a.h5" "$tmp/out" && ok "summary printed" || bad "summary: $(cat "$tmp/out")"
expect_rc 0 "run small.cfg, 2 threads" "$SMSIM" run scenarios/small.cfg --threads 2 -o "$tmp/b.h5" --quiet
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok "--quiet prints nothing" || bad "--quiet printed: $(head -c 300 "$tmp/out" "$tmp/err")"
if command -v h5diff >/dev/null; then
  if h5diff --exclude-attribute / "$tmp/a.h5" "$tmp/b.h5" >"$tmp/diff" 2>&1; then ok "h5diff: every dataset identical at 1 and 2 threads (root attributes such as wall time excluded)"
  else bad "h5diff differs: $(head -20 "$tmp/diff")"; fi
  h5dump -a /status "$tmp/a.h5" | grep -q '"complete"' && ok "status attribute complete" || bad "status attribute"
  for attr in scenario_text scenario_effective seed smsim_version command_line threads ranks wall_time_s; do
    h5dump -a "/$attr" "$tmp/a.h5" >/dev/null 2>&1 && ok "root attribute $attr" || bad "root attribute $attr missing"
  done
else
  bad "h5diff not installed"
fi
ls "$tmp" | grep -q '\.tmp\.' && bad "temporary file left behind" || ok "no temporary files left"

# --seed changes the outcome; --set reproduces the effective scenario.
expect_rc 0 "run with another seed" "$SMSIM" run scenarios/small.cfg --seed 12345 -o "$tmp/c.h5" --quiet
h5diff -q "$tmp/a.h5" "$tmp/c.h5" /rollout /rollout >/dev/null 2>&1 && bad "a different seed gave identical /rollout" || ok "a different seed changes /rollout"

# The effective scenario stored in the file reproduces the run exactly.
if /usr/bin/python3 -c "import h5py,sys; a=h5py.File(sys.argv[1]).attrs['scenario_effective']; open(sys.argv[2],'w').write(a.decode() if isinstance(a,bytes) else a)" "$tmp/a.h5" "$tmp/effective.cfg" 2>"$tmp/py.err"; then
  expect_rc 0 "run the stored effective scenario" "$SMSIM" run "$tmp/effective.cfg" --threads 2 -o "$tmp/e.h5" --quiet
  h5diff --exclude-attribute / "$tmp/a.h5" "$tmp/e.h5" >/dev/null 2>&1 && ok "effective scenario reproduces every dataset" || bad "effective scenario gives different datasets"
else
  bad "could not read scenario_effective: $(cat "$tmp/py.err")"
fi

# An interrupted run: exit 1, no file under the final name, no temporary left.
"$SMSIM" run scenarios/default.cfg -o "$tmp/int.h5" --quiet >/dev/null 2>"$tmp/int.err" &
pid=$!; sleep 0.7; kill -INT $pid 2>/dev/null; wait $pid; rc=$?
if [ "$rc" = 0 ]; then ok "interrupt: run finished before the signal (nothing to check)"
else
  [ "$rc" = 1 ] && ok "interrupted run exits 1" || bad "interrupted run exit $rc"
  grep -q "interrupted" "$tmp/int.err" && ok "interrupt reported" || bad "interrupt message: $(cat "$tmp/int.err")"
  ls "$tmp" | grep -q '^int\.h5' && bad "interrupted run left $(ls "$tmp" | grep '^int')" || ok "interrupted run leaves no file"
fi

# A scenario read from a pipe keeps its text in the output (read once).
cat scenarios/small.cfg | "$SMSIM" run /dev/stdin -q --set run.households=2000 -o "$tmp/pipe.h5" 2>"$tmp/err"
if [ $? = 0 ] && ${PYTHON:-/usr/bin/python3} - "$tmp/pipe.h5" scenarios/small.cfg <<'PYEOF'
import sys, h5py
t = h5py.File(sys.argv[1], "r").attrs["scenario_text"]
t = t.decode() if isinstance(t, bytes) else t
sys.exit(0 if t == open(sys.argv[2]).read() else 1)
PYEOF
then ok "a piped scenario's text is stored whole"; else bad "piped scenario text: $(head -c 300 "$tmp/err")"; fi

echo "cli: $passes passed, $fails failed"
[ "$fails" = 0 ]
