#!/usr/bin/env bash
# `make install` honours PREFIX and DESTDIR: the binary and a manual page
# generated from --help (help2man) land under DESTDIR/PREFIX, nothing
# outside it, and the installed program runs.
set -u
SMSIM=${SMSIM:-build/smsim}
BUILD_DIR=$(dirname "$SMSIM")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }

if ! command -v help2man >/dev/null; then
  bad "help2man is not installed (make deps installs it)"
  echo "install: $passes passed, $fails failed"; exit 1
fi
dest="$tmp/stage"
if make --no-print-directory install BUILD="$BUILD_DIR" PREFIX=/opt/smsim DESTDIR="$dest" >"$tmp/log" 2>&1; then
  ok "make install PREFIX=/opt/smsim DESTDIR=..."
else
  bad "make install failed: $(tail -5 "$tmp/log")"
fi
bin="$dest/opt/smsim/bin/smsim"; manpage="$dest/opt/smsim/share/man/man1/smsim.1"
[ -x "$bin" ] && ok "binary at DESTDIR/PREFIX/bin/smsim" || bad "no binary: $(find "$dest" | head)"
"$bin" --version 2>/dev/null | grep -q "^smsim [0-9]" && ok "installed binary runs" || bad "installed binary does not run"
[ -f "$manpage" ] && ok "manual page at DESTDIR/PREFIX/share/man/man1/smsim.1" || bad "no manual page"
grep -q '^\.TH SMSIM "1"' "$manpage" 2>/dev/null && ok "manual page header" || bad "manual page header"
for opt in output seed threads set quiet check-invariants checkpoint-at checkpoint-every from resume; do
  grep -q -- "\\\\-\\\\-${opt//-/\\\\-}" "$manpage" 2>/dev/null && ok "manual page documents --$opt" || bad "manual page lacks --$opt"
done
grep -qi "Output files and signals" "$manpage" && ok "manual page has the output-files section" || bad "section missing"
[ "$(find "$dest" -type f | wc -l)" = 2 ] && ok "nothing else installed" || bad "installed: $(find "$dest" -type f)"

# The default PREFIX is /usr/local.
make --no-print-directory install BUILD="$BUILD_DIR" DESTDIR="$tmp/def" >/dev/null 2>&1
[ -x "$tmp/def/usr/local/bin/smsim" ] && [ -f "$tmp/def/usr/local/share/man/man1/smsim.1" ] \
  && ok "default PREFIX /usr/local" || bad "default prefix: $(find "$tmp/def" -type f)"

echo "install: $passes passed, $fails failed"
[ "$fails" = 0 ]
