#!/usr/bin/env bash
# tests/bench/device_scaling.sh — thread scaling on a many-core machine,
# using the packed build/devkit (tests/bench/devkit.sh), so the machine
# needs none of smsim's dependencies.  Writes to ${OUT:-results}/scaling.txt.
#   1. the rollout alone at GB scale (bench_rollout), 1..16 threads, checksums;
#   2. the whole GB baseline at several thread counts, outputs compared;
#   3. a GB DCC detail day (bench_dcc), 1..16 threads.
set -u
K=build/devkit
OUT=${OUT:-results}; mkdir -p "$OUT"
log=$OUT/scaling.txt
{
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "== rollout alone, scenarios/gb-baseline.cfg (K/run bench_rollout CFG --threads N)"
for t in ${ROLLOUT_THREADS:-1 2 4 8 16}; do
    $K/run bench_rollout scenarios/gb-baseline.cfg --threads "$t" | tr ' ' '\n' | grep -E '^(threads|wall_s|cpu_s|checksum)=' | tr '\n' ' '; echo
done
echo "== DCC detail day at GB fleet (K/run bench_dcc --hubs 28000000 --threads N scenarios/dcc-peak.cfg)"
for t in ${DCC_THREADS:-1 2 4}; do
    $K/run bench_dcc --hubs 28000000 --threads "$t" --fluid-days 10 scenarios/dcc-peak.cfg | grep '^dcc_detail'
done
echo "== whole GB baseline (smsim run scenarios/gb-baseline.cfg --threads N)"
SMSIM="$K/run smsim" H5DIFF="$K/run h5diff" TIME="" OUT=$OUT/scaling \
    bash tests/bench/scaling.sh scenarios/gb-baseline.cfg "${GB_THREADS:-2 4 8 16}"
rm -f "$OUT"/scaling/*.h5
} 2>&1 | tee "$log"
