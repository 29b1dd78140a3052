#!/usr/bin/env bash
# The DCC's worst-day scenarios (dcc-storm, dcc-price-change, dcc-firmware,
# dcc-settlement) pass `smsim check` and run at reduced scale (280,000
# hubs instead of 28 million); each run's /dcc shows its event: the
# storm's alerts in the outage's regions only, the pushes on their dates,
# the campaign's images through the North's link, the settlement's
# half-hourly collections from its date; the storm gives identical
# datasets at 1 and 2 threads, also with background interruptions on.
set -u
SMSIM=${SMSIM:-build/smsim}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "  ok: $*"; }
bad()  { fails=$((fails+1)); echo "  FAIL: $*"; }
SMALL="--set dcc.initial_fleet.hubs=280000"

for s in storm price-change firmware settlement; do
  f=scenarios/dcc-$s.cfg
  if "$SMSIM" check "$f" >"$tmp/out" 2>&1; then ok "check $f"; else bad "check $f: $(cat "$tmp/out")"; fi
  if "$SMSIM" run "$f" $SMALL --threads 2 -o "$tmp/$s.h5" --quiet >"$tmp/out" 2>&1; then ok "run $f at 280,000 hubs"
  else bad "run $f: $(tail -5 "$tmp/out")"; fi
done

"$SMSIM" run scenarios/dcc-storm.cfg $SMALL --threads 1 -o "$tmp/storm1.h5" --quiet >/dev/null 2>&1
if h5diff --exclude-attribute / "$tmp/storm.h5" "$tmp/storm1.h5" >"$tmp/diff" 2>&1; then ok "storm: identical datasets at 1 and 2 threads"
else bad "storm differs between 1 and 2 threads: $(head -10 "$tmp/diff")"; fi

# Background power interruptions (dcc.outages) on the storm's request-level
# day, at 20 a premises-year so the 280,000 hubs see some: identical
# datasets at 1 and 2 threads, and their hubs' alerts on top of the storm's.
BG="--set dcc.outages.enabled=true --set dcc.outages.interruptions_per_premises_year=20"
for t in 1 2; do
  "$SMSIM" run scenarios/dcc-storm.cfg $SMALL $BG --threads $t -o "$tmp/bg$t.h5" --quiet >"$tmp/out" 2>&1 ||
    bad "storm with background interruptions at $t threads: $(tail -3 "$tmp/out")"
done
if h5diff --exclude-attribute / "$tmp/bg1.h5" "$tmp/bg2.h5" >"$tmp/diff" 2>&1; then
  ok "storm + background interruptions: identical datasets at 1 and 2 threads"
else bad "storm + background interruptions differ between 1 and 2 threads: $(head -10 "$tmp/diff")"; fi

# What each run must show (service indices: 15 outage, 16 restored, 17 tariff, 18 firmware, 19 half-hourly collection).
if "$PY" - "$tmp" >"$tmp/py" 2>&1 <<'PYEOF'
import sys, h5py, numpy as np
t = sys.argv[1]
def svc(g, name):
    labels = [x.decode() if isinstance(x, bytes) else x for x in g["service"][:]]
    return labels.index(name)
