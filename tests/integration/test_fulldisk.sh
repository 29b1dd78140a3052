#!/usr/bin/env bash
# A full disk is exit status 1 with a clear message and no file, never a
# crash.  The write failure is injected with a file-size limit (ulimit -f:
# every write past it fails with EFBIG, as a full disk fails with ENOSPC),
# which works for any user; smsim ignores SIGXFSZ so that the limit is an
# error to report, not a signal that kills.  Limits are chosen so that the
# failure comes at different moments: the first flush, mid-run (a series
# chunk written while days are simulated), and the commit's final flush.
# As root, where tmpfs can be mounted, a really full file system as well.
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d)
mnt="$tmp/mnt"
trap 'mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"; rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
SC=tests/scenarios/minimal.cfg
LONG=(--set run.households=400 --set 'run.start="2013-01-01"' --set 'run.end="2022-12-31"' --quiet)
SHORT=(--set run.households=400 --set 'run.end="2020-04-20"' --quiet)

# limited KIB OUT ARGS...: run under a file-size limit; stderr through a
# pipe (a file would be under the limit too); exit status in $rc.
limited() {
  local kib=$1 out=$2; shift 2
  ( ulimit -f "$kib"; exec "$SMSIM" run $SC -o "$out" "$@" ) 2>&1 >/dev/null | cat > "$tmp/err"
  rc=${PIPESTATUS[0]}
}

expect_clean_failure() { # what out pattern
  local what=$1 out=$2 pattern=$3
  [ "$rc" = 1 ] && ok "$what: exit 1" || bad "$what: exit $rc (wanted 1; 139 is a crash, 153 SIGXFSZ): $(cat "$tmp/err")"
  grep -q "$pattern" "$tmp/err" && grep -q "cannot write $out" "$tmp/err" \
    && ok "$what: message says what and where" || bad "$what: message: $(cat "$tmp/err")"
  [ "$(wc -l < "$tmp/err")" -le 1 ] && ok "$what: one line" || bad "$what: several lines: $(cat "$tmp/err")"
  ls -a "$(dirname "$out")" | grep -q "^$(basename "$out")" \
    && bad "$what: left $(ls "$(dirname "$out")" | grep "^$(basename "$out")")" || ok "$what: no file left"
}

limited 4 "$tmp/a.h5" "${SHORT[@]}"
expect_clean_failure "4 KiB limit (first flush)" "$tmp/a.h5" "File too large"
limited 64 "$tmp/b.h5" "${SHORT[@]}"
expect_clean_failure "64 KiB limit (commit's flush)" "$tmp/b.h5" "File too large"
limited 48 "$tmp/c.h5" "${LONG[@]}"
expect_clean_failure "48 KiB limit (mid-run, a series write)" "$tmp/c.h5" "File too large"
grep -q "H5Dwrite" "$tmp/err" && ok "mid-run failure is a series write" || bad "not mid-run: $(cat "$tmp/err")"
limited 100000 "$tmp/d.h5" "${SHORT[@]}"
[ "$rc" = 0 ] && [ -f "$tmp/d.h5" ] && ok "a limit the file fits in: success" || bad "roomy limit: exit $rc: $(cat "$tmp/err")"

mkdir "$mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=96k tmpfs "$mnt" 2>/dev/null; then
  "$SMSIM" run $SC -o "$mnt/e.h5" "${SHORT[@]}" 2>&1 >/dev/null | cat > "$tmp/err"; rc=${PIPESTATUS[0]}
  expect_clean_failure "a full 96 KiB tmpfs" "$mnt/e.h5" "No space left on device"
  umount "$mnt"
else
  echo "  (skipped: mounting a small tmpfs needs root)"
fi

echo "fulldisk: $passes passed, $fails failed"
[ "$fails" = 0 ]
