#!/bin/sh
# fulfilctl report: one entry per rule R1-R16 with evidence; exit 1 while
# an order is past its wipe time. The clock is set up by the order's own
# dates: delivered two days ago, kept under retain_after_delivery = 30d,
# then read under a configuration that allows one day. Ends with the PII
# scan.
. "$top_srcdir/tests/lib/common.sh"
plan 12

mkdir "$T/in"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 4 >"$T/in/bulk.json"
"$PYTHON3" - "$T/in/bulk.json" "$T/in/orders.json" <<'PY'
import json, sys, time
d = json.load(open(sys.argv[1]))
now = int(time.time())
iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
for i, o in enumerate(d["orders"]):
    o["status"] = "delivered" if i == 0 else "unshipped"
    o["updated_at"] = iso(now - 2 * 86400 + 60)
    o["delivered_at"] = iso(now - 2 * 86400) if i == 0 else None
json.dump(d, open(sys.argv[2], "w"))
PY
conf=$(make_config "$T/st")
sed -i 's/^\[cache\]$/[cache]\nretain_after_delivery = 30d/' "$conf"
strict="$T/strict.conf"
sed 's/^retain_after_delivery = 30d$/retain_after_delivery = 1d/' "$conf" >"$strict"
chmod 600 "$strict"

"$FULFILCTL" --config "$conf" init >/dev/null 2>&1 || bail "init failed"
"$FULFILCTL" --config "$conf" import "$T/in/orders.json" >/dev/null 2>&1 || bail "import failed"

expect_exit 0 "report --json: no rule violated" "$FULFILCTL" --config "$conf" report --json
check "one entry per rule R1-R16, each with a status and evidence" "$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))
rules = [x["rule"] for x in r["rules"]]
assert rules == ["R%d" % i for i in range(1, 17)], rules
assert all(x["status"] in ("ok", "violated", "info") and
           isinstance(x["evidence"], dict) for x in r["rules"])
assert r["violated"] is False
by = {x["rule"]: x for x in r["rules"]}
assert by["R8"]["evidence"]["orders_with_pii"] == 4, by["R8"]
assert by["R8"]["evidence"]["orders_past_wipe_time"] == 0
assert by["R12"]["evidence"]["chain_verified"] is True
assert by["R6"]["evidence"]["key_epoch"] == 1
' "$T/out"
expect_exit 1 "past its wipe time: report exits 1" "$FULFILCTL" --config "$strict" report --json
check "R8 is violated with one order past its wipe time" "$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))
by = {x["rule"]: x for x in r["rules"]}
assert r["violated"] is True
assert by["R8"]["status"] == "violated", by["R8"]
assert by["R8"]["evidence"]["orders_past_wipe_time"] == 1, by["R8"]
assert [x["rule"] for x in r["rules"] if x["status"] == "violated"] == ["R8"]
' "$T/out"
check "stderr says a rule is violated" grep -q "violated" "$T/err"
expect_exit 1 "the text report exits 1 as well" "$FULFILCTL" --config "$strict" report
check "the text report lists R1 to R16" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do grep -q "^R$i " "$1" || exit 1; done' sh "$T/out"
check "and R8's line says violated" grep -q "^R8   violated" "$T/out"
expect_exit 0 "a sweep under that configuration wipes it" "$FULFILCTL" --config "$strict" purge --delivered
expect_exit 0 "then the report passes" "$FULFILCTL" --config "$strict" report --json
expect_exit 2 "report with a stray argument is a usage error" "$FULFILCTL" --config "$conf" report --bogus
check "no customer data in any file written" piiscan --exclude "$T/in" "$T/in/bulk.json" "$T"
finish
