#!/usr/bin/env bash
# smsim size: on one M/M/c stage (tests/scenarios/mmc-size.cfg: Poisson
# alerts at 6.4/s, exponential 1 s service at the DSP, nothing else in the
# way) the search returns the Erlang C minimum: the smallest c whose M/M/c
# response time is within target_s = 3 s with probability >= 0.93,
#   P(S <= T) = 1 - [(1 - C) e^{-mu T} + C (theta e^{-mu T} - mu e^{-theta T}) / (theta - mu)],
# C = Erlang C(c, a), a = lambda/mu, theta = c mu - lambda (computed here
# with awk).  The two neighbours are 0.9185 (c = 8) and 0.9421 (c = 9):
# ~2.2 M alerts over four days measure each within about 0.002, well inside
# the 0.0115 margin.  Bad input is exit 2 with nothing written.
set -u
SMSIM=${SMSIM:-build/smsim}
SC=tests/scenarios/mmc-size.cfg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }

want=$(awk -v lam=6.4 -v mu=1.0 -v T=3.0 -v target=0.93 'BEGIN {
  a = lam / mu
  for (c = 1; c <= 100; c += 1) {
    if (c <= a) continue
    s = 0; term = 1
    for (k = 0; k < c; k++) { s += term; term *= a / (k + 1) }
    last = term * c / (c - a); C = last / (s + last)
    th = c * mu - lam
    pb = (th * exp(-mu * T) - mu * exp(-th * T)) / (th - mu)
    share = 1 - ((1 - C) * exp(-mu * T) + C * pb)
    if (share >= target) { print c; exit }
  }
}')
[ "$want" = 9 ] && ok "Erlang C minimum for the test stage is 9" || bad "awk Erlang C gave $want"

"$SMSIM" size $SC --target-share 0.93 --service alert --stage dsp --threads 2 -o "$tmp/size.h5" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && ok "size exit 0" || bad "size exit $rc: $(tail -3 "$tmp/err")"
got=$(awk '$1 == "DSP" { print $2 }' "$tmp/out")
[ "$got" = "$want" ] && ok "size finds the Erlang C minimum: DSP $got servers" || bad "size found DSP $got, Erlang C says $want; $(cat "$tmp/out")"
# The curve: every evaluation, and pass/fail monotone in the DSP's servers.
/usr/bin/python3 - "$tmp/size.h5" <<'PY' && ok "curve in HDF5: shares rise with servers, pass exactly from 9" || bad "curve"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
labels = [x.decode() if isinstance(x, bytes) else str(x) for x in f["size/service"][:]]
alert_col = labels.index("alert")   # by name: services are added over time
sv, ok, sh = f["size/servers"][:, 0], f["size/meets"][:], f["size/share_within_target"][:, alert_col]
o = np.argsort(sv)
assert (np.diff(sh[o]) >= 0).all(), (sv[o], sh[o])
assert ((sv >= 9) == (ok == 1)).all(), (sv, ok)
assert abs(sh[sv == 9][0] - 0.9421) < 0.004 and abs(sh[sv == 8][0] - 0.9185) < 0.004, sh
assert f.attrs["title"] == "smsim size" and float(f.attrs["target_share"]) == 0.93
PY

# The figure of the curve.
if /usr/bin/python3 -m analysis.report "$tmp/size.h5" -o "$tmp/rep" >/dev/null 2>"$tmp/perr" && [ -s "$tmp/rep/size.png" ]; then
  ok "analysis.report draws the sizing curve"; else bad "sizing report: $(cat "$tmp/perr")"; fi

# A target no capacity reaches: with 3 s to answer and an exponential 1 s
# of service, at most 1 - e^-3 = 0.9502 of the alerts can be within target.
"$SMSIM" size $SC --target-share 0.96 --service alert --stage dsp --threads 2 -q -o "$tmp/plateau.h5" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "no capacity meets a share of 0.96 within target" "$tmp/err" && grep -q "target-share at most 0.95" "$tmp/err" \
  && ok "unreachable target: exit 2, the reachable share named" || bad "plateau: $rc $(cat "$tmp/err")"
[ ! -e "$tmp/plateau.h5" ] && [ -z "$(ls "$tmp" | grep plateau.h5.runs)" ] && ok "unreachable target: nothing left behind" || bad "plateau left files: $(ls "$tmp")"

"$SMSIM" size scenarios/small.cfg --service nope -o "$tmp/bad.h5" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "\-\-service nope: unknown" "$tmp/err" && ok "unknown service: exit 2" || bad "unknown service: $rc $(cat "$tmp/err")"
"$SMSIM" size tests/scenarios/minimal.cfg -o "$tmp/bad.h5" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "no request-level day" "$tmp/err" && ok "no detail day: exit 2" || bad "no detail day: $rc $(cat "$tmp/err")"
"$SMSIM" size $SC --target-share 1.5 -o "$tmp/bad.h5" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && ok "target share out of range: exit 2" || bad "target share: $rc"
[ ! -e "$tmp/bad.h5" ] && ok "nothing written for bad input" || bad "output written for bad input"

echo "test_size: $passes passed, $fails failed"
[ $fails = 0 ]
