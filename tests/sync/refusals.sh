#!/bin/sh
# Connections sync must refuse, each with a clear message and nothing
# written: an http:// URL (at config load), a self-signed server, an
# expired certificate, a wrong host name, a server limited to TLS 1.0/1.1,
# a pin mismatch, a redirect to http://.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/sync.sh"
command -v openssl >/dev/null || skip_all "no openssl"
command -v "$CURL_BIN" >/dev/null || skip_all "no curl"
[ -n "${SQLITE3_CLI:-}" ] || skip_all "no sqlite3 CLI"
plan 28

PKI=$T/pki
make_pki "$PKI" || bail "cannot make the test PKI"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 20 >"$T/orders.json"

# nothing_written CONF: no order, no cursor, no last_sync, outbox as set.
nothing_written() {
	test "$(sql "$1" "SELECT count(*) FROM orders") \
$(sql "$1" "SELECT count(*) FROM meta WHERE key IN ('sync_cursor','last_sync')") \
$(sql "$1" "SELECT count(*) FROM outbox")" = "0 0 1"
}

# refused NAME URL WHY-REGEX [EXTRA-CONFIG]: sync --once exits 1 with WHY.
refused() {
	_c=$(sync_config "$T/$1" "$2" "${4:-}")
	"$FULFILCTL" --config "$_c" init >/dev/null 2>&1
	sql "$_c" "INSERT INTO outbox (order_id, event, at, user, idem_key) VALUES ('D-1001','picked',1795000000,'ada','$1-k')"
	expect_exit 1 "$1: refused" "$FULFILCTL" --config "$_c" sync --once
	diag "$1: $(cat "$T/err")"
	if grep -Eq "$3" "$T/err"; then
		ok "$1: the message says why"
	else
		fail "$1: the message says why: $(cat "$T/err")"
	fi
	check "$1: nothing written" nothing_written "$_c"
}

# -- http:// at config load
c=$(make_config "$T/http")
printf '[sync]\nurl = http://127.0.0.1:1/api\n' >>"$c"
expect_exit 2 "http:// URL: a configuration error" "$FULFILCTL" --config "$c" sync --once
check "http:// URL: the message names the key" grep -q "\[sync\] url: http:// is not allowed, use https://" "$T/err"
check "http:// URL: no data dir made" test ! -e "$T/http/data"

# -- certificates
start_oms self --cert "$PKI/self.pem" --key "$PKI/self.key" --orders "$T/orders.json"
refused self-signed "$OMS_URL" "GET /orders: SSL certificate problem: self.signed certificate|POST /orders/D-1001/events: SSL certificate problem: self.signed certificate"
start_oms exp --cert "$PKI/exp.pem" --key "$PKI/exp.key" --orders "$T/orders.json"
refused expired "$OMS_URL" "certificate has expired"
start_oms wrong --cert "$PKI/wrong.pem" --key "$PKI/wrong.key" --orders "$T/orders.json"
refused wrong-host "$OMS_URL" "(subject name|does not match|no alternative certificate subject name).*127\.0\.0\.1"

# -- old TLS: Debian's OpenSSL 3 may refuse to speak TLS 1.0/1.1 at all;
# either way the handshake must fail and nothing be written.
start_oms tls10 --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json" --tls-max 1.0
refused tls1.0 "$OMS_URL" "TLS handshake failed"
# Is it our client that refuses, or could the server not speak 1.0 at all?
if "$CURL_BIN" -sS --cacert "$PKI/ca.pem" --tlsv1.0 --tls-max 1.0 \
    --ciphers 'DEFAULT:@SECLEVEL=0' -o /dev/null "$OMS_URL/_stats" 2>/dev/null; then
	ok "tls1.0: the server does speak TLS 1.0 (curl --tls-max 1.0 got through): the refusal is sync's"
else
	skip "the local OpenSSL will not speak TLS 1.0 at all: only the failed handshake is tested"
fi
start_oms tls11 --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json" --tls-max 1.1
refused tls1.1 "$OMS_URL" "TLS handshake failed"

# -- pins: the good server, pinned to another key
start_oms good --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json"
GOOD=$OMS_URL
refused pin-mismatch "$GOOD" "public key does not match pinned public key" \
    "pinned_pubkey = $(pin_of "$PKI/wrong.pem")"
c=$(sync_config "$T/pin-ok" "$GOOD" "pinned_pubkey = $(pin_of "$PKI/wrong.pem");$(pin_of "$PKI/srv.pem")")
"$FULFILCTL" --config "$c" init >/dev/null 2>&1
expect_exit 0 "the right pin among others: accepted" "$FULFILCTL" --config "$c" sync --once
check "and 20 orders stored" test "$(sql "$c" "SELECT count(*) FROM orders")" = 20

# -- a redirect to http://
start_oms redir --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json"
oms_ctl "$OMS_URL" '{"mode": "redirect-http"}'
refused redirect "$OMS_URL" "refused to follow a redirect away from https://"

check "no customer data in any file written" piiscan --exclude "$T/orders.json" "$T/orders.json" "$T"
finish
