#!/usr/bin/env bash
# Experiments from the command line: a bad value anywhere in a design is
# exit 2 naming where it came from (--sweep text, CSV row and column,
# scenario file:line) with nothing written; the manifest links every run;
# a failed run is reported with its variant and replicate and the others
# complete; an interrupted experiment resumes and skips the complete runs;
# the runs are identical whatever --threads and --jobs.
set -u
SMSIM=${SMSIM:-build/smsim}
SC=tests/scenarios/experiment.cfg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
expect_rc() { # expected_rc description cmd...
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok "$what (exit $rc)"; else bad "$what: exit $rc, wanted $want; stderr: $(head -c 400 "$tmp/err")"; fi
}
nothing_written() { # dir what
  if [ -z "$(ls -A "$1")" ]; then ok "$2: nothing written"; else bad "$2: wrote $(ls "$1")"; fi
}

# ---- validation before anything runs ----------------------------------------
mkdir -p "$tmp/v"
expect_rc 2 "bad --sweep value" "$SMSIM" run $SC --sweep rollout.visit.no_access_prob=0.1,1.5 -o "$tmp/v/x.h5"
grep -q -- "--sweep rollout.visit.no_access_prob=0.1,1.5 (value 2): rollout.visit.no_access_prob: 1.5 is out of range" "$tmp/err" \
  && ok "--sweep error names the option and the value" || bad "--sweep message: $(cat "$tmp/err")"
nothing_written "$tmp/v" "bad --sweep"

printf 'rollout.visit.no_access_prob,run.households\n0.1,1000\n0.2,many\n' > "$tmp/design.csv"
expect_rc 2 "design CSV with a bad cell" "$SMSIM" run $SC --design "$tmp/design.csv" -o "$tmp/v/x.h5"
grep -q "design.csv:3: row 2, column 2 (run.households): run.households: expected a whole number" "$tmp/err" \
  && ok "CSV error names file:line, row and column" || bad "CSV message: $(cat "$tmp/err")"
nothing_written "$tmp/v" "bad CSV cell"

printf 'rollout.visit.no_access_prob\n0.1\n0.2,0.3\n' > "$tmp/ragged.csv"
expect_rc 2 "design CSV with a ragged row" "$SMSIM" run $SC --design "$tmp/ragged.csv" -o "$tmp/v/x.h5"
grep -q "ragged.csv:3: row 2: 2 cells; allowed: 1" "$tmp/err" && ok "ragged row named" || bad "ragged: $(cat "$tmp/err")"

expect_rc 2 "zip of the wrong length" "$SMSIM" run $SC --sweep run.households=1000,2000 \
  --zip run.shards@run.households=4 -o "$tmp/v/x.h5"
grep -q "1 values, but run.households has 2" "$tmp/err" && ok "zip length named" || bad "zip: $(cat "$tmp/err")"
expect_rc 2 "sweeping run.seed" "$SMSIM" run $SC --sweep run.seed=1,2 -o "$tmp/v/x.h5"

# The experiment block: a bad value is named with the scenario's file:line.
{ cat $SC; printf 'experiment = {\n  replications = 2;\n  sweep = (\n    { key = "rollout.visit.no_access_prob"; values = "0.1, -1"; }\n  );\n};\n'; } > "$tmp/block.cfg"
line=$(grep -n 'key = "rollout.visit' "$tmp/block.cfg" | cut -d: -f1)
expect_rc 2 "bad value in the experiment block" "$SMSIM" run "$tmp/block.cfg" -o "$tmp/v/x.h5"
grep -q "block.cfg:$line: experiment.sweep.\[0\] (value 2)" "$tmp/err" && ok "block error names file:line ($line)" \
  || bad "block message: $(cat "$tmp/err")"
nothing_written "$tmp/v" "bad experiment block"
expect_rc 2 "replications out of range" "$SMSIM" run $SC --replications 0 -o "$tmp/v/x.h5"

