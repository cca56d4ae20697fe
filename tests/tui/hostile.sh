#!/bin/sh
# fulfil's screens against hostile data and hostile moments: orders whose
# every text field carries terminal escapes, \r, \b and bidi overrides
# (mkorders.py hostile escapes) render without moving the cursor or
# changing colours (capture-pane -e holds only the SGR attributes the
# screens use, and the frame stays where it belongs); idle logout leaves
# no order data on the screen; lockout through the login screen; a
# revoke while logged in refuses the next action. After every capture:
# no PII of the orders on the screen; at the end: none in any file the
# run wrote.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_require
PW_PICK='Pick-Pass-3141'
PW_DISP='Disp-Pass-5926'
PW_LOU='Lou-Pass-5358'
PW_WRONG='Wrong-Guess-9793'
tui_station pia:"$PW_PICK" dan:"$PW_DISP" lou:"$PW_LOU"
plan 39

ORDERS="$T/hostile.json"
"$PYTHON3" "$TESTLIB/mkorders.py" hostile escapes >"$T/st/hostile.json" ||
	bail "mkorders.py failed"
cp "$T/st/hostile.json" "$ORDERS"
"$PYTHON3" "$TESTLIB/mkorders.py" hostile escapes --list-good >"$T/good"
[ -n "$tui_svc" ] && chown "$tui_svc_uid:$tui_svc_gid" "$T/st/hostile.json"
cd "$T" || bail "cd $T"

expect_exit 0 "fulfilctl init" ctl init
expect_exit 0 "import the hostile orders" ctl import "$T/st/hostile.json"
rm -f "$T/st/hostile.json"
expect_exit 0 "grant pia picker" ctl grant pia picker
expect_exit 0 "grant dan dispatcher" ctl grant dan dispatcher
expect_exit 0 "grant lou packer" ctl grant lou packer
sed 's/^idle_logout = .*/idle_logout = 2s/' "$conf" >"$T/idle.conf"
chmod 600 "$T/idle.conf"

not_in_history() { ! tui_history_has "$1" "$2"; }
mkdir -m 700 "$T/cap"
# clean TAG: only the SGR attributes the screens use, no other escape;
# the frame in place (the top line first, the key bar last, every line
# no wider than the terminal); no PII.
clean() {
	ncap=$((${ncap:-0} + 1))
	tui_screen "$1" -e >"$T/cap/$ncap.e" || return 1
	"$PYTHON3" - "$T/cap/$ncap.e" "$2" "$3" <<'PY' || return 1
import re, sys
t = open(sys.argv[1], encoding="utf-8", errors="replace").read()
ok = {"", "0", "1", "2", "7", "22", "27", "39", "49", "31", "32", "33", "36"}
for m in re.finditer(r"\x1b\[([0-9;]*)m", t):
    for p in m.group(1).split(";"):
        if p not in ok:
            print("# unexpected SGR", repr(m.group(0)))
            sys.exit(1)
plain = re.sub(r"\x1b\[[0-9;]*m", "", t)
if "\x1b" in plain or "\r" in plain or "\b" in plain:
    print("# an escape, CR or BS reached the screen")
    sys.exit(1)
lines = plain.split("\n")
if lines and lines[-1] == "":
    lines.pop()
if not lines[0].startswith(sys.argv[2]):
    print("# the top line moved")
    sys.exit(1)
if not any(l.startswith(sys.argv[3]) for l in lines[-2:]):
    print("# the key bar moved")
    sys.exit(1)
PY
	nopii "$1"
}

# ---- hostile text, as the picker sees it -------------------------------
check "picker: fulfil starts" tui_run pick 80 24
check "picker: logs in" tui_login pick pia "$PW_PICK"
check "picker: home (hostile services in the queue)" \
    tui_wait_for pick "Logged in as pia"
check "picker: home is clean" clean pick "pia (picker)" "F1 Help"
bad=0
while read -r id; do
	tui_type pick "$id" && tui_send pick Enter &&
	    tui_wait_for pick "queued; next pick" &&
	    clean pick "pia (picker)" "F1 Help" || { bad=$((bad + 1));
	    diag "order $(printf '%s' "$id" | tr -c 'A-Za-z0-9-' '_')"; }
	tui_send pick Escape && tui_wait_for pick "Next:" || bad=$((bad + 1))
done <"$T/good"
check "picker: every hostile order renders clean (escapes, CR, bidi)" \
    test "$bad" -eq 0
tui_send pick F10
check "picker: logs out" tui_wait_for pick "User:"
tui_send pick C-d

