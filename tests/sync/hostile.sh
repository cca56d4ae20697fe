#!/bin/sh
# A hostile or broken order system: truncated JSON, wrong types, invalid
# UTF-8, a 100 MB body, a slowloris (1 byte/s), a 429 storm with
# Retry-After, a 500 storm, 401. Bad pages leave the cache as it was
# (the pages before them stay, with their cursor); retries are bounded;
# security alerts wait in the audit log until the server takes them.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/sync.sh"
command -v openssl >/dev/null || skip_all "no openssl"
command -v "$CURL_BIN" >/dev/null || skip_all "no curl"
[ -n "${SQLITE3_CLI:-}" ] || skip_all "no sqlite3 CLI"
plan 56

PKI=$T/pki
make_pki "$PKI" || bail "cannot make the test PKI"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 50 >"$T/orders.json"
start_oms h --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json"
URL=$OMS_URL

requests() {	# requests KIND: how many the server saw since the last reset
	oms_stats "$URL" "$T/stats.json"
	"$PYTHON3" -c '
import json, sys
print(json.load(open(sys.argv[1]))["requests"].get(sys.argv[2], 0))
' "$T/stats.json" "$1"
}

station() {	# station NAME [EXTRA]: a fresh station, pages of 20
	_c=$(sync_config "$T/$1" "$URL" "page_size = 20
${2:-}")
	"$FULFILCTL" --config "$_c" init >/dev/null 2>&1
	echo "$_c"
}

state() {	# state CONF: "orders cursor"
	echo "$(sql "$1" "SELECT count(*) FROM orders") $(sql "$1" "SELECT value FROM meta WHERE key='sync_cursor'")"
}

# -- bad second pages: the first page stays, the bad one is not written
for mode in truncated wrong-types invalid-utf8; do
	c=$(station "$mode")
	oms_ctl "$URL" "{\"mode\": \"$mode\", \"target\": \"pull\", \"after\": 1}"
	expect_exit 1 "$mode: sync fails" "$FULFILCTL" --config "$c" sync --once
	diag "$mode: $(cat "$T/err")"
	case $mode in
	wrong-types) want="page refused: 2 of 20 orders failed validation; nothing written \(order D-10[0-9][0-9]: " ;;
	*) want="GET /orders: page refused: page: not valid JSON \(UTF-8\) at line [0-9]+, column [0-9]+" ;;
	esac
	check "$mode: the message says which page problem" grep -Eq "$want" "$T/err"
	check "$mode: the first page is stored with its cursor, the bad one not" \
	    test "$(state "$c")" = "20 v20"
	check "$mode: audited as sync-page-refused" \
	    test "$(sql "$c" "SELECT count(*) FROM audit WHERE kind = 71")" = 1
	oms_ctl "$URL" '{"mode": "ok"}'
	expect_exit 0 "$mode: the next good sync goes on from the cursor" "$FULFILCTL" --config "$c" sync --once
	check "$mode: and gets the rest" grep -q "pulled 30 orders in 2 pages (30 new" "$T/out"
done

# -- 100 MB body (chunked: no Content-Length for libcurl to check first)
c=$(station huge)
oms_ctl "$URL" '{"mode": "huge", "target": "pull"}'
expect_exit 1 "100 MB body: refused" "$FULFILCTL" --config "$c" sync --once
check "100 MB body: the message gives the cap" grep -q "GET /orders: the answer is larger than 33554432 bytes; refused" "$T/err"
check "100 MB body: nothing written" test "$(state "$c")" = "0 "

# -- slowloris: 1 byte/s is cut off by [sync] timeout
c=$(SYNC_TIMEOUT=2s; station slow)
oms_ctl "$URL" '{"mode": "slowloris", "target": "pull"}'
expect_exit 1 "slowloris: cut off" "$FULFILCTL" --config "$c" sync --once
check "slowloris: the message says timed out" grep -q "GET /orders: timed out" "$T/err"
check "slowloris: nothing written" test "$(state "$c")" = "0 "

# -- 429 storm: Retry-After honoured, clamped; one request per run
c=$(station busy)
oms_ctl "$URL" '{"mode": "429", "retry_after": "7", "reset_stats": true}'
expect_exit 1 "429: sync fails" "$FULFILCTL" --config "$c" sync --once
check "429: says retry after 7 s" grep -q "the order system is busy (HTTP 429); retry after 7 s" "$T/err"
check "429: one request, no retry loop" test "$(requests pull)" = 1
oms_ctl "$URL" '{"mode": "429", "retry_after": "999999", "reset_stats": true}'
expect_exit 1 "429 with a huge Retry-After" "$FULFILCTL" --config "$c" sync --once
check "429: Retry-After clamped to 3600 s" grep -q "retry after 3600 s" "$T/err"
oms_ctl "$URL" '{"mode": "429", "retry_after": "3", "reset_stats": true}'
c2=$(station busyloop "interval = 1s")
"$FULFILCTL" --config "$c2" sync >"$T/loop.out" 2>"$T/loop.err" &
pid=$!
sleep 2
kill -TERM $pid
# It must end within a few seconds; never let a stuck loop hang the suite.
( sleep 10; kill -9 $pid 2>/dev/null ) &
guard=$!
wait $pid
rc=$?
kill $guard 2>/dev/null
check "429: the sync loop (interval 1s) waits Retry-After 3s, not 1s" test "$(requests pull)" = 1
check "429: the loop ends on SIGTERM with 0" test $rc -eq 0
check "429: nothing written" test "$(state "$c")" = "0 "

