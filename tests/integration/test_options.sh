#!/usr/bin/env bash
# The command line by GNU conventions (getopt_long): long options as
# --opt value and --opt=value, bundled short options (-qo OUT.h5), options
# before or after the command, "--" ending them; every usage error is exit 2
# and names the culprit.  --quiet prints nothing but errors; -o '' is a
# usage error.
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
SC=tests/scenarios/minimal.cfg
S=(--set run.households=300 --set 'run.end="2020-04-15"')

# --quiet: nothing on stdout or stderr, for run and check; errors still shown.
expect_rc 0 "run --quiet" "$SMSIM" run $SC "${S[@]}" -o "$tmp/q.h5" --quiet
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok "run --quiet prints nothing" \
  || bad "run --quiet printed: $(cat "$tmp/out" "$tmp/err" | head -5)"
[ -f "$tmp/q.h5" ] && ok "run --quiet writes its file" || bad "no file"
expect_rc 0 "check -q" "$SMSIM" check $SC -q
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] && ok "check -q prints nothing" || bad "check -q printed: $(cat "$tmp/out")"
expect_rc 2 "run -q with a bad key" "$SMSIM" run $SC -q --set run.housholds=5 -o "$tmp/bad.h5"
grep -q "housholds" "$tmp/err" && ok "errors still printed under -q" || bad "error hidden by -q"
expect_rc 0 "run without --quiet" "$SMSIM" run $SC "${S[@]}" -o "$tmp/v.h5"
grep -q "households" "$tmp/out" && ok "summary without --quiet" || bad "no summary"

# -o '' and other empty or missing values.
expect_rc 2 "-o ''" "$SMSIM" run $SC -o ''
grep -q "empty" "$tmp/err" && ok "-o '' says empty" || bad "-o '' message: $(cat "$tmp/err")"
expect_rc 2 "--output=" "$SMSIM" run $SC --output=
expect_rc 2 "-o without a value" "$SMSIM" run $SC -o
grep -q -- "-o needs a value" "$tmp/err" && ok "missing value named" || bad "missing value message: $(cat "$tmp/err")"
expect_rc 2 "--seed without a value" "$SMSIM" run $SC --seed
grep -q -- "--seed needs a value" "$tmp/err" && ok "--seed missing value named" || bad "message: $(cat "$tmp/err")"

# GNU forms: --opt=value, bundled shorts, options first, "--".
expect_rc 0 "--output=OUT --threads=2 --set=KEY=VALUE --seed=N" "$SMSIM" run $SC --output="$tmp/eq.h5" \
  --threads=2 --set=run.households=300 --set='run.end="2020-04-15"' --seed=77 --quiet
h5dump -a /seed "$tmp/eq.h5" 2>/dev/null | grep -q "77" && ok "--seed=77 reached the file" || bad "seed not 77"
expect_rc 0 "bundled -qo OUT" "$SMSIM" run $SC "${S[@]}" -qo "$tmp/b.h5"
[ -f "$tmp/b.h5" ] && [ ! -s "$tmp/out" ] && ok "-qo: quiet and the output named" || bad "-qo: $(ls "$tmp")"
expect_rc 0 "-oOUT attached" "$SMSIM" run $SC "${S[@]}" -q -o"$tmp/c.h5"
[ -f "$tmp/c.h5" ] && ok "-oOUT wrote OUT" || bad "-oOUT"
expect_rc 0 "options before the command" "$SMSIM" -q --output "$tmp/d.h5" run "${S[@]}" $SC
[ -f "$tmp/d.h5" ] && ok "options before the command honoured" || bad "options first"
cp $SC "$tmp/-dash.cfg"
expect_rc 0 "-- ends the options" "$SMSIM" run -q -o "$tmp/e.h5" "${S[@]}" -- "$tmp/-dash.cfg"
expect_rc 0 "a unique prefix of a long option (--thr)" "$SMSIM" run $SC "${S[@]}" --thr 1 -qo "$tmp/f.h5"
h5diff --exclude-attribute / "$tmp/b.h5" "$tmp/f.h5" >/dev/null 2>&1 && ok "same datasets whichever way the options are written" \
  || bad "datasets differ between option spellings"
expect_rc 0 "--help after the command" "$SMSIM" run --help
grep -q "Output files and signals" "$tmp/out" && ok "--help documents output files and signals" || bad "help text"
grep -q -- "--output=OUT.h5" "$tmp/out" && ok "--help lists long forms" || bad "help lacks --output="

# Usage errors keep exit 2 and name the culprit.
expect_rc 2 "unknown long option" "$SMSIM" run $SC --frob
grep -q -- "--frob" "$tmp/err" && ok "unknown option named" || bad "message: $(cat "$tmp/err")"
expect_rc 2 "unknown short option in a bundle" "$SMSIM" run $SC -qz
grep -q -- "-z" "$tmp/err" && ok "unknown short option named" || bad "message: $(cat "$tmp/err")"
expect_rc 2 "--quiet=yes (takes no value)" "$SMSIM" run $SC --quiet=yes
expect_rc 2 "a third word" "$SMSIM" run $SC extra
expect_rc 2 "--threads=0" "$SMSIM" run $SC --threads=0
expect_rc 2 "--set without =" "$SMSIM" run $SC --set run.households
expect_rc 2 "run without a scenario" "$SMSIM" run -q

echo "options: $passes passed, $fails failed"
[ "$fails" = 0 ]
