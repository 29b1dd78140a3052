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

# ---- whole-program figures ------------------------------------------------------
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
    header "GB baseline (scenarios/gb-baseline.cfg: 30 M households, 2012-2025, 9 request-level DCC days)"
    local cfg=scenarios/gb-baseline.cfg bin=$BUILD/smsim
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    [ "$QUICK" = 1 ] && { echo "skipped in quick mode"; return; }
    mkdir -p results
    local t r out cmd
    for t in 1 2; do
        out=results/bench-gb-t$t.h5
        cmd="$bin run $cfg -o $out --threads $t --quiet"
        r=$(timed_smsim $cmd 2>/dev/null) || { echo "failed: $cmd"; return; }
        local wall=${r% *} rss=${r#* } ev hh
        ev=$(h5dump -a /events "$out" 2>/dev/null | sed -n 's/.*(0): //p')
        hh=$(h5dump -a /households "$out" 2>/dev/null | sed -n 's/.*(0): //p')
        printf 'threads=%s wall_s=%s peak_rss_mib=%s bytes_per_household=%s events=%s events_per_s=%s   %s\n' \
            "$t" "$wall" "$rss" "$(awk -v m="$rss" -v h="$hh" 'BEGIN { printf "%.1f", m * 1048576 / h }')" \
            "$ev" "$(awk -v e="$ev" -v w="$wall" 'BEGIN { printf "%.0f", e / w }')" "$cmd"
        eval "gb_wall_$t=$wall"
    done
    echo "speed-up 2 vs 1 thread: $(awk -v a="$gb_wall_1" -v b="$gb_wall_2" 'BEGIN { printf "%.2f", a / b }')"
    if h5diff --exclude-attribute / results/bench-gb-t1.h5 results/bench-gb-t2.h5 >/dev/null 2>&1; then
        echo "identical output at 1 and 2 threads: every dataset (h5diff --exclude-attribute / results/bench-gb-t1.h5 results/bench-gb-t2.h5)"
    else
        echo "DIFFERENT output at 1 and 2 threads (h5diff --exclude-attribute / results/bench-gb-t1.h5 results/bench-gb-t2.h5)"
    fi
    rm -f results/bench-gb-t1.h5 results/bench-gb-t2.h5
}

section_rollout_only() {
    header "rollout model alone at GB scale (no DCC, no output; tests/bench/bench_rollout.c)"
    local cfg=scenarios/gb-baseline.cfg bin=$BUILD/bench/bench_rollout
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    [ "$QUICK" = 1 ] && cfg=scenarios/default.cfg
    local t line cmd
    for t in 1 2; do
        cmd="$bin $cfg --threads $t"
        line=$($cmd) || { echo "failed: $cmd"; continue; }
        printf 'threads=%s wall_s=%s cpu_s=%s bytes_per_household=%s checksum=%s   %s\n' "$t" \
            "$(kv wall_s "$line")" "$(kv cpu_s "$line")" "$(kv bytes_per_household "$line")" \
            "$(kv checksum "$line")" "$cmd"
    done
}

