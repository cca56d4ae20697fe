#!/bin/sh
# sync.sh: the sync benchmark of `make bench`.
#
# A full pull of N orders (default 10,000) in pages of 500 from the local
# TLS fake OMS (tests/lib/fakeoms.py, 127.0.0.1 only, test CA made here),
# by `fulfilctl sync --once` into a fresh station (validate, seal, store,
# cursor per page), next to the curl program fetching the same pages from
# the same server in the same run over one connection (transfer only).
# Prints both, the ratio and the verdict (target <= 1.5x curl). Best of
# --repeat runs. A missed target is reported, not an error.
#
# With --delay-ms D the server waits D ms before each answer (a server
# that takes time to build a page, or a network farther away): the next
# page is fetched while this one is stored, so sync should then keep up
# with curl. Also printed: `fulfilctl import` of the same orders from a
# file (no network), the floor of the storing side.
#
# Usage: sync.sh [--orders N] [--repeat N] [--delay-ms D]
# Environment (set by bench/Makefile.am): FULFILCTL, TESTLIB, PYTHON3.
# Writes only a private temporary directory, removed at the end.

set -u
orders=10000
repeat=3
page=500
delay=0
while [ $# -gt 0 ]; do
	case $1 in
	--orders) orders=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--delay-ms) delay=$2; shift 2 ;;
	*) echo "usage: sync.sh [--orders N] [--repeat N]" >&2; exit 2 ;;
	esac
done
case "$orders$repeat$delay" in *[!0-9]*) echo "sync.sh: numbers only" >&2; exit 2 ;; esac
: "${FULFILCTL:?}" "${TESTLIB:?}"
PYTHON3=${PYTHON3:-python3}
command -v curl >/dev/null || { echo "sync.sh: no curl program: skipped"; exit 0; }
command -v openssl >/dev/null || { echo "sync.sh: no openssl: skipped"; exit 0; }

umask 077
T=$(mktemp -d "${TMPDIR:-/tmp}/fulfil-bench-sync.XXXXXX") || exit 1
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM

(
cd "$T" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=bench CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out srv.pem -days 2 -extfile srv.ext
) >"$T/openssl.log" 2>&1 || { echo "sync.sh: openssl failed" >&2; exit 1; }

"$PYTHON3" "$TESTLIB/mkorders.py" bulk "$orders" >"$T/orders.json" || exit 1
"$PYTHON3" "$TESTLIB/fakeoms.py" --cert "$T/srv.pem" --key "$T/srv.key" \
    --orders "$T/orders.json" --port-file "$T/port" 2>"$T/oms.log" &
pid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$T/port" ] || { echo "sync.sh: the fake OMS did not start" >&2; exit 1; }
url="https://127.0.0.1:$(cat "$T/port")"
curl -sS --cacert "$T/ca.pem" -o /dev/null -d "{\"delay_ms\": $delay}" "$url/_control" || exit 1

now() { "$PYTHON3" -c 'import time; print("%.6f" % time.monotonic())'; }

# The pages as the server cuts them (cursor vN = version N).
: >"$T/urls"
n=0
while [ $n -lt "$orders" ]; do
	if [ $n -eq 0 ]; then
		echo "url = \"$url/orders?limit=$page\"" >>"$T/urls"
	else
		echo "url = \"$url/orders?limit=$page&since=v$n\"" >>"$T/urls"
	fi
	echo "output = \"/dev/null\"" >>"$T/urls"
	n=$((n + page))
done

best_f=""
best_c=""
best_i=""
r=0
while [ $r -lt "$repeat" ]; do
	r=$((r + 1))
	d="$T/st$r"
	mkdir -p "$d/keys" && chmod 700 "$d/keys"
	cat >"$d/fulfil.conf" <<CONF
[cache]
dir = $d/data
key = $d/keys/cache.key
[audit]
syslog = no
[sync]
url = $url
ca_file = $T/ca.pem
page_size = $page
CONF
	"$FULFILCTL" --config "$d/fulfil.conf" init >/dev/null 2>&1 || exit 1
	t0=$(now)
	"$FULFILCTL" --config "$d/fulfil.conf" sync --once >"$T/sync.out" 2>"$T/sync.err" || {
		echo "sync.sh: fulfilctl sync failed: $(cat "$T/sync.err")" >&2
		exit 1
	}
	t1=$(now)
	curl -sS --cacert "$T/ca.pem" --config "$T/urls" || exit 1
	t2=$(now)
	rm -rf "$d/data" "$d/keys/cache.key"
	"$FULFILCTL" --config "$d/fulfil.conf" init >/dev/null 2>&1 || exit 1
	t3=$(now)
	"$FULFILCTL" --config "$d/fulfil.conf" import "$T/orders.json" >/dev/null 2>&1 || exit 1
	t4=$(now)
	f=$("$PYTHON3" -c "print('%.3f' % ($t1 - $t0))")
	c=$("$PYTHON3" -c "print('%.3f' % ($t2 - $t1))")
	im=$("$PYTHON3" -c "print('%.3f' % ($t4 - $t3))")
	best_i=$("$PYTHON3" -c "import sys; a = sys.argv[1]; print(min(float(x) for x in (a, '$im') if x))" "$best_i")
	best_f=$("$PYTHON3" -c "import sys; a = sys.argv[1]; print(min(float(x) for x in (a, '$f') if x))" "$best_f")
	best_c=$("$PYTHON3" -c "import sys; a = sys.argv[1]; print(min(float(x) for x in (a, '$c') if x))" "$best_c")
	rm -rf "$d"
done

grep -q "pulled $orders orders" "$T/sync.out" || {
	echo "sync.sh: unexpected sync result: $(cat "$T/sync.out")" >&2
	exit 1
}
"$PYTHON3" - "$orders" "$page" "$best_f" "$best_c" "$best_i" "$delay" <<'PY'
import sys
n, page, f, c, im = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
delay = int(sys.argv[6])
ratio = f / c if c > 0 else float("inf")
print("sync: full pull of %d orders in pages of %d from the local TLS fake OMS%s" % (
    n, page, ", server delay %d ms per page" % delay if delay else ""))
print("  fulfilctl sync --once   %7.3f s  %8.0f orders/s  (validate, seal, store, cursor per page; process start included)" % (f, n / f))
print("  curl, same pages        %7.3f s  %8.0f orders/s  (transfer only, one connection)" % (c, n / c))
print("  fulfilctl import (file) %7.3f s  %8.0f orders/s  (the same storing, no network: the floor)" % (im, n / im))
print("  ratio                   %7.2fx   target <= 1.5x: %s" % (ratio, "met" if ratio <= 1.5 else "MISSED"))
PY