# A good block runs as an experiment; smsim check validates every variant.
{ cat $SC; printf 'experiment = {\n  replications = 2;\n  sweep = ( { key = "rollout.visit.no_access_prob"; values = "0.1, 0.2"; } );\n};\n'; } > "$tmp/good.cfg"
expect_rc 0 "smsim check of an experiment" "$SMSIM" check "$tmp/good.cfg"
grep -q "ok (experiment: 2 variants x 2 replications = 4 runs, 1 key varied" "$tmp/out" && ok "check counts the runs" || bad "check: $(cat "$tmp/out")"
expect_rc 2 "smsim check finds the bad block value" "$SMSIM" check "$tmp/block.cfg"
expect_rc 0 "the block's experiment runs" "$SMSIM" run "$tmp/good.cfg" --threads 2 -q -o "$tmp/blk.h5"
[ "$(ls "$tmp"/blk-runs/*.h5 | wc -l)" = 4 ] && ok "block: 4 runs" || bad "block runs: $(ls "$tmp"/blk-runs)"
expect_rc 0 "--replications 1 and no sweep on the command line still follows the block" "$SMSIM" check "$tmp/good.cfg" --replications 1
grep -q "2 variants x 1 replication = 2 runs" "$tmp/out" && ok "--replications overrides the block" || bad "override: $(cat "$tmp/out")"

# ---- an experiment: manifest, links, seeds ---------------------------------------
expect_rc 0 "2 variants x 2 replications" "$SMSIM" run $SC --replications 2 \
  --sweep rollout.visit.no_access_prob=0.1,0.3 --threads 2 -q -o "$tmp/a.h5"
n=$(ls "$tmp"/a-runs/run-v*-r*.h5 2>/dev/null | wc -l)
[ "$n" = 4 ] && ok "4 run files" || bad "$n run files"
h5ls "$tmp/a.h5/runs" 2>/dev/null | grep -c "External Link" | grep -qx 4 && ok "4 external links in the manifest" \
  || bad "links: $(h5ls "$tmp/a.h5/runs" 2>&1)"
h5dump -a /status "$tmp/a.h5" | grep -q '"complete"' && ok "manifest status complete" || bad "manifest status"
seed_of() { h5dump -a /seed "$1" | sed -n 's/.*(0): \([0-9]*\).*/\1/p'; }
s00=$(seed_of "$tmp/a-runs/run-v000-r000.h5"); s10=$(seed_of "$tmp/a-runs/run-v001-r000.h5")
s01=$(seed_of "$tmp/a-runs/run-v000-r001.h5"); s11=$(seed_of "$tmp/a-runs/run-v001-r001.h5")
[ "$s00" = 4242 ] && ok "replicate 0 keeps the scenario's seed" || bad "replicate 0 seed $s00"
[ "$s01" = "$s11" ] && [ "$s01" != "$s00" ] && [ "$s00" = "$s10" ] && ok "common random numbers: replicate r's seed shared by the variants" \
  || bad "CRN seeds: $s00 $s01 $s10 $s11"
expect_rc 0 "without common random numbers" "$SMSIM" run $SC --replications 2 \
  --sweep rollout.visit.no_access_prob=0.1,0.3 --set experiment.common_random_numbers=false -q -o "$tmp/b.h5"
[ "$(seed_of "$tmp/b-runs/run-v001-r001.h5")" != "$(seed_of "$tmp/b-runs/run-v000-r001.h5")" ] \
  && ok "CRN off: every run its own seed" || bad "CRN off seeds"

# ---- the same runs whatever --threads and --jobs -----------------------------------
expect_rc 0 "the same experiment on 1 thread" "$SMSIM" run $SC --replications 2 \
  --sweep rollout.visit.no_access_prob=0.1,0.3 --threads 1 -q -o "$tmp/c.h5"
