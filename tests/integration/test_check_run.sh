#!/usr/bin/env bash
# One validation path: `smsim check` and `smsim run` refuse the same
# scenarios, both with exit status 2 and the same "FILE:LINE: key: what is
# wrong" message, and `run` writes no file.  One case per kind of refusal
# the schema makes: ranges, types, unknown keys, and every cross-key check
# (shares, counts, date order, working hours, jobs that fit a slot, ...).
set -u
SMSIM=${SMSIM:-build/smsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes+1)); echo "  ok: $*"; }
bad() { fails=$((fails+1)); echo "  FAIL: $*"; }

base=scenarios/small.cfg
# description | --set override(s), separated by ' ;; '
cases=(
  "households out of range|run.households=0"
  "households above the maximum|run.households=40000001"
  "households of the wrong type|run.households=\"many\""
  "unknown key|run.housholds=5"
  "unknown group|frobnicate.x=1"
  "end before start|run.end=\"2011-12-31\""
  "run longer than 60 years|run.end=\"2090-01-01\""
  "no shards|run.shards=0"
  "queue capacity too small|run.queue_capacity=1"
  "region shares not summing to 1|rollout.population.region_shares=[0.5, 0.5, 0.5]"
  "region shares of the wrong count|rollout.population.region_shares=[0.5, 0.5]"
  "dual-band + alternative HAN above 1|rollout.population.han_alternative_share=[0.0, 0.01, 0.9]"
  "final WAN coverage below the start|rollout.wan.covered_final=[0.1, 0.1, 0.1]"
  "WAN build-out ending before it starts|rollout.wan.buildout_end=[\"2010-01-01\", \"2010-01-01\", \"2010-01-01\"]"
  "SMETS1 cut-over before SMETS2|rollout.timetable.smets1_cutover=\"2017-01-01\""
  "phases out of date order|rollout.timetable.phases=( { name = \"a\"; start = \"2017-01-01\"; effort = 1.0; }, { name = \"b\"; start = \"2016-01-01\"; effort = 1.0; } )"
  "HAN failure probabilities of the wrong count|rollout.visit.han_fail_prob=[0.1]"
  "installers of the wrong count|rollout.suppliers.[0].installers_per_10k=[1.0]"
  "ramp levels not matching ramp dates|rollout.suppliers.[0].ramp_levels=[1.0, 2.0]"
  "ramp dates out of order|rollout.suppliers.[0].ramp_dates=[\"2020-01-01\", \"2019-01-01\"] ;; rollout.suppliers.[0].ramp_levels=[1.0, 1.0]"
  "midday after the end of the day|rollout.suppliers.[0].midday_hour=18"
  "earliest appointment beyond the booking horizon|rollout.suppliers.[0].lead_min_days=40"
  "a job longer than a slot|rollout.suppliers.[0].job_minutes_single=400"
  "a dual-fuel job longer than a slot|rollout.suppliers.[2].job_minutes_dual=300"
  "travel making a job longer than a slot|rollout.suppliers.[1].travel_minutes=230"
  "a short working day|rollout.suppliers.[3].day_start_hour=11 ;; rollout.suppliers.[3].midday_hour=12"
  "two suppliers with one name|rollout.suppliers.[1].name=\"alpha\""
  "market shares not summing to 1|rollout.suppliers.[0].share=0.5"
  "work-list order not in the enum|rollout.suppliers.[0].order=\"sideways\""
  "detail bins not dividing a day|dcc.detail.bin_minutes=7"
  "response time-out below the pipeline's minimum|dcc.retry.response_timeout_s=30"
  "device failure plus WAN loss above 1|dcc.retry.device_failure=0.999"
)

for c in "${cases[@]}"; do
  what=${c%%|*}; sets=${c#*|}
  args=()
  while [ -n "$sets" ]; do
    one=${sets%% ;; *}; args+=(--set "$one")
    [ "$one" = "$sets" ] && sets= || sets=${sets#* ;; }
  done
  "$SMSIM" check "$base" "${args[@]}" >"$tmp/check.out" 2>"$tmp/check.err"; rc_check=$?
  "$SMSIM" run "$base" "${args[@]}" --threads 1 -o "$tmp/out.h5" >"$tmp/run.out" 2>"$tmp/run.err"; rc_run=$?
  msg=$(head -1 "$tmp/check.err")
  if [ "$rc_check" != 2 ] || [ "$rc_run" != 2 ]; then
    bad "$what: check exit $rc_check, run exit $rc_run (both must be 2); check: $msg; run: $(head -1 "$tmp/run.err")"
  elif ! cmp -s "$tmp/check.err" "$tmp/run.err"; then
    bad "$what: messages differ: check: $msg; run: $(head -1 "$tmp/run.err")"
  elif ! grep -Eq '^smsim: ([^ :]+:[0-9]+:|--set) [a-z]' "$tmp/check.err"; then
    bad "$what: no FILE:LINE (or --set, for a value given there) in: $msg"
  elif ls "$tmp" | grep -q '^out\.h5'; then
    bad "$what: run left an output file"
  else
    ok "$what: $msg"
  fi
  rm -f "$tmp"/out.h5*
done

# The same refusals from values written in the file: the message names
# the file and the line of the value (also for cross-key checks, which blame
# the key they name where it was written).
# description | sed expression | text on the line to be named
file_cases=(
  "households out of range|s/households = 20000;/households = 0;/|households = 0"
  "a job longer than a slot|s/{ name = \"alpha\";   share = 0.22; smets1_family = 0; }/{ name = \"alpha\"; share = 0.22; smets1_family = 0; job_minutes_single = 400; }/|job_minutes_single = 400"
  "detail bins not dividing a day|s/bin_minutes = 15;/bin_minutes = 7;/|bin_minutes = 7"
)
for c in "${file_cases[@]}"; do
  what=${c%%|*}; rest=${c#*|}; expr=${rest%%|*}; marker=${rest#*|}
  sed "$expr" "$base" > "$tmp/bad.cfg"
  line=$(grep -nF "$marker" "$tmp/bad.cfg" | head -1 | cut -d: -f1)
  "$SMSIM" check "$tmp/bad.cfg" >/dev/null 2>"$tmp/check.err"; rc_check=$?
  "$SMSIM" run "$tmp/bad.cfg" --threads 1 -o "$tmp/out.h5" >/dev/null 2>"$tmp/run.err"; rc_run=$?
  if [ -z "$line" ]; then
    bad "$what: the edit did not apply"
  elif [ "$rc_check" != 2 ] || [ "$rc_run" != 2 ] || ! cmp -s "$tmp/check.err" "$tmp/run.err"; then
    bad "$what (file): check exit $rc_check, run exit $rc_run; check: $(head -1 "$tmp/check.err"); run: $(head -1 "$tmp/run.err")"
  elif ! grep -q "bad.cfg:$line: " "$tmp/check.err"; then
    bad "$what (file): line $line not named: $(head -1 "$tmp/check.err")"
  elif ls "$tmp" | grep -q '^out\.h5'; then
    bad "$what (file): run left an output file"
  else
    ok "$what (file, line $line): $(head -1 "$tmp/check.err")"
  fi
  rm -f "$tmp"/out.h5*
done

# And the same override accepted by both (a control: the refusals above
# are about the values, not the way they are passed).
"$SMSIM" check "$base" --set 'rollout.suppliers.[0].job_minutes_single=200' >/dev/null 2>"$tmp/err" &&
  ok "an in-range job length passes check" || bad "check refused an in-range job length: $(cat "$tmp/err")"

echo "check/run: $passes passed, $fails failed"
[ "$fails" = 0 ]
