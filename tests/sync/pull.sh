#!/bin/sh
# fulfilctl sync against the fake OMS over real TLS: a full pull of
# 10,000 orders in pages of 500, an incremental pull, events pushed
# exactly once each (the server counts idempotency keys), alerts, the
# bearer token and the client certificate; ends with the PII scan.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/sync.sh"
command -v openssl >/dev/null || skip_all "no openssl"
command -v "$CURL_BIN" >/dev/null || skip_all "no curl"
[ -n "${SQLITE3_CLI:-}" ] || skip_all "no sqlite3 CLI"
plan 30

PKI=$T/pki
make_pki "$PKI" || bail "cannot make the test PKI"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 10000 >"$T/orders.json"
umask 077
printf 'tok-%s\n' "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >"$T/token"
start_oms big --cert "$PKI/srv.pem" --key "$PKI/srv.key" \
    --orders "$T/orders.json" --token "$T/token"
URL=$OMS_URL
conf=$(sync_config "$T/a" "$URL" "token_file = $T/token
page_size = 500")
"$FULFILCTL" --config "$conf" init >/dev/null 2>&1

# -- full pull
expect_exit 0 "full pull of 10,000 orders" "$FULFILCTL" --config "$conf" sync --once
check "says 10000 orders in 20 pages, all new" \
    grep -q "pulled 10000 orders in 20 pages (10000 new, 0 updated" "$T/out"
check "no progress lines when stderr is not a terminal" test ! -s "$T/err"
"$FULFILCTL" --config "$conf" status --json >"$T/status.json"
# retain_after_delivery is 0d: data goes once delivered_at has passed
# (the generator dates some deliveries in the future: those stay).
DUE="(status = 'cancelled' OR (status = 'delivered' AND coalesce(delivered_at, updated_at) <= CAST(strftime('%s','now') AS INTEGER)))"
check "status: 10000 orders, data kept for all but delivered and cancelled" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["orders"] == 10000 and s["orders_with_pii"] == 10000 - int(sys.argv[2]), s
assert int(sys.argv[2]) > 100, sys.argv[2]
assert s["last_sync"] not in (None, "", "never"), s
' "$T/status.json" "$(sql "$conf" "SELECT count(*) FROM orders WHERE $DUE")"
check "delivered and cancelled orders hold no customer data after the sync" test \
    "$(sql "$conf" "SELECT count(*) FROM orders WHERE $DUE AND (sealed IS NOT NULL OR dek IS NOT NULL)")" = 0
oms_stats "$URL" "$T/stats1.json"
check "the server saw exactly 20 page requests" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["requests"]["pull"] == 20, s["requests"]
' "$T/stats1.json"
expect_exit 0 "every order decrypts" "$FULFILCTL" --config "$conf" check

# -- incremental pull
expect_exit 0 "a second sync with nothing new" "$FULFILCTL" --config "$conf" sync --once
check "pulls nothing" grep -q "pulled 0 orders in 1 pages" "$T/out"
oms_ctl "$URL" '{"update": {"ids": ["D-1001", "D-1002", "D-5000"], "status": "shipped"}}'
expect_exit 0 "incremental pull" "$FULFILCTL" --config "$conf" sync --once
check "only the 3 changed orders, as updates" \
    grep -q "pulled 3 orders in 1 pages (0 new, 3 updated" "$T/out"
check "the cache holds the server's newer status" test \
    "$(sql "$conf" "SELECT status FROM orders WHERE id='D-5000'")" = shipped
oms_ctl "$URL" '{"update": {"ids": ["D-1001"], "status": "delivered"}}'
oms_ctl "$URL" '{"update": {"ids": ["D-5000"], "status": "cancelled"}}'
check "D-1001 and D-5000 hold data before" test \
    "$(sql "$conf" "SELECT count(*) FROM orders WHERE id IN ('D-1001','D-5000') AND sealed IS NOT NULL")" = 2
expect_exit 0 "a sync reports one delivered and one cancelled" "$FULFILCTL" --config "$conf" sync --once
check "says their customer data was wiped" grep -q "customer data wiped from 2 orders" "$T/out"
check "both keep a tombstone without data" test \
    "$(sql "$conf" "SELECT count(*) FROM orders WHERE id IN ('D-1001','D-5000') AND sealed IS NULL AND dek IS NULL")" = 2

# -- the outbox: events pushed once each, in order per order
sql "$conf" "INSERT INTO outbox (order_id, event, at, user, idem_key) VALUES
 ('D-1001','picked',1795000000,'ada','k-1'),
 ('D-1002','picked',1795000001,'ada','k-2'),
 ('D-1001','packed',1795000002,'bob','k-3'),
 ('D-1001','labelled',1795000003,'bob','k-4');
 INSERT INTO outbox (order_id, event, at, user, tracking, idem_key) VALUES
 ('D-1001','shipped',1795000004,'cy','TRK123','k-5');"
expect_exit 0 "push the outbox" "$FULFILCTL" --config "$conf" sync --once
check "says 5 events pushed, outbox 0" grep -q "pushed 5 events.*outbox 0" "$T/out"
check "the outbox is empty" test "$(sql "$conf" "SELECT count(*) FROM outbox")" = 0
oms_stats "$URL" "$T/stats2.json"
check "the server got each key once, in order per order" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["received"] == {"k-%d" % i: 1 for i in range(1, 6)}, s["received"]
assert s["applied"]["D-1001"] == ["picked", "packed", "labelled", "shipped"], s["applied"]
assert s["applied"]["D-1002"] == ["picked"], s["applied"]
' "$T/stats2.json"
expect_exit 0 "a sync after that pushes nothing" "$FULFILCTL" --config "$conf" sync --once
check "no event sent twice" grep -q "pushed 0 events" "$T/out"

# -- the token file
chmod 640 "$T/token"
sql "$conf" "INSERT INTO outbox (order_id, event, at, user, idem_key) VALUES ('D-1003','picked',1795000009,'ada','k-6')"
expect_exit 2 "a token file others can read is refused" "$FULFILCTL" --config "$conf" sync --once
check "the message names the file and the fix" grep -q "token_file $T/token: readable by group or others.*chmod 600" "$T/err"
check "nothing pushed then" test "$(sql "$conf" "SELECT count(*) FROM outbox")" = 1
chmod 600 "$T/token"
printf 'tok-wrong\n' >"$T/token2"
chmod 600 "$T/token2"
conf2=$(sync_config "$T/b" "$URL" "token_file = $T/token2")
"$FULFILCTL" --config "$conf2" init >/dev/null 2>&1
expect_exit 1 "a wrong token: 401, sync stops" "$FULFILCTL" --config "$conf2" sync --once
check "the message says the credentials were refused" grep -q "refused this station's credentials (HTTP 401); sync stopped" "$T/err"

# -- client certificate (the server demands one)
start_oms mtls --cert "$PKI/srv.pem" --key "$PKI/srv.key" \
    --orders "$T/orders.json" --client-ca "$PKI/ca.pem"
conf3=$(sync_config "$T/c" "$OMS_URL" "page_size = 1000
client_cert = $PKI/cli.pem
client_key = $PKI/cli.key")
"$FULFILCTL" --config "$conf3" init >/dev/null 2>&1
expect_exit 0 "a pull with a client certificate" "$FULFILCTL" --config "$conf3" sync --once
check "10 pages of 1000" grep -q "pulled 10000 orders in 10 pages" "$T/out"
stop_oms mtls

rm -f "$T/token" "$T/token2"
pii_sample "$T/orders.json" "$T/sample.json"
check "no customer data in any file written" piiscan \
    --exclude "$T/orders.json" --exclude "$T/sample.json" "$T/sample.json" "$T"
finish
