#!/usr/bin/env bash
# Output files that are not ours are never touched: an existing target that
# is not a regular file, or that is an input, is refused before simulating
# (exit 2) and left as it was; the temporary file is created exclusively
# under an unguessable name, so a symbolic link planted at the name the
# process id predicts redirects nothing; what can be checked before the run
# (directory, name length, immutable flags) is checked before it; stale
# temporaries of dead runs to the same output are removed and named, and
# nothing else is.
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d)
holder=""
trap '[ -n "$holder" ] && kill $holder 2>/dev/null; chattr -i "$tmp/imm" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
# A short run (a few simulated weeks of a small population).
SC=tests/scenarios/minimal.cfg
SHORT=(--set run.households=400 --set 'run.end="2020-04-20"' --quiet)
run() { "$SMSIM" run "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }
no_tmp() { ! ls -a "$1" | grep -q '\.tmp\.'; }

# A FIFO, a directory, a socket-free stand-in for a device, and a symbolic
# link as -o: exit 2 before simulating, each left as it was.
mkfifo "$tmp/fifo.h5"
rc=$(run $SC -o "$tmp/fifo.h5" "${SHORT[@]}")
[ "$rc" = 2 ] && [ -p "$tmp/fifo.h5" ] && ok "FIFO as output refused (exit 2), still a FIFO" \
  || bad "FIFO: exit $rc, $(ls -l "$tmp/fifo.h5")"
grep -q "FIFO" "$tmp/err" && ok "message names a FIFO" || bad "FIFO message: $(cat "$tmp/err")"
mkdir "$tmp/dir.h5"
rc=$(run $SC -o "$tmp/dir.h5" "${SHORT[@]}")
[ "$rc" = 2 ] && [ -d "$tmp/dir.h5" ] && grep -q "directory" "$tmp/err" \
  && ok "directory as output refused before the run (exit 2)" || bad "directory: exit $rc: $(cat "$tmp/err")"
rc=$(run $SC -o "$tmp/" "${SHORT[@]}")
[ "$rc" = 2 ] && ok "-o DIR/ refused (exit 2)" || bad "-o DIR/: exit $rc"
if [ "$(id -u)" = 0 ] && mknod "$tmp/null.h5" c 1 3 2>/dev/null; then
  rc=$(run $SC -o "$tmp/null.h5" "${SHORT[@]}")
  [ "$rc" = 2 ] && [ -c "$tmp/null.h5" ] && ok "character device as output refused, device node kept" \
    || bad "device: exit $rc, $(ls -l "$tmp/null.h5")"
else
  echo "  (skipped: a device node needs root and mknod)"
fi
echo precious > "$tmp/victim"
ln -s "$tmp/victim" "$tmp/link.h5"
rc=$(run $SC -o "$tmp/link.h5" "${SHORT[@]}")
[ "$rc" = 2 ] && [ -L "$tmp/link.h5" ] && [ "$(cat "$tmp/victim")" = precious ] \
  && ok "symbolic link as output refused, link and target kept" || bad "symlink: exit $rc"

# The scenario itself (or a hard link to it) as output: refused, unchanged.
cp $SC "$tmp/s.cfg"; sum=$(cksum < "$tmp/s.cfg")
rc=$(run "$tmp/s.cfg" -o "$tmp/s.cfg" "${SHORT[@]}")
[ "$rc" = 2 ] && [ "$(cksum < "$tmp/s.cfg")" = "$sum" ] && grep -q "input" "$tmp/err" \
  && ok "-o the scenario file refused (exit 2), scenario unchanged" || bad "-o scenario: exit $rc: $(cat "$tmp/err")"
ln "$tmp/s.cfg" "$tmp/hard.h5"
rc=$(run "$tmp/s.cfg" -o "$tmp/hard.h5" "${SHORT[@]}")
[ "$rc" = 2 ] && [ "$(cksum < "$tmp/s.cfg")" = "$sum" ] && ok "-o a hard link to the scenario refused" \
  || bad "hard link: exit $rc"

# A file the scenario brings in with @include is an input too.
mkdir "$tmp/inc"; cp $SC "$tmp/inc/part.cfg"; echo '@include "part.cfg"' > "$tmp/inc/main.cfg"
psum=$(cksum < "$tmp/inc/part.cfg")
rc=$(run "$tmp/inc/main.cfg" -o "$tmp/inc/part.cfg" "${SHORT[@]}")
[ "$rc" = 2 ] && [ "$(cksum < "$tmp/inc/part.cfg")" = "$psum" ] && grep -q "input" "$tmp/err" \
  && ok "-o an @included file refused, file unchanged" || bad "-o @included: exit $rc: $(cat "$tmp/err")"

# Before the run: a name too long once the temporary suffix is added, a
# parent that is a file, an immutable directory (where chattr works).
long=$(printf 'n%.0s' $(seq 1 240)).h5
rc=$(run $SC -o "$tmp/$long" "${SHORT[@]}")
[ "$rc" = 2 ] && grep -q "too long" "$tmp/err" && ok "over-long output name refused before the run" \
  || bad "long name: exit $rc: $(cat "$tmp/err")"
touch "$tmp/plain"
rc=$(run $SC -o "$tmp/plain/x.h5" "${SHORT[@]}")
[ "$rc" = 2 ] && ok "a file as the output's directory refused (exit 2)" || bad "file as dir: exit $rc"
mkdir "$tmp/imm"
if chattr +i "$tmp/imm" 2>/dev/null; then
  rc=$(run $SC -o "$tmp/imm/x.h5" "${SHORT[@]}")
  [ "$rc" = 2 ] && grep -q "immutable" "$tmp/err" && ok "immutable directory refused before the run" \
    || bad "immutable: exit $rc: $(cat "$tmp/err")"
  chattr -i "$tmp/imm"
else
  echo "  (skipped: chattr +i not supported here)"
fi
if [ "$(id -u)" != 0 ]; then
  mkdir "$tmp/ro"; chmod 555 "$tmp/ro"
  rc=$(run $SC -o "$tmp/ro/x.h5" "${SHORT[@]}")
  [ "$rc" = 2 ] && ok "read-only directory refused (exit 2)" || bad "read-only dir: exit $rc"
fi

# A symbolic link planted at OUT.tmp.PID (the name a pid-only scheme would
# use; exec keeps the subshell's pid) is neither followed nor removed.
echo precious > "$tmp/victim2"
( ln -s "$tmp/victim2" "$tmp/p.h5.tmp.$BASHPID"
  exec "$SMSIM" run $SC -o "$tmp/p.h5" "${SHORT[@]}" ) >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" = 0 ] && ok "run beside a planted link succeeds" || bad "planted link: exit $rc: $(cat "$tmp/err")"
[ "$(cat "$tmp/victim2")" = precious ] && ok "the link's target is untouched" || bad "link target overwritten"
[ -f "$tmp/p.h5" ] && [ ! -L "$tmp/p.h5" ] && ok "output is a regular file" || bad "output: $(ls -l "$tmp/p.h5")"
ls "$tmp" | grep -q "^p\.h5\.tmp\.[0-9]*$" && ok "the planted link is left alone" || bad "planted link removed"

# The temporary name: OUT.tmp.PID.RANDOM (16 hex digits), seen mid-run.
SMSIM_TEST_PAUSE_AT=generate "$SMSIM" run $SC -o "$tmp/n.h5" "${SHORT[@]}" 2>"$tmp/n.err" &
pid=$!
for _ in $(seq 1 300); do grep -q "paused at" "$tmp/n.err" && break; sleep 0.1; done
name=$(ls "$tmp" | grep '^n\.h5\.tmp\.' || true)
kill -TERM $pid 2>/dev/null; wait $pid
[[ "$name" =~ ^n\.h5\.tmp\.$pid\.[0-9a-f]{16}$ ]] && ok "temporary name carries pid and 64 random bits ($name)" \
  || bad "temporary name '$name'"

# Stale temporaries: removed when their process is gone and no one holds
# them; a live run's, another user's kind (a link), a locked one are kept.
sleep 0 & dead=$!; wait $dead
mk() { echo junk > "$tmp/$1"; }
mk "st.h5.tmp.$dead.0123456789abcdef"; mk "st.h5.tmp.$dead"
mk "st.h5.tmp.$$.00000000000000aa"             # this shell: alive
ln -s "$tmp/victim" "$tmp/st.h5.tmp.$dead.00000000000000bb"
mk "st.h5.tmp.$dead.00000000000000cc"
flock -x "$tmp/st.h5.tmp.$dead.00000000000000cc" sleep 60 & holder=$!
mk "other.h5.tmp.$dead.0123456789abcdef"       # another output's
sleep 0.3
rc=$(run $SC -o "$tmp/st.h5" --set run.households=400 --set 'run.end="2020-04-20"')
[ "$rc" = 0 ] && ok "run with stale temporaries beside it" || bad "stale run: exit $rc: $(cat "$tmp/err")"
[ ! -e "$tmp/st.h5.tmp.$dead.0123456789abcdef" ] && [ ! -e "$tmp/st.h5.tmp.$dead" ] \
  && ok "dead runs' temporaries removed" || bad "stale files kept: $(ls "$tmp" | grep st.h5)"
grep -q "st.h5.tmp.$dead.0123456789abcdef" "$tmp/err" && grep -Eq "st\.h5\.tmp\.$dead(,|$)" "$tmp/err" \
  && ok "removed files named in the message" || bad "stale message: $(cat "$tmp/err")"
[ -e "$tmp/st.h5.tmp.$$.00000000000000aa" ] && ok "a live process's temporary kept" || bad "live one removed"
[ -L "$tmp/st.h5.tmp.$dead.00000000000000bb" ] && ok "a symbolic link with a stale name kept" || bad "link removed"
[ -e "$tmp/st.h5.tmp.$dead.00000000000000cc" ] && ok "a locked temporary kept" || bad "locked one removed"
[ -e "$tmp/other.h5.tmp.$dead.0123456789abcdef" ] && ok "another output's temporary kept" || bad "other removed"
kill $holder 2>/dev/null; wait $holder 2>/dev/null; holder=""

echo "outfiles: $passes passed, $fails failed"
[ "$fails" = 0 ]