# ---- as the dispatcher (masked recipient) ------------------------------
check "dispatcher: fulfil starts" tui_run disp 40 16
check "dispatcher: logs in (40x16)" tui_login disp dan "$PW_DISP"
check "dispatcher: home" tui_wait_for disp "Scan an order"
bad=0
while read -r id; do
	tui_type disp "$id" && tui_send disp Enter &&
	    tui_wait_for disp "; next" &&
	    clean disp "dan (dispatcher)" "F4 " || { bad=$((bad + 1));
	    diag "order $(printf '%s' "$id" | tr -c 'A-Za-z0-9-' '_')"; }
	tui_send disp Escape && tui_wait_for disp "Scan an order" ||
	    bad=$((bad + 1))
done <"$T/good"
check "dispatcher: every hostile order renders clean at 40x16" \
    test "$bad" -eq 0
tui_send disp F10
check "dispatcher: logs out" tui_wait_for disp "User:"
tui_send disp C-d

# ---- idle logout ---------------------------------------------------------
ID1=$(sed -n 2p "$T/good")
check "idle: fulfil starts (idle_logout = 2s)" tui_run idle 80 24 "$T/idle.conf"
check "idle: the picker logs in" tui_login idle pia "$PW_PICK"
tui_wait_for idle "Logged in as pia" && tui_type idle "$ID1" &&
    tui_send idle Enter
check "idle: an order is open" tui_wait_for idle "Order $ID1"
check "idle: idle_logout passes, back at User:" \
    tui_wait_gone idle "Order $ID1"
check "idle: the screen after it holds no order data, no name" \
    not_in_history idle "$ID1"
check "idle: at the login screen" tui_wait_for idle "User:"
check "idle: no PII" nopii idle
tui_send idle C-d

# ---- lockout through the login screen -----------------------------------
check "lockout: fulfil starts" tui_run lock 80 24
i=0
while [ $i -lt 3 ]; do
	tui_login lock lou "$PW_WRONG" && tui_wait_for lock "Login failed"
	i=$((i + 1))
done
tui_type lock lou && tui_send lock Enter
check "lockout: after 3 failures the account is locked" \
    tui_wait_for lock "locked"
tui_send lock C-d

# ---- revoke while logged in ----------------------------------------------
check "revoke: fulfil starts" tui_run rev 80 24
check "revoke: the picker logs in" tui_login rev pia "$PW_PICK"
tui_wait_for rev "Logged in as pia" && tui_type rev "$ID1" &&
    tui_send rev Enter && tui_wait_for rev "Order $ID1"
ctl revoke pia picker >/dev/null 2>&1
tui_send rev F6
check "revoke: the next action on the open order is refused" \
    tui_wait_for rev "Refused"
tui_send rev Escape && tui_type rev "$ID1" && tui_send rev Enter
check "revoke: opening an order is refused" \
    tui_wait_for rev "no longer hold a role"
tui_send rev F10 && tui_wait_for rev "User:"
tui_send rev C-d

# ---- SIGTERM with an order open -----------------------------------------
expect_exit 0 "grant pia picker again" ctl grant pia picker
check "SIGTERM: fulfil starts" tui_run term 80 24
check "SIGTERM: the picker logs in" tui_login term pia "$PW_PICK"
tui_wait_for term "Logged in as pia" && tui_type term "$ID1" &&
    tui_send term Enter
check "SIGTERM: an order is open" tui_wait_for term "Order $ID1"
kill -TERM "$(cat "$T/term.pid")"
check "SIGTERM: fulfil ends with 143" \
    sh -c 'while [ ! -s "$1" ]; do sleep 0.05; done; [ "$(cat "$1")" = 143 ]' \
    sh "$T/term.rc"
check "SIGTERM: nothing of the order left on the terminal" \
    not_in_history term "$ID1"
expect_exit 0 "fulfilctl audit --json" ctl audit --json
check "SIGTERM: the logout is in the audit log" "$PYTHON3" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r for r in rows if r["kind"] == "logout" and r["actor"] == "pia"]
' "$T/out"

check "no PII in any file the run wrote (data dir, cwd, TMPDIR)" \
    piiscan --exclude "$ORDERS" "$ORDERS" "$T" "$PWD"
# quiet_stderr: fulfil wrote nothing on stderr (no sanitizer report).
quiet_stderr() {
	for r_f in "$T"/*.err; do
		if [ -s "$r_f" ]; then
			sed 's/^/#   /' "$r_f" | head -n 20
			return 1
		fi
	done
}
check "fulfil wrote nothing on stderr (no sanitizer report either)" \
    quiet_stderr
finish