same=1
for f in "$tmp"/a-runs/*.h5; do
  h5diff --exclude-attribute / "$f" "$tmp/c-runs/$(basename "$f")" >/dev/null 2>&1 || { same=0; echo "    differs: $(basename "$f")"; }
done
for d in /design/seed /design/status /design/variant /design/rollout.visit.no_access_prob; do
  h5diff "$tmp/a.h5" "$tmp/c.h5" $d $d >/dev/null 2>&1 || { same=0; echo "    manifest differs: $d"; }
done
[ $same = 1 ] && ok "runs and design identical at 2 jobs x 1 thread and 1 job x 1 thread" || bad "outputs differ with --threads"
expect_rc 0 "1 job x 2 threads" "$SMSIM" run $SC --replications 1 --threads 2 --jobs 1 \
  --sweep rollout.visit.no_access_prob=0.1,0.3 -q -o "$tmp/d.h5"
h5diff --exclude-attribute / "$tmp/a-runs/run-v001-r000.h5" "$tmp/d-runs/run-v001-r000.h5" >/dev/null 2>&1 \
  && ok "a run at 2 threads equals it at 1" || bad "2-thread run differs"

# ---- resume: complete runs are skipped ---------------------------------------------
rm "$tmp/a-runs/run-v001-r000.h5"
before=$(stat -c %Y.%s "$tmp"/a-runs/run-v000-r000.h5)
sleep 1
expect_rc 0 "rerun after one run file was removed" "$SMSIM" run $SC --replications 2 \
  --sweep rollout.visit.no_access_prob=0.1,0.3 --threads 2 -o "$tmp/a.h5"
grep -q "(3 already complete, 0 failed)" "$tmp/out" && ok "3 complete runs skipped" || bad "resume summary: $(cat "$tmp/out")"
[ "$(stat -c %Y.%s "$tmp"/a-runs/run-v000-r000.h5)" = "$before" ] && ok "a complete run file is left alone" || bad "complete run rewritten"
h5diff --exclude-attribute / "$tmp/a-runs/run-v001-r000.h5" "$tmp/c-runs/run-v001-r000.h5" >/dev/null 2>&1 && ok "the rerun run is identical" || bad "rerun run differs"
# A changed design under the same name does not reuse stale runs.
expect_rc 0 "changed value, same output name" "$SMSIM" run $SC --replications 2 \
  --sweep rollout.visit.no_access_prob=0.1,0.25 --threads 2 -o "$tmp/a.h5"
grep -q "(2 already complete, 0 failed)" "$tmp/out" && ok "only the unchanged variant's runs reused" || bad "stale reuse: $(cat "$tmp/out")"

# ---- a failed run is reported, the others complete ------------------------------------
mkdir -p "$tmp/f-runs/run-v001-r000.h5"       # a folder where that run's file must go
expect_rc 1 "one run cannot write its file" "$SMSIM" run $SC --replications 2 \
  --sweep rollout.visit.no_access_prob=0.1,0.3 --threads 2 -q -o "$tmp/f.h5"
grep -q "variant 1 (rollout.visit.no_access_prob=0.3) replicate 0 failed" "$tmp/err" \
  && ok "failure names variant and replicate" || bad "failure message: $(cat "$tmp/err")"
n=$(ls "$tmp"/f-runs/run-v*-r*.h5 | wc -l)
[ -f "$tmp/f-runs/run-v001-r001.h5" ] && [ -f "$tmp/f-runs/run-v000-r000.h5" ] && ok "the other runs completed" || bad "other runs missing"
h5dump -a /status "$tmp/f.h5" | grep -q '"incomplete"' && ok "manifest says incomplete" || bad "manifest status after a failure"

# ---- an interrupted experiment resumes -----------------------------------------------
"$SMSIM" run $SC --replications 12 --threads 1 --jobs 1 -q -o "$tmp/i.h5" >"$tmp/iout" 2>"$tmp/ierr" &
pid=$!
for _ in $(seq 1 300); do
  [ -f "$tmp/i-runs/run-v000-r001.h5" ] && break
  sleep 0.05
done
kill -INT $pid; wait $pid; rc=$?
[ $rc = 1 ] && ok "interrupted experiment exits 1" || bad "interrupted rc $rc"
grep -q "interrupted" "$tmp/ierr" && ok "says interrupted" || bad "interrupt message: $(cat "$tmp/ierr")"
done_before=$(ls "$tmp"/i-runs/run-v*-r*.h5 2>/dev/null | wc -l)
ls "$tmp"/i-runs/ | grep -q '\.tmp\.' && bad "temporary files left behind" || ok "no temporary files left"
[ "$done_before" -ge 2 ] && [ "$done_before" -lt 12 ] && ok "$done_before of 12 runs complete at the interrupt" || bad "$done_before runs at interrupt"
expect_rc 0 "resume" "$SMSIM" run $SC --replications 12 --threads 2 -o "$tmp/i.h5"
grep -q "($done_before already complete, 0 failed)" "$tmp/out" && ok "resume skipped the $done_before complete runs" \
  || bad "resume: $(cat "$tmp/out")"

echo "test_experiment: $passes passed, $fails failed"
[ $fails = 0 ]