# -- 500 storm on events: bounded, kept, then pushed once each
c=$(station storm)
for i in 1 2 3 4 5 6; do
	sql "$c" "INSERT INTO outbox (order_id, event, at, user, idem_key) VALUES ('D-100$i','picked',179500000$i,'ada','s-$i')"
done
oms_ctl "$URL" '{"mode": "500", "target": "events", "reset_stats": true}'
expect_exit 1 "500 storm: sync fails" "$FULFILCTL" --config "$c" sync --once
check "500 storm: the message says server error" grep -q "POST /orders/D-1001/events: server error (HTTP 500)" "$T/err"
check "500 storm: at most 3 tries in a row, then the push stops" test "$(requests events)" = 3
check "500 storm: every event kept" test "$(sql "$c" "SELECT count(*) FROM outbox")" = 6
check "500 storm: the tried ones back off (attempts 1, next_attempt 2.5-5 s ahead)" \
    test "$(sql "$c" "SELECT count(*) FROM outbox WHERE attempts = 1 AND next_attempt - strftime('%s','now') BETWEEN 1 AND 5")" = 3
check "500 storm: the pull still ran" grep -q "pulled 50 orders" "$T/out"
expect_exit 1 "500 storm: a second run at once" "$FULFILCTL" --config "$c" sync --once
check "500 storm: tries only the 3 not backing off" test "$(requests events)" = 6
oms_ctl "$URL" '{"mode": "ok"}'
expect_exit 0 "server back: a sync right away succeeds" "$FULFILCTL" --config "$c" sync --once
check "leaving only events still backing off" \
    test "$(sql "$c" "SELECT count(*) FROM outbox WHERE next_attempt < strftime('%s','now') - 1")" = 0
sleep 6
expect_exit 0 "after the backoff" "$FULFILCTL" --config "$c" sync --once
check "every event pushed" test "$(sql "$c" "SELECT count(*) FROM outbox")" = 0
oms_stats "$URL" "$T/stats.json"
check "the server applied each key once" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
for i in range(1, 7):
    assert s["received"]["s-%d" % i] == 1, s["received"]
' "$T/stats.json"

# -- 500 on the pull: nothing written
c=$(station pull500)
oms_ctl "$URL" '{"mode": "500", "target": "pull"}'
expect_exit 1 "500 on the pull: fails" "$FULFILCTL" --config "$c" sync --once
check "500 on the pull: nothing written" test "$(state "$c")" = "0 "

# -- 401: sync stops (the loop too), an alert waits for the server
c=$(station auth "interval = 1s")
oms_ctl "$URL" '{"mode": "401"}'
expect_exit 1 "401: the sync loop stops at once" timeout 20 "$FULFILCTL" --config "$c" sync
check "401: the message says sync stopped" grep -q "GET /orders: the order system refused this station's credentials (HTTP 401); sync stopped" "$T/err"
check "401: audited as sync-auth-refused (HTTP 401)" \
    test "$(sql "$c" "SELECT count FROM audit WHERE kind = 72")" = 401
oms_ctl "$URL" '{"mode": "ok"}'
expect_exit 0 "credentials fixed: sync runs" "$FULFILCTL" --config "$c" sync --once
check "the waiting alert was pushed" grep -q "1 alerts" "$T/out"
oms_stats "$URL" "$T/stats.json"
check "alerts: typed JSON, each once, from every station that had one" "$PYTHON3" -c '
import json, sys
a = json.load(open(sys.argv[1]))["alerts"]
kinds = sorted(x["kind"] for x in a)
assert kinds.count("sync-auth-refused") == 1, kinds
assert kinds.count("sync-page-refused") == 3, kinds
for x in a:
    assert x["type"] == "security" and x["key"].startswith("alert-"), x
    assert set(x) <= {"type", "kind", "seq", "at", "station", "result", "key",
                      "actor", "subject", "order_id", "count"}, x
' "$T/stats.json"
expect_exit 0 "a sync after that" "$FULFILCTL" --config "$c" sync --once
check "pushes no alert twice" grep -q " 0 alerts" "$T/out"

check "no customer data in any file written" piiscan --exclude "$T/orders.json" "$T/orders.json" "$T"
finish
