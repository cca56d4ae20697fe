#!/bin/sh
# Crash safety: kill -9 `fulfilctl sync` at 50 random points during pull
# and push (pages are stored in transactions, events deleted after the
# server's answer). After each kill the database passes PRAGMA
# integrity_check; after a final clean sync the server has applied every
# event exactly once, the cache matches the server, and the audit chain
# verifies.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/sync.sh"
command -v openssl >/dev/null || skip_all "no openssl"
command -v "$CURL_BIN" >/dev/null || skip_all "no curl"
[ -n "${SQLITE3_CLI:-}" ] || skip_all "no sqlite3 CLI"
KILLS=50
plan $((KILLS + 7))

PKI=$T/pki
make_pki "$PKI" || bail "cannot make the test PKI"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 2000 >"$T/orders.json"
start_oms c --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json"
URL=$OMS_URL
# A little latency per answer spreads the kills over the whole run.
oms_ctl "$URL" '{"delay_ms": 4}'
conf=$(sync_config "$T/s" "$URL" "page_size = 100")
"$FULFILCTL" --config "$conf" init >/dev/null 2>&1

seed=${FULFIL_CRASH_SEED:-$$}
diag "seed $seed (FULFIL_CRASH_SEED to repeat)"
awk -v s="$seed" -v n="$KILLS" 'BEGIN { srand(s); for (i = 0; i < n; i++)
    printf "%.3f %d\n", rand() * 1.2, int(rand() * 2000) }' >"$T/plan"

"$PYTHON3" -c '
import json, sys
for o in json.load(open(sys.argv[1]))["orders"]:
    if o["status"] in ("unshipped", "shipped"):
        print(o["id"])
' "$T/orders.json" >"$T/live.txt"
i=0
ev=0
hits=0
while read -r delay pick; do
	i=$((i + 1))
	# Work for this round: new events, and orders changed at the server.
	for k in 1 2 3 4 5; do
		ev=$((ev + 1))
		o=$((1001 + (pick + k * 37) % 2000))
		echo "INSERT INTO outbox (order_id, event, at, user, idem_key) VALUES ('D-$o','picked',$((1795000000 + ev)),'ada','c-$ev');"
	done >"$T/ev.sql"
	sql "$conf" ".read $T/ev.sql"
	# Shipped updates go to one half of the orders not yet delivered or
	# cancelled, deliveries to the other: a delivered order is wiped and
	# stays a tombstone, so the server must never take it back
	# (doc/sync-protocol.md).
	st=shipped
	[ $((i % 5)) -eq 0 ] && st=delivered
	ids=$("$PYTHON3" -c '
import sys
live = open(sys.argv[1]).read().split()
half = len(live) // 2
pool = live[:half] if sys.argv[3] == "shipped" else live[half:]
p = int(sys.argv[2])
print(",".join("\"%s\"" % pool[(p + j * 13) % len(pool)] for j in range(60)))
' "$T/live.txt" "$pick" "$st")
	oms_ctl "$URL" "{\"update\": {\"ids\": [$ids], \"status\": \"$st\"}}"

	"$FULFILCTL" --config "$conf" sync --once >"$T/run.out" 2>"$T/run.err" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null && hits=$((hits + 1))
	wait "$pid" 2>/dev/null
	r=$(sql "$conf" "PRAGMA integrity_check" 2>&1)
	if [ "$r" = ok ]; then
		ok "kill $i after ${delay}s: integrity_check ok"
	else
		fail "kill $i after ${delay}s: integrity_check: $r"
	fi
done <"$T/plan"

diag "$hits of $KILLS kills found sync still running (the rest had finished)"
oms_ctl "$URL" '{"delay_ms": 0}'
expect_exit 0 "a final clean sync" "$FULFILCTL" --config "$conf" sync --once
# An event whose push was cut after the server took it is sent again and
# answered 409: still applied once. None is ever backing off here (no
# server error), so one clean run empties the outbox.
check "the outbox is empty" test "$(sql "$conf" "SELECT count(*) FROM outbox")" = 0
oms_stats "$URL" "$T/stats.json"
sql "$conf" "SELECT id, status, updated_at, (sealed IS NULL) FROM orders" >"$T/cache.txt"
check "the server applied every event exactly once" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
keys = ["c-%d" % k for k in range(1, n + 1)]
missing = [k for k in keys if s["received"].get(k, 0) < 1]
assert not missing, missing[:5]
applied = sum(len(v) for v in s["applied"].values())
assert applied == n, (applied, n)
' "$T/stats.json" "$ev"
diag "events sent again after a kill (answered 409): $("$PYTHON3" -c '
import json, sys
print(sum(v - 1 for v in json.load(open(sys.argv[1]))["received"].values()))' "$T/stats.json")"
check "the cache matches the server: every order, status and updated_at" "$PYTHON3" -c '
import calendar, json, sys, time
s = json.load(open(sys.argv[1]))
cache, wiped_ids = {}, {}
for line in open(sys.argv[2]):
    i, st, up, wiped = line.rstrip("\n").split("|")
    cache[i] = (st, int(up))
    wiped_ids[i] = wiped == "1"
want = {i: (s["statuses"][i],
            calendar.timegm(time.strptime(u, "%Y-%m-%dT%H:%M:%SZ")))
        for i, u in s["orders"].items()}
assert set(cache) == set(want), len(set(cache) ^ set(want))
# A wiped order is a tombstone: later updates of a delivered order are
# not taken (its data is gone); only its final status must agree.
bad = [i for i in want if cache[i] != want[i] and
       not (wiped_ids.get(i) and cache[i][0] == want[i][0])]
assert not bad, [(i, cache[i], want[i]) for i in bad[:5]]
' "$T/stats.json" "$T/cache.txt"
DUE="(status = 'cancelled' OR (status = 'delivered' AND coalesce(delivered_at, updated_at) <= CAST(strftime('%s','now') AS INTEGER)))"
check "delivered and cancelled orders hold no customer data" test \
    "$(sql "$conf" "SELECT count(*) FROM orders WHERE $DUE AND sealed IS NOT NULL")" = 0
expect_exit 0 "the audit chain verifies" "$FULFILCTL" --config "$conf" audit --verify
pii_sample "$T/orders.json" "$T/sample.json"
check "no customer data in any file written" piiscan \
    --exclude "$T/orders.json" --exclude "$T/sample.json" "$T/sample.json" "$T"
finish
