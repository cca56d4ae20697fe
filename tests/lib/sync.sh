# Helpers for the sync tests (sourced after common.sh): a test PKI made
# with openssl at test time, the fake OMS (tests/lib/fakeoms.py) on
# 127.0.0.1, and a station configured to sync with it.

CURL_BIN=${CURL_BIN:-curl}
OMS_PIDS=""

# make_pki DIR: CA + server certificates for 127.0.0.1/localhost: good
# (srv), expired (exp), wrong host (wrong: only "elsewhere.test"),
# self-signed (self); and a client certificate (cli) from the same CA.
make_pki() {
	_p=$1
	mkdir -p "$_p"
	(
	cd "$_p" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	    -days 2 -subj "/CN=fulfil test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >srv.ext
	printf 'subjectAltName=DNS:elsewhere.test\nextendedKeyUsage=serverAuth\n' >wrong.ext
	printf 'extendedKeyUsage=clientAuth\n' >cli.ext
	for n in srv exp wrong cli; do
		openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr \
		    -subj "/CN=$n"
	done
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out srv.pem -days 2 -extfile srv.ext
	openssl x509 -req -in exp.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out exp.pem -days -1 -extfile srv.ext
	openssl x509 -req -in wrong.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out wrong.pem -days 2 -extfile wrong.ext
	openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out cli.pem -days 2 -extfile cli.ext
	openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key \
	    -out self.pem -days 2 -subj "/CN=localhost" \
	    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost"
	chmod 600 ./*.key
	) >"$_p/openssl.log" 2>&1
}

# pin_of PEM: the sha256//BASE64 pin of a certificate's public key.
pin_of() {
	printf 'sha256//%s' "$(openssl x509 -in "$1" -pubkey -noout |
	    openssl pkey -pubin -outform der |
	    openssl dgst -sha256 -binary | openssl enc -base64)"
}

# start_oms NAME ARGS...: start fakeoms.py; sets OMS_PORT and OMS_URL.
start_oms() {
	_name=$1
	shift
	rm -f "$T/$_name.port"
	"$PYTHON3" "$TESTLIB/fakeoms.py" --port-file "$T/$_name.port" "$@" \
	    2>"$T/$_name.log" &
	OMS_PIDS="$OMS_PIDS $!"
	eval "OMS_PID_$_name=$!"
	_i=0
	while [ ! -s "$T/$_name.port" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	OMS_PORT=$(cat "$T/$_name.port" 2>/dev/null)
	[ -n "$OMS_PORT" ] || bail "fake OMS $_name did not start"
	OMS_URL="https://127.0.0.1:$OMS_PORT"
}

stop_oms() {
	eval "_pid=\${OMS_PID_$1:-}"
	[ -n "$_pid" ] && kill "$_pid" 2>/dev/null && wait "$_pid" 2>/dev/null
	return 0
}

_sync_cleanup() {
	for _pid in $OMS_PIDS; do kill "$_pid" 2>/dev/null; done
	_cleanup
}
trap _sync_cleanup EXIT

# oms_ctl URL JSON: drive the fake OMS.
oms_ctl() {
	"$CURL_BIN" -sS --cacert "$PKI/ca.pem" -o /dev/null -d "$2" "$1/_control"
}

# oms_stats URL FILE: its counters as JSON.
oms_stats() {
	"$CURL_BIN" -sS --cacert "$PKI/ca.pem" -o "$2" "$1/_stats"
}

# sync_config DIR URL [EXTRA-LINES]: a station that syncs with URL
# ([sync] timeout is $SYNC_TIMEOUT, default 5s).
sync_config() {
	_c=$(make_config "$1")
	cat >>"$_c" <<CONF
[sync]
url = $2
ca_file = $PKI/ca.pem
timeout = ${SYNC_TIMEOUT:-5s}
connect_timeout = 3s
CONF
	[ $# -ge 3 ] && printf '%s\n' "$3" >>"$_c"
	echo "$_c"
}

# sql CONF SQL: run SQL on a station's cache with the sqlite3 CLI.
sql() {
	_dir=$(sed -n 's/^dir = //p' "$1")
	"$SQLITE3_CLI" "$_dir/cache.db" "$2"
}

# pii_sample ORDERS OUT: the same orders, with the customer data of all
# but the first and last 300 blanked, so that the PII scan of a
# 10,000-order run stays quick (the generator makes every order the same
# way: a sample finds a leak as well as all would). The blanked orders
# keep their ids and refs, which piiscan needs to know are not PII. A
# postcode of digits only is dropped from the sample: the cache stores id
# and ref side by side in plain ("D-9051" "114-..."), and 10,000 of them
# contain every short run of digits.
pii_sample() {
	"$PYTHON3" -c '
import json, sys
o = json.load(open(sys.argv[1]))["orders"]
for i, x in enumerate(o):
    if 300 <= i < len(o) - 300:
        x["ship_to"] = {}
        x["buyer_email"] = ""
        x["gift_message"] = ""
    elif x.get("ship_to", {}).get("postcode", "x").replace(" ", "").isdigit():
        del x["ship_to"]["postcode"]
json.dump({"orders": o}, open(sys.argv[2], "w"))
' "$1" "$2"
}