g = h5py.File(t + "/storm.h5")["dcc"]
o, b = svc(g, "power outage alert (last gasp)"), svc(g, "power restored alert")
rq = g["requests"][0]
# 280,000 hubs x [0.30, 0.33, 0.37]: 84,000 / 92,400 / 103,600; out: 60 % of north, 55 % of central, none in the south
assert rq[o].tolist() == [50400.0, 50820.0, 0.0], rq[o]
assert rq[b].tolist() == [50400.0, 50820.0, 0.0], rq[b]
assert np.all(g["completed"][0][o] == rq[o])
arr = g["detail/arrivals"][0][:, o]
assert np.nonzero(arr)[0].tolist() == [17 * 60 + 33], np.nonzero(arr)[0]   # 17:30 + the 3-minute delay
rb = np.nonzero(g["detail/arrivals"][0][:, b])[0]
assert rb.min() >= 17 * 60 + 50 and rb.max() <= 17 * 60 + 50 + 32, rb     # after 20 min, over 30 (+2 jitter)
assert g["suppressed"][0][0].tolist() == [100800.0, 101640.0, 0.0]         # consolidation: 2 alerts -> 1
# background interruptions: 280,000 x 20 / 365.25 / 250 ~ 61 a day; each hub cut (>= 3 min, the last-gasp
# delay) alerts, unless its alert falls after midnight (a one-day run): between 0 and its hubs, on top of the storm
g = h5py.File(t + "/bg1.h5")["dcc"]
n, p = g["outage_interruptions"][0], g["outage_premises"][0]
assert n.sum() > 20 and p.sum() >= n.sum(), (n, p)
extra = g["requests"][0][o] - np.array([50400.0, 50820.0, 0.0])
assert np.all(extra >= 0) and np.all(extra <= p) and extra.sum() > 0.5 * p.sum(), (extra, p)
assert np.all(g["alerts_raised"][0] == 2 * (g["requests"][0][o] + g["requests"][0][b])), g["alerts_raised"][0]
g = h5py.File(t + "/price-change.h5")["dcc"]
tq = svc(g, "tariff update (price change)")
meters = g["fleet_meters"][0].sum()
assert abs(g["requests"][:, tq].sum() - meters) < 0.5, (g["requests"][:, tq].sum(), meters)
g = h5py.File(t + "/firmware.h5")["dcc"]
fw = svc(g, "firmware image distribution")
assert g["requests"][:, fw, 1:].sum() == 0 and g["requests"][:, fw, 0].sum() == 84000
assert g["wan_bytes"][0, 0] > 84000 * 300000 * 0.99                         # the images crossed the North's link
assert g["event_devices"][0] == 84000
g = h5py.File(t + "/settlement.h5")["dcc"]
hh, dl = svc(g, "half-hourly data collection (settlement)"), svc(g, "09.04 scheduled read (daily data)")
assert g["requests"][0, hh].sum() == 0 and g["requests"][1, dl].sum() == 0
assert g["requests"][1, hh].sum() == g["requests"][0, dl].sum()
print("all event checks passed")
PYEOF
then ok "$(tail -1 "$tmp/py")"; else bad "event checks: $(tail -8 "$tmp/py")"; fi

# Install traffic at the hours people work: small.cfg with a detail day every
# half year; the back office's pre-notifications (and the remote and
# migration commissionings) fall in the suppliers' working day (08:00-17:00
# by default), spread over its 36 quarter hours, not all in one (before:
# every pre-notification at 09:00-09:15, 30 % of commissionings at 02:00).
"$SMSIM" run scenarios/small.cfg --set dcc.detail.every_n_days=183 --set dcc.detail.bin_minutes=15 \
    --threads 2 -o "$tmp/small.h5" --quiet >/dev/null 2>&1
if "$PY" - "$tmp/small.h5" >"$tmp/py" 2>&1 <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
lab = [x.decode() if isinstance(x, bytes) else x for x in f["dcc/service"][:]]
a = f["dcc/detail/arrivals"][...]
x = a[:, :, lab.index("1.5 install pre-notification")].sum(0)
n = x.sum()
assert n >= 30, n
q = np.nonzero(x)[0]
assert q.min() >= 8 * 4 and q.max() < 17 * 4, q / 4          # within 08:00-17:00
# uniform over 36 quarter hours: a quarter's share is ~Binomial(n, 1/36) / n; 0.3 is far above it
assert x.max() / n < 0.3, x.max() / n
c = a[:, :, lab.index("3.6/3.8 commission")].sum(0)
assert c[8:9].sum() <= 0.05 * c.sum(), c[8:9].sum() / c.sum()   # 02:00-02:15
print(f"{n} pre-notifications over {len(q)} quarter hours, busiest {x.max() / n:.0%}")
PYEOF
then ok "install messages in working hours: $(tail -1 "$tmp/py")"; else bad "install message times: $(tail -5 "$tmp/py")"; fi

echo "dcc events: $passes passed, $fails failed"
[ "$fails" = 0 ]
