#!/bin/sh
# Remote wipe: a page with "wipe": true erases the cache as purge --all
# does; the signed deletion certificate reaches {url}/alerts and verifies
# against the station's public key; no customer data is left.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/sync.sh"
command -v openssl >/dev/null || skip_all "no openssl"
command -v "$CURL_BIN" >/dev/null || skip_all "no curl"
[ -n "${SQLITE3_CLI:-}" ] || skip_all "no sqlite3 CLI"
plan 13

PKI=$T/pki
make_pki "$PKI" || bail "cannot make the test PKI"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 200 >"$T/orders.json"
start_oms w --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json"
conf=$(sync_config "$T/s" "$OMS_URL" "page_size = 50")
"$FULFILCTL" --config "$conf" init >/dev/null 2>&1
expect_exit 0 "a first sync fills the cache" "$FULFILCTL" --config "$conf" sync --once
check "200 orders" grep -q "pulled 200 orders in 4 pages" "$T/out"
sql "$conf" "INSERT INTO outbox (order_id, event, at, user, idem_key) VALUES ('D-1001','picked',1795000000,'ada','w-1')"
oms_ctl "$OMS_URL" '{"mode": "wipe", "target": "pull"}'
expect_exit 0 "a page with \"wipe\": true" "$FULFILCTL" --config "$conf" sync --once
check "says the cache was erased" grep -q "remote wipe: the cache was erased as the order system asked" "$T/out"
check "the event queued before was pushed first" grep -q "pushed 1 events" "$T/out"
check "no cache.db left" test ! -e "$T/s/data/cache.db"
check "no key file left" test ! -e "$T/s/keys/cache.key"
oms_stats "$OMS_URL" "$T/stats.json"
check "the server got one wipe certificate" "$PYTHON3" -c '
import json, sys
a = [x for x in json.load(open(sys.argv[1]))["alerts"] if x["type"] == "wipe-certificate"]
assert len(a) == 1, a
assert a[0]["key"].startswith("wipe-"), a[0]
json.dump(a[0]["certificate"], open(sys.argv[2], "w"), indent=2)
' "$T/stats.json" "$T/cert.json"
expect_exit 0 "the certificate verifies against the station's key" "$FULFILCTL" --config "$conf" verify-certificate "$T/cert.json"
check "it says the OMS ordered it" grep -q '"remote"' "$T/cert.json"
expect_exit 1 "the station cannot sync any more" "$FULFILCTL" --config "$conf" sync --once
check "because its key is gone" grep -q "cache.key does not exist" "$T/err"
check "no customer data in any file written" piiscan --exclude "$T/orders.json" "$T/orders.json" "$T"
finish
