#!/bin/sh
# Background sync in the terminal (tmux): its own thread and connection
# pull the orders while the screen works; the top line shows online and
# the last sync time, the outbox depth, and SYNC REFUSED after a 401. A
# server sending 1 byte/s never blocks the keyboard.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_require
. "$top_srcdir/tests/lib/sync.sh"
trap 'for p in $OMS_PIDS; do kill $p 2>/dev/null; done; _tui_cleanup' EXIT
command -v openssl >/dev/null || skip_all "no openssl"
command -v "$CURL_BIN" >/dev/null || skip_all "no curl"
PW_ADA='Sync-Tulip-2291'
tui_station ada:"$PW_ADA"
plan 9

PKI=$T/pki
make_pki "$PKI" || bail "cannot make the test PKI"
chmod 755 "$PKI" && chmod 644 "$PKI/ca.pem"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 300 >"$T/orders.json"
start_oms t --cert "$PKI/srv.pem" --key "$PKI/srv.key" --orders "$T/orders.json"
for c in "$conf" ${tui_svc:+"$T/st/ctl.conf"}; do
	cat >>"$c" <<EOF
[sync]
url = $OMS_URL
ca_file = $PKI/ca.pem
interval = 1s
timeout = 20s
page_size = 100
EOF
done
expect_exit 0 "fulfilctl init" ctl init
expect_exit 0 "grant ada picker" ctl grant ada picker

tui_run s 80 24
tui_login s ada "$PW_ADA"
check "the top line says online with the time of the last sync" \
    tui_wait_for s "| online "
check "and the outbox depth" tui_wait_for s "| outbox 0"
n=$(ctl status --json | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["orders"])')
check "the background sync pulled every order" test "$n" = 300

# A server that sends 1 byte per second: the sync thread is stuck in a
# transfer for up to [sync] timeout (20s); the keyboard still works.
oms_ctl "$OMS_URL" '{"mode": "slowloris", "target": "pull", "reset_stats": true}'
i=0
while [ "$("$CURL_BIN" -sS --cacert "$PKI/ca.pem" "$OMS_URL/_stats" |
    "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["requests"].get("pull", 0))')" = 0 ] &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the sync thread is in a slow transfer" test $i -lt 100
tui_send s F1
check "the screen answers a key meanwhile (F1: help)" tui_wait_for s "Help: keys"
tui_send s Escape

# 401: sync stops and the top line says so.
oms_ctl "$OMS_URL" '{"mode": "401"}'
TUI_DEADLINE=60 tui_wait_for s "SYNC REFUSED" >/dev/null
check "after a 401 the top line says SYNC REFUSED" tui_wait_for s "SYNC REFUSED"
tui_send s F10
tui_kill s
check "no customer data in any file written" piiscan --exclude "$T/orders.json" "$T/orders.json" "$T"
finish
