#!/bin/sh
# fulfilctl import of the demo orders with each cipher, then a byte scan of
# every file the run wrote for every piece of customer data it imported.
. "$top_srcdir/tests/lib/common.sh"
ciphers="aes256gcm xchacha20poly1305"
grep -qw aes /proc/cpuinfo 2>/dev/null || ciphers="xchacha20poly1305"
n=$(echo $ciphers | wc -w)
plan $((n * 8 + 1))

count=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["orders"]))' "$DATA/demo-orders.json")
# Delivered and cancelled orders (and any shipped over 30 days ago) are
# wiped by the retention sweep that ends every import.
kept=$("$PYTHON3" -c '
import json, sys, time, calendar
t = lambda s: calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))
now = time.time()
def wiped(o):
    if o["status"] == "cancelled":
        return True
    if o["status"] == "delivered":
        return t(o.get("delivered_at") or o["updated_at"]) <= now
    return o["status"] == "shipped" and t(o["updated_at"]) + 30 * 86400 <= now
print(sum(not wiped(o) for o in json.load(open(sys.argv[1]))["orders"]))' "$DATA/demo-orders.json")
check "the demo has at least 300 orders" test "$count" -ge 300

for c in $ciphers; do
	conf=$(make_config "$T/$c" "$c")
	"$FULFILCTL" --config "$conf" init >"$T/$c/init.out" 2>&1
	expect_exit 0 "$c: import of the demo orders" "$FULFILCTL" --config "$conf" import "$DATA/demo-orders.json"
	check "$c: says imported $count orders" grep -qx "imported $count orders" "$T/out"
	cp "$T/out" "$T/$c/import.out"; cp "$T/err" "$T/$c/import.err"
	"$FULFILCTL" --config "$conf" status --json >"$T/$c/status.json" 2>"$T/$c/status.err"
	check "$c: status counts every order, with data only the undelivered" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
n, k = int(sys.argv[2]), int(sys.argv[4])
assert k < n, (k, n)
assert s["orders"] == n and s["orders_with_pii"] == k, s
assert s["cipher"] == sys.argv[3], s
assert s["ciphers_in_use"][sys.argv[3]] == k, s
' "$T/$c/status.json" "$count" "$c" "$kept"
	expect_exit 0 "$c: every order decrypts" "$FULFILCTL" --config "$conf" check
	expect_exit 0 "$c: re-import changes nothing" "$FULFILCTL" --config "$conf" import - <"$DATA/demo-orders.json"
	check "$c: re-import reports them unchanged" grep -q "$count unchanged" "$T/out"
	cp "$T/out" "$T/$c/reimport.out"
	check "$c: no WAL or journal left outside the data dir" test -z "$(find "$T/$c" -name '*-journal' -o -name '*.tmp')"
	# Everything this run wrote: the data dir, the keys, the captured
	# stdout/stderr, and the work dir itself.
	check "$c: no customer data in any file written" piiscan "$DATA/demo-orders.json" "$T"
done
finish
