#!/usr/bin/env bash
# tests/bench/scaling.sh — OpenMP thread scaling of one scenario, with a
# check that every dataset is identical at every thread count.
#
#   tests/bench/scaling.sh SCENARIO "1 2 4 8 16" [extra smsim args...]
#
# Prints one line per thread count: wall seconds, speed-up over the first
# count, peak RSS, and whether the output equals the first run's
# (h5diff, root attributes such as wall time excluded).  SMSIM overrides the
# command (default build/smsim; may be a prefix such as
# "build/devkit/run smsim"), H5DIFF likewise; OUT is the scratch directory.
set -u
cfg=${1:?scenario}; counts=${2:-"1 2"}; shift 2 || true
SMSIM=${SMSIM:-build/smsim}
H5DIFF=${H5DIFF:-h5diff}
TIME=""
[ -x /usr/bin/time ] && TIME="/usr/bin/time -v"
OUT=${OUT:-results/scaling}
mkdir -p "$OUT"
first=""; base=""
printf '%8s %9s %8s %10s %s\n' threads wall_s speedup rss_mib identical
for t in $counts; do
    out="$OUT/t$t.h5"
    log=$(mktemp)
    t0=$(date +%s.%N)
    $TIME $SMSIM run "$cfg" --threads "$t" -o "$out" --quiet "$@" >/dev/null 2>"$log" \
        || { echo "threads=$t failed:"; tail -5 "$log"; rm -f "$log"; continue; }
    wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
    rss=${rss:+$((rss / 1024))}; rss=${rss:-?}
    rm -f "$log"
    if [ -z "$first" ]; then first=$out; base=$wall; same="(reference)"
    elif $H5DIFF --exclude-attribute / "$first" "$out" >/dev/null 2>&1; then same=yes
    else same=NO; fi
    printf '%8s %9.2f %8.2f %10s %s\n' "$t" "$wall" "$(awk -v a="$base" -v b="$wall" 'BEGIN{print a/b}')" "$rss" "$same"
done
echo "command: $SMSIM run $cfg --threads N -o $OUT/tN.h5 --quiet $*"
