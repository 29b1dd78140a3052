#!/usr/bin/env bash
# Numbers mean what they say and input is bounded, seen from the command
# line: integer literals libconfig would silently misread (hexadecimal past
# 31 bits, past 64 bits, in an @include file) are exit 2 with file:line;
# --seed takes every seed the key takes; a cross-key failure caused by a
# --set names the --set; /dev/zero, a multi-gigabyte file and UTF-16 are
# refused at once; a UTF-8 byte-order mark is accepted; names must be
# UTF-8; detail days outside the run are an error; values that would make
# a run cost out of proportion (shards, queue reservation, retry delays)
# are refused.  Every refusal: exit 2,
# no output file.  `smsim check` is used where a run is not needed.
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
# expect_fail "what" "fragment of the message" cmd... : exit 2, the fragment on stderr
expect_fail() {
  local what=$1 frag=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = 2 ] && grep -qF -- "$frag" "$tmp/err"; then ok "$what (exit 2: $(head -c 160 "$tmp/err"))"
  else bad "$what: exit $rc, wanted 2 with '$frag'; stderr: $(head -c 400 "$tmp/err")"; fi
}
expect_ok() {
  local what=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ "$rc" = 0 ] && ok "$what" || bad "$what: exit $rc; stderr: $(head -c 400 "$tmp/err")"
}
small=scenarios/small.cfg
hh_line=$(grep -n '^ *households *=' "$small" | head -1 | cut -d: -f1)

# ---- numbers ------------------------------------------------------------------
sed 's/^\( *\)households *= *[0-9]*;/\1households = 0x1000003E8;/' "$small" > "$tmp/hex.cfg"
expect_fail "hex households past 32 bits (libconfig reads 1,000)" "hex.cfg:$hh_line: integer 0x1000003E8 does not fit 31 bits" \
  "$SMSIM" run "$tmp/hex.cfg" -o "$tmp/hex.h5"
[ ! -e "$tmp/hex.h5" ] && ok "no output for the hex literal" || bad "output written for the hex literal"
sed 's/^\( *\)seed *= *[0-9]*;/\1seed = 99999999999999999999L;/' "$small" > "$tmp/sat.cfg"
expect_fail "seed past 64 bits (libconfig saturates)" "integer 99999999999999999999 is beyond the 64-bit range" \
  "$SMSIM" check "$tmp/sat.cfg"
# In an included file: the file and line of the literal itself.
mkdir -p "$tmp/inc"
grep -v '^ *households *=' "$small" | sed 's/^run = {/run = {\n@include "hh.cfg"/' > "$tmp/inc/main.cfg"
printf '# households, kept apart\n  households = 0x1000003E8;\n' > "$tmp/inc/hh.cfg"
expect_fail "hex literal in an @include file" "inc/hh.cfg:2: integer 0x1000003E8" "$SMSIM" check "$tmp/inc/main.cfg"
printf '  households = 3000000000;\n' > "$tmp/inc/hh.cfg"
expect_fail "32-bit wrap in an @include file" "inc/hh.cfg:1: integer 3000000000 does not fit 32 bits" "$SMSIM" check "$tmp/inc/main.cfg"
printf '  households = 20000;\n' > "$tmp/inc/hh.cfg"
expect_ok "a good @include file" "$SMSIM" check "$tmp/inc/main.cfg"
printf '@include "hh.cfg"\n' > "$tmp/inc/hh.cfg"
expect_fail "an @include of itself" "does a file include itself?" "$SMSIM" check "$tmp/inc/main.cfg"
ln -s /dev/zero "$tmp/inc/zero.cfg"
printf '@include "zero.cfg"\n' > "$tmp/inc/hh.cfg"
expect_fail "@include of /dev/zero" "zero.cfg\": is more than" "$SMSIM" check "$tmp/inc/main.cfg"

# --seed takes every value run.seed takes (0 .. 2^63-1), --set beyond 32 bits too.
expect_ok "--seed 3000000000" "$SMSIM" check "$small" --seed 3000000000
grep -q "seed 3000000000)" "$tmp/out" && ok "--seed 3000000000 is the seed" || bad "--seed 3000000000: $(cat "$tmp/out")"
expect_ok "--seed 9223372036854775807" "$SMSIM" check "$small" --seed 9223372036854775807
grep -q "seed 9223372036854775807)" "$tmp/out" && ok "--seed 2^63-1 is the seed" || bad "--seed 2^63-1: $(cat "$tmp/out")"
expect_ok "--set run.seed=0x1000003E8" "$SMSIM" check "$small" --set run.seed=0x1000003E8
grep -q "seed 4294968296)" "$tmp/out" && ok "--set hex seed is its value" || bad "--set hex seed: $(cat "$tmp/out")"
expect_fail "--set past 64 bits" "--set run.seed: integer 99999999999999999999 is beyond" \
  "$SMSIM" check "$small" --set run.seed=99999999999999999999

# A cross-key check failing because of a --set blames the --set, not a line.
expect_fail "--set run.end before start" "--set run.end: 2011-06-30 is before start" \
  "$SMSIM" check "$small" --set run.end=2011-06-30
