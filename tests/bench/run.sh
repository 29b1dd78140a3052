#!/usr/bin/env bash
# tests/bench/run.sh — smsim benchmarks as one table (what `make bench` runs:
#   BUILD=build bash tests/bench/run.sh | tee results/bench.txt).
#
# One shell function per section; a section whose binary or scenario is
# missing prints "skipped: why" and the rest still run.  Every figure is
# printed with the command that reproduces it.  Bench binaries print
# key=value lines; kv() below picks fields out of them.
#
# Environment: BUILD (default build), BENCH_QUICK=1 for a short smoke run
# (smaller sizes and fewer operations; figures are then not for the README).
# Not for: pass/fail checks — nothing here is a test, and timings on a shared
# machine vary by some per cent between runs.
set -u
BUILD=${BUILD:-build}
QUICK=${BENCH_QUICK:-0}

# kv FIELD LINE -> value of FIELD=... in LINE
kv() { local f=$1; shift; sed -n "s/.*\\b$f=\\([^ ]*\\).*/\\1/p" <<<"$*"; }
mevs() { awk -v x="$1" 'BEGIN { printf "%.2f", x / 1e6 }'; }
header() { printf '\n== %s ==\n' "$1"; }

machine() {
    header "machine"
    echo "host: $(uname -srm); cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
         "x $(nproc) cores; compiler: $(${CC:-cc} --version | head -1)"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ); smsim $(cat VERSION 2>/dev/null || echo '?')" \
         "git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
}

# ---- queue: the hold model on each candidate structure ----------------------
section_queue() {
    header "event queue, hold model (Mev/s = million hold operations per second; one pop + one push each)"
    local bin=$BUILD/bench/bench_queue
    if [ ! -x "$bin" ]; then echo "skipped: $bin not built (make $bin)"; return; fi
    local sizes=1000,10000,100000,1000000,10000000 ops=3000000
    if [ "$QUICK" = 1 ]; then sizes=1000,100000; ops=300000; fi
    printf '%-8s %-6s %10s %9s   %s\n' dist struct n Mev/s command
    local line
    "$bin" --struct heap4,calq --dist exp,daygrid --sizes "$sizes" --ops "$ops" | while read -r line; do
        local s d n e
        s=$(kv struct "$line"); d=$(kv dist "$line"); n=$(kv n "$line"); e=$(kv events_per_s "$line")
        printf '%-8s %-6s %10s %9s   %s\n' "$d" "$s" "$n" "$(mevs "$e")" \
            "$bin --struct $s --dist $d --sizes $n --ops $ops"
    done
}

# ---- PHOLD through the whole kernel ------------------------------------------
section_phold() {
    header "PHOLD on the kernel (1 shard, 1 thread; mean 1.0 s + lookahead 0.1 s, 25 % remote)"
    local bin=$BUILD/bench/bench_phold
    if [ ! -x "$bin" ]; then echo "skipped: $bin not built (make $bin)"; return; fi
    local events=10000000
    [ "$QUICK" = 1 ] && events=1000000
    printf '%10s %9s %10s %8s   %s\n' LPs Mev/s events wall_s command
    local n line
    for n in 1024 65536 1048576; do
        line=$("$bin" --lps "$n" --events "$events") || { echo "bench_phold failed for $n LPs"; continue; }
        printf '%10s %9s %10s %8s   %s\n' "$n" "$(mevs "$(kv events_per_s "$line")")" \
            "$(kv events "$line")" "$(kv wall_s "$line")" "$bin --lps $n --events $events"
    done
}

# ---- hooks for the lead: whole-program figures -------------------------------
# Run smsim under /usr/bin/time -v; prints "wall_s rss_mib" or fails.
timed_smsim() {
    local log; log=$(mktemp)
    /usr/bin/time -v "$@" >"$log.out" 2>"$log" || { cat "$log" >&2; rm -f "$log" "$log.out"; return 1; }
    local wall rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$log" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
    echo "$wall $(( rss / 1024 ))"
    cat "$log.out" >&2
    rm -f "$log" "$log.out"
}

section_gb_baseline() {
    header "GB baseline scenario (whole rollout)"
    local cfg=scenarios/gb-baseline.cfg bin=$BUILD/smsim
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    mkdir -p results
    local cmd="$bin run $cfg -o results/bench-gb-baseline.h5 --quiet"
    local r; r=$(timed_smsim $cmd 2>/dev/null) || { echo "failed: $cmd"; return; }
    # TODO(lead): events/s — have smsim print events=N (or store it as a root
    # attribute) and read it here, e.g. with h5dump -a /events.
    echo "wall_s=${r% *} peak_rss_mib=${r#* }   $cmd"
}

section_thread_scaling() {
    header "thread scaling (1 vs 2 threads; outputs must be identical)"
    local cfg=scenarios/gb-baseline.cfg bin=$BUILD/smsim
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    if ! command -v h5diff >/dev/null; then echo "skipped: h5diff not installed (hdf5-tools)"; return; fi
    mkdir -p results
    local t r
    for t in 1 2; do
        local cmd="$bin run $cfg -o results/bench-threads-$t.h5 --threads $t --quiet"
        r=$(timed_smsim $cmd 2>/dev/null) || { echo "failed: $cmd"; return; }
        echo "threads=$t wall_s=${r% *} peak_rss_mib=${r#* }   $cmd"
    done
    # TODO(lead): exclude root attributes that legitimately differ (wall
    # times, thread count, command line) from the comparison.
    if h5diff -q results/bench-threads-1.h5 results/bench-threads-2.h5 /rollout /rollout >/dev/null 2>&1; then
        echo "identical: /rollout (h5diff results/bench-threads-1.h5 results/bench-threads-2.h5 /rollout /rollout)"
    else
        echo "DIFFERENT: h5diff results/bench-threads-1.h5 results/bench-threads-2.h5 /rollout /rollout"
    fi
}

section_dcc_throughput() {
    header "DCC request-level throughput and fluid day (GB fleet, scenarios/dcc-peak.cfg)"
    # bench_dcc runs the model's day functions directly (set-up not timed):
    # requests_per_s_core is requests per CPU second of the detail day (per
    # core at 1 thread; CPU time because the machine may be shared), gb_day_s
    # the wall time of one GB detail day.  Results do not depend on threads.
    local bin=$BUILD/bench/bench_dcc cfg=scenarios/dcc-peak.cfg hubs=28000000
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    [ "$QUICK" = 1 ] && hubs=3000000
    local t line cmd
    for t in 1 2; do
        cmd="$bin --hubs $hubs --threads $t --fluid-days 2000 $cfg"
        line=$($cmd | grep '^dcc_detail') || { echo "failed: $cmd"; continue; }
        printf 'threads=%s  %s M requests/s/core  %s s per GB detail day (%s s wall at %s hubs)   %s\n' "$t" \
            "$(mevs "$(kv requests_per_s_core "$line")")" "$(kv gb_day_s "$line")" "$(kv wall_s "$line")" "$hubs" "$cmd"
    done
    cmd="$bin --hubs $hubs --fluid-days 2000 --skip-detail $cfg"
    line=$($cmd | grep '^dcc_fluid ') || { echo "failed: $cmd"; return; }
    echo "fluid (ordinary) day: $(kv ms_per_day "$line") ms (closed form: $(kv closed "$line"))   $cmd"
}

machine
section_queue
section_phold
section_gb_baseline
section_thread_scaling
section_dcc_throughput