section_dcc_storm() {
    header "DCC alert storm day (GB fleet + ~20 M power alerts in the hour, scenarios/dcc-storm.cfg)"
    # The storm scenario's day request by request: the ordinary GB day plus the
    # outage's last gasps (one minute) and restorations (half an hour), with
    # the WAN links in bytes.  Target: under 30 s wall on 2 cores.
    local bin=$BUILD/bench/bench_dcc cfg=scenarios/dcc-storm.cfg hubs=28000000
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    [ "$QUICK" = 1 ] && hubs=3000000
    local line cmd="$bin --hubs $hubs --threads 2 --fluid-days 10 $cfg"
    line=$($cmd | grep '^dcc_detail') || { echo "failed: $cmd"; return; }
    printf 'threads=2  %s M requests  %s s wall  %s s CPU  (load average %s)   %s\n' \
        "$(mevs "$(kv requests "$line")")" "$(kv wall_s "$line")" "$(kv cpu_s "$line")" \
        "$(cut -d' ' -f1 /proc/loadavg)" "$cmd"
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

# ---- an experiment: several small runs at once -------------------------------
section_experiment() {
    header "experiment: 8 runs of scenarios/small.cfg, one after another on 1 thread vs smsim run --replications 8 on 2 threads"
    # Target: the experiment takes at most 0.6x the sequential time (two
    # runs at a time, one thread each; see README.md, Experiments).
    local cfg=scenarios/small.cfg bin=$BUILD/smsim n=8
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    [ "$QUICK" = 1 ] && n=4
    local dir; dir=$(mktemp -d)
    local t0 t1 t2 r seq exp
    t0=$(date +%s.%N)
    for r in $(seq 0 $((n - 1))); do
        "$bin" run $cfg --set run.seed=$((20110210 + r)) --threads 1 -q -o "$dir/seq-$r.h5" >/dev/null || { echo "failed: sequential run $r"; rm -rf "$dir"; return; }
    done
    t1=$(date +%s.%N)
    "$bin" run $cfg --replications $n --threads 2 -q -o "$dir/exp.h5" >/dev/null || { echo "failed: experiment"; rm -rf "$dir"; return; }
    t2=$(date +%s.%N)
    seq=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    exp=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
    printf 'sequential_1_thread_s=%s   for r in 0..%d: %s run %s --set run.seed=... --threads 1 -q\n' "$seq" $((n - 1)) "$bin" "$cfg"
    printf 'experiment_2_threads_s=%s   %s run %s --replications %d --threads 2 -q\n' "$exp" "$bin" "$cfg" "$n"
    echo "ratio experiment/sequential: $(awk -v a="$exp" -v b="$seq" 'BEGIN { printf "%.2f", a / b }') (target <= 0.60)"
    rm -rf "$dir"
}

# ---- the cost of life after the install (rollout.fleet) ---------------------------
# CPU seconds (user + sys from /usr/bin/time; not wall: the machine may be
# shared) of gb-baseline at 3 M households with rollout.fleet on and off,
# the whole program and the rollout model alone.  Target: whole-program
# ratio <= 1.3.
cpu_of() {   # cpu_of CMD... -> "user+sys" seconds, or fails
    local log; log=$(mktemp)
    /usr/bin/time -f '%U %S' -o "$log" "$@" >/dev/null 2>&1 || { rm -f "$log"; return 1; }
    awk '{ printf "%.2f", $1 + $2 }' "$log"
    rm -f "$log"
}

section_fleet_cost() {
    header "life after the install: CPU of gb-baseline at 3 M households, rollout.fleet on vs off (1 thread)"
    local cfg=scenarios/gb-baseline.cfg bin=$BUILD/smsim rb=$BUILD/bench/bench_rollout hh=3000000
    if [ ! -x "$bin" ] || [ ! -x "$rb" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin, $rb and $cfg"; return; fi
    [ "$QUICK" = 1 ] && hh=300000
    local dir f cmd cpu run_on run_off alone_on alone_off
    dir=$(mktemp -d)
    for f in true false; do
        cmd="$bin run $cfg -o $dir/fleet-$f.h5 --threads 1 --quiet --set run.households=$hh --set rollout.fleet.enabled=$f"
        cpu=$(cpu_of $cmd) || { echo "failed: $cmd"; rm -rf "$dir"; return; }
        printf 'fleet=%-5s cpu_s=%s   %s\n' "$f" "$cpu" "$cmd"
        if [ "$f" = true ]; then run_on=$cpu; else run_off=$cpu; fi
        cmd="$rb $cfg --threads 1 --set run.households=$hh --set rollout.fleet.enabled=$f"
        cpu=$(cpu_of $cmd) || { echo "failed: $cmd"; rm -rf "$dir"; return; }
        printf 'fleet=%-5s cpu_s=%s   %s   (rollout alone)\n' "$f" "$cpu" "$cmd"
        if [ "$f" = true ]; then alone_on=$cpu; else alone_off=$cpu; fi
    done
    echo "ratio fleet on/off, whole run: $(awk -v a="$run_on" -v b="$run_off" 'BEGIN { printf "%.2f", a / b }') (target <= 1.30)"
    echo "ratio fleet on/off, rollout alone: $(awk -v a="$alone_on" -v b="$alone_off" 'BEGIN { printf "%.2f", a / b }')"
    rm -rf "$dir"
}

machine
# ---- checkpoint and fork at GB scale ------------------------------------------------
section_checkpoint() {
    header "checkpoint at GB scale (gb-baseline.cfg, 30 M households, the state at the end of 2019-12-31: write, read, size)"
    local cfg=scenarios/gb-baseline.cfg bin=$BUILD/smsim
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    local sets=(--set 'run.end="2020-01-03"' --set 'dcc.detail.dates=[]')
    [ "$QUICK" = 1 ] && sets+=(--set run.households=1000000)
    local dir; dir=$(mktemp -d -p "${TMPDIR:-/tmp}")
    local cmd="$bin run $cfg ${sets[*]} --threads 2 --checkpoint-at 2019-12-31 -o $dir/gb.h5"
    "$bin" run $cfg "${sets[@]}" --threads 2 --checkpoint-at 2019-12-31 -o "$dir/gb.h5" >/dev/null 2>"$dir/w.err" \
        || { echo "failed: $cmd: $(tail -2 "$dir/w.err")"; rm -rf "$dir"; return; }
    "$bin" run --from "$dir/gb.ckpt.h5" --threads 2 -o "$dir/gb2.h5" >/dev/null 2>"$dir/r.err" \
        || { echo "failed: $bin run --from $dir/gb.ckpt.h5: $(tail -2 "$dir/r.err")"; rm -rf "$dir"; return; }
    local mb ws rs same=DIFFERENT
    mb=$(sed -n 's/.*checkpoint at the end of.*, \([0-9.]*\) MB, .*/\1/p' "$dir/w.err")
    ws=$(sed -n 's/.*written in \([0-9.]*\) s.*/\1/p' "$dir/w.err")
    rs=$(sed -n 's/.*read in \([0-9.]*\) s.*/\1/p' "$dir/r.err")
    h5diff --exclude-attribute / "$dir/gb.h5" "$dir/gb2.h5" >/dev/null 2>&1 && same=identical
    printf 'checkpoint_mb=%s write_s=%s read_s=%s (target <= 10 s each)   %s\n' "$mb" "$ws" "$rs" "$cmd"
    echo "resumed output vs uninterrupted: $same datasets (smsim run --from $dir/gb.ckpt.h5)"
    rm -rf "$dir"
}

# ---- DCC sizing search ----------------------------------------------------------
section_size() {
    header "smsim size on scenarios/dcc-peak.cfg (GB fleet, one request-level day per evaluation; target < 5 min on 2 cores)"
    local cfg=scenarios/dcc-peak.cfg bin=$BUILD/smsim
    if [ ! -x "$bin" ] || [ ! -f "$cfg" ]; then echo "skipped: needs $bin and $cfg"; return; fi
    local sets=()
    [ "$QUICK" = 1 ] && sets=(--set dcc.initial_fleet.hubs=3000000)
    local dir; dir=$(mktemp -d -p "${TMPDIR:-/tmp}")
    local cmd="$bin size $cfg ${sets[*]} --target-share 0.98 --threads 2 -o $dir/size.h5"
    local t0 t1
    t0=$(date +%s.%N)
    "$bin" size $cfg "${sets[@]}" --target-share 0.98 --threads 2 -o "$dir/size.h5" >"$dir/out" 2>"$dir/err" \
        || { echo "failed: $cmd: $(tail -2 "$dir/err")"; rm -rf "$dir"; return; }
    t1=$(date +%s.%N)
    local n; n=$(h5dump -d /size/servers -H "$dir/size.h5" 2>/dev/null | sed -n 's/.*DATASPACE  SIMPLE { ( \([0-9]*\),.*/\1/p')
    printf 'wall_s=%s evaluations=%s (target < 300 s)   %s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" \
        "${n:-?}" "$cmd"
    sed -n '/^  stage/,/^  service/p' "$dir/out" | head -6
    rm -rf "$dir"
}

section_experiment
section_size
section_queue
section_phold
section_rollout_only
section_fleet_cost
section_dcc_throughput
section_dcc_storm
section_gb_baseline
section_checkpoint