expect_fail "--set moving a detail day out of the run" '--set dcc.detail.dates=["2030-01-01"]: dcc.detail.dates.[0]: 2030-01-01 is outside the run' \
  "$SMSIM" check "$small" --set 'dcc.detail.dates=["2030-01-01"]'

# ---- input bounds ----------------------------------------------------------------
t0=$(date +%s)
expect_fail "/dev/zero as a scenario" "/dev/zero: is more than 1048576 bytes" "$SMSIM" run /dev/zero -o "$tmp/z.h5"
: > "$tmp/huge.cfg"; truncate -s 4G "$tmp/huge.cfg" 2>/dev/null || dd if=/dev/null of="$tmp/huge.cfg" bs=1 seek=4294967296 2>/dev/null
expect_fail "a 4 GiB scenario" "huge.cfg: is 4294967296 bytes; allowed: a scenario of at most 1048576 bytes" \
  "$SMSIM" run "$tmp/huge.cfg" -o "$tmp/huge.h5"
rm -f "$tmp/huge.cfg"
[ $(( $(date +%s) - t0 )) -le 5 ] && ok "both refused within 5 s" || bad "refusing took $(( $(date +%s) - t0 )) s"
[ ! -e "$tmp/z.h5" ] && [ ! -e "$tmp/huge.h5" ] && ok "no output for refused input" || bad "output for refused input"
expect_fail "a directory as a scenario" "is a directory" "$SMSIM" check "$tmp"
printf '\xff\xfer\x00u\x00n\x00' > "$tmp/u16.cfg"
expect_fail "UTF-16 text" "is UTF-16 text" "$SMSIM" check "$tmp/u16.cfg"
{ printf '\xef\xbb\xbf'; cat "$small"; } > "$tmp/bom.cfg"
expect_ok "a UTF-8 byte-order mark is accepted" "$SMSIM" check "$tmp/bom.cfg"
{ printf '\xef\xbb\xbf'; sed 's/^\( *\)households *= *[0-9]*;/\1households = 0;/' "$small"; } > "$tmp/bom2.cfg"
expect_fail "lines count the same after a byte-order mark" "bom2.cfg:$hh_line: run.households: 0 is out of range" \
  "$SMSIM" check "$tmp/bom2.cfg"
sed 's/name = "bravo"/name = "br\xe4vo"/' "$small" > "$tmp/latin1.cfg"
line=$(LC_ALL=C grep -n 'br.vo' "$tmp/latin1.cfg" | cut -d: -f1)
expect_fail "a Latin-1 supplier name" "latin1.cfg:$line: rollout.suppliers.[1].name: \"br\\xe4vo\" is not valid UTF-8" \
  "$SMSIM" run "$tmp/latin1.cfg" -o "$tmp/latin1.h5"
[ ! -e "$tmp/latin1.h5" ] && ok "no output for a Latin-1 name" || bad "output for a Latin-1 name"
sed 's/name = "bravo"/name = "Br\xc3\xa4vo \xe2\x82\xac"/' "$small" > "$tmp/utf8.cfg"
expect_ok "a UTF-8 supplier name" "$SMSIM" check "$tmp/utf8.cfg"

# Detail days outside the run: an error, not a day silently skipped.
sed 's/dates = \["2024-01-15"/dates = ["2026-01-15"/' "$small" > "$tmp/detail.cfg"
line=$(grep -n '2026-01-15' "$tmp/detail.cfg" | cut -d: -f1)
expect_fail "a detail day after the run" "detail.cfg:$line: dcc.detail.dates.[0]: 2026-01-15 is outside the run (2012-01-01 to 2025-12-31)" \
  "$SMSIM" run "$tmp/detail.cfg" -o "$tmp/detail.h5"
[ ! -e "$tmp/detail.h5" ] && ok "no output for a detail day outside the run" || bad "output for a detail day outside the run"

# ---- values whose cost would not follow the work ------------------------------------
expect_fail "4096 shards" "--set run.shards: 4096 is out of range; allowed: integer 1 .. 1024" \
  "$SMSIM" check "$small" --set run.shards=4096
expect_fail "more shards than households, above 64" "--set run.shards: 500 shards for 300 households" \
  "$SMSIM" check "$small" --set run.households=300 --set run.shards=500
expect_ok "64 shards for 10 households" "$SMSIM" check "$small" --set run.households=10 --set run.shards=64
expect_fail "a queue reservation of gigabytes per shard" "--set run.queue_capacity: 100000000 is out of range" \
  "$SMSIM" check "$small" --set run.queue_capacity=100000000
expect_fail "retries that make the DCC model 100 times slower" "the last retry comes" \
  "$SMSIM" check "$small" --set dcc.retry.max_retries=7 --set dcc.retry.backoff_factor=10
expect_fail "a back-off factor of 100" "--set dcc.retry.backoff_factor: 100 is out of range" \
  "$SMSIM" check "$small" --set dcc.retry.backoff_factor=100

echo "input limits: $passes passed, $fails failed"
[ "$fails" = 0 ]
