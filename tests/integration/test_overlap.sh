#!/usr/bin/env bash
# The DCC's fluid days run beside the next day's rollout window (the DCC's
# deferred day, mdl_dcc_day_begin / mdl_dcc_day_flush, as the engine's
# side job); SMSIM_NO_OVERLAP=1 runs each DCC day whole before the next
# window instead.  Both give the same datasets (h5diff of every dataset;
# only root attributes, which say how and when a file was made, may
# differ): small.cfg with request-level days among the fluid ones (those
# never wait), at 1 and 2 threads; a firmware campaign and background
# power interruptions (the deferred rows read the day's event results);
# --check-invariants and --checkpoint-every (days before a check or a
# checkpoint are not deferred) and a resume from such a checkpoint.  A
# write that fails (a file-size limit) fails the same way with and without
# the overlap: exit 1, the same message, no file.
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
sync_run() { SMSIM_NO_OVERLAP=1 "$SMSIM" run "$@"; }

SMALL=(scenarios/small.cfg --set 'dcc.detail.dates=["2016-03-01","2024-01-15"]' --quiet)
sync_run "${SMALL[@]}" --threads 1 -o "$tmp/s.h5" || bad "small.cfg without the overlap failed"
for t in 1 2; do
  "$SMSIM" run "${SMALL[@]}" --threads $t -o "$tmp/o$t.h5" || bad "small.cfg at $t thread(s) failed"
  same "small.cfg, detail days among fluid ones: overlapped ($t thread(s)) == whole days" "$tmp/s.h5" "$tmp/o$t.h5"
done
n=$(h5dump -y -A 0 -d /dcc/resolution "$tmp/o2.h5" 2>/dev/null | grep -o '\b1\b' | wc -l)
[ "$n" = 2 ] && ok "the run had its request-level days ($n)" || bad "request-level days: $n"

# Dated events and background interruptions: the rows read the day's event results.
EV=(scenarios/dcc-firmware.cfg --set 'dcc.detail.dates=["2024-05-09"]' --set dcc.outages.enabled=true --quiet)
sync_run "${EV[@]}" --threads 1 -o "$tmp/e1.h5" || bad "dcc-firmware.cfg without the overlap failed"
"$SMSIM" run "${EV[@]}" --threads 2 -o "$tmp/e2.h5" || bad "dcc-firmware.cfg failed"
same "dcc-firmware.cfg with background interruptions: overlapped == whole days" "$tmp/e1.h5" "$tmp/e2.h5"

# Checks and checkpoints: the day before one is finished first.
"$SMSIM" run "${SMALL[@]}" --threads 2 -o "$tmp/c.h5" --check-invariants --checkpoint-every 500 \
  --checkpoint-file "$tmp/c.ck" || bad "--check-invariants --checkpoint-every run failed"
same "--check-invariants and --checkpoint-every, overlapped == whole days" "$tmp/s.h5" "$tmp/c.h5"
"$SMSIM" run --resume "$tmp/c.ck" --threads 2 -o "$tmp/r.h5" -q || bad "--resume failed"
same "resumed from the last checkpoint == whole days" "$tmp/s.h5" "$tmp/r.h5"

# A write that fails mid-run fails the same way either way.
LONG=(tests/scenarios/minimal.cfg --set run.households=400 --set 'run.start="2013-01-01"'
      --set 'run.end="2022-12-31"' --quiet)
limited() { # kib out env...: exit status in $rc, stderr in $tmp/err.$out
  local kib=$1 out=$2; shift 2
  ( ulimit -f "$kib"; exec env "$@" "$SMSIM" run "${LONG[@]}" -o "$tmp/$out.h5" ) 2>&1 >/dev/null \
    | sed -e "s|$tmp/$out.h5|OUT|g" -e 's|OUT\.tmp\.[0-9a-f.]*|OUT.tmp|g' > "$tmp/err.$out"
  rc=${PIPESTATUS[0]}
}
limited 48 f1 SMSIM_NO_OVERLAP=1; rc1=$rc
limited 48 f2 SMSIM_NO_OVERLAP=0; rc2=$rc
[ "$rc1" = 1 ] && [ "$rc2" = 1 ] && ok "a failed write: exit 1 both ways" || bad "failed write: exit $rc1 / $rc2"
cmp -s "$tmp/err.f1" "$tmp/err.f2" && grep -q "File too large" "$tmp/err.f2" \
  && ok "a failed write: the same message both ways" || bad "messages differ: $(cat "$tmp/err.f1") / $(cat "$tmp/err.f2")"
ls "$tmp" | grep -q '^f[12]\.h5' && bad "a failed run left a file" || ok "a failed run leaves no file"

echo "overlap: $passes passed, $fails failed"
[ "$fails" = 0 ]
