#!/bin/sh
# fulfil's screens, one role at a time, end to end on a real terminal
# (tmux), with the demo orders: the picker picks an order by scanning
# each item (SKU or EAN) and F6, the packer packs it the same way, the
# dispatcher sees the masked recipient and F5 says printing is not
# configured, the auditor sees no order at all. At 80x24, and the picker
# again at 40x16. After EVERY screen capture: no PII of any order on it
# (piiscan; the test never prints PII). At the end: no PII in any file
# the run wrote (data dir, cwd, TMPDIR).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_require
PW_PICK='Pick-Pass-4471'
PW_PACK='Pack-Pass-5582'
PW_DISP='Disp-Pass-6693'
PW_AUD='Audit-Pass-7704'
tui_station pia:"$PW_PICK" pat:"$PW_PACK" dan:"$PW_DISP" aud:"$PW_AUD"
plan 63

ORDERS="$top_srcdir/data/demo-orders.json"
cp "$ORDERS" "$T/st/orders.json"
[ -n "$tui_svc" ] && chown "$tui_svc_uid:$tui_svc_gid" "$T/st/orders.json"
cd "$T" || bail "cd $T"

expect_exit 0 "fulfilctl init" ctl init
expect_exit 0 "import the demo orders" ctl import "$T/st/orders.json"
rm -f "$T/st/orders.json"
expect_exit 0 "grant pia picker" ctl grant pia picker
expect_exit 0 "grant pat packer" ctl grant pat packer
expect_exit 0 "grant dan dispatcher" ctl grant dan dispatcher

# The orders to work on: the first two of the picker's queue (every
# order neither cancelled nor delivered is queued after an import; those
# are wiped by its retention sweep), by ship-by then id.
"$PYTHON3" - "$ORDERS" >"$T/plan" <<'PY' || bail "cannot read the orders"
import json, sys
d = json.load(open(sys.argv[1]))
q = [o for o in d["orders"] if o["status"] not in ("cancelled", "delivered")]
q.sort(key=lambda o: (o["ship_by"].replace(".000", ""), o["id"]))
for o in q[:2]:
    codes = []
    for n, it in enumerate(o["items"]):
        for k in range(it["qty"]):
            codes.append(it["sku"] if (n + k) % 2 == 0 else it["ean"])
    print(o["id"], sum(i["qty"] for i in o["items"]), " ".join(codes))
PY
read -r ORDER TOTAL CODES <"$T/plan"
CANCELLED=$("$PYTHON3" -c '
import json, sys
print(next(o["id"] for o in json.load(open(sys.argv[1]))["orders"]
    if o["status"] == "cancelled"))' "$ORDERS")
ORDER2=$(sed -n 2p "$T/plan" | cut -d' ' -f1)
TOTAL2=$(sed -n 2p "$T/plan" | cut -d' ' -f2)
CODES2=$(sed -n 2p "$T/plan" | cut -d' ' -f3-)

# scan_all TAG ORDER TOTAL CODES: scan each code, waiting for its count.
scan_all() {
	r_k=0
	for r_c in $4; do
		r_k=$((r_k + 1))
		tui_type "$1" "$r_c" && tui_send "$1" Enter &&
		    tui_wait_for "$1" " $r_k/$3" && nopii "$1" || return 1
	done
}
# exited TAG RC: fulfil ended with RC.
exited() { tui_wait_dead "$1" && [ "$(cat "$T/$1.rc")" = "$2" ]; }
# resized TAG ROWS: the screen has ROWS lines, the key bar the last.
resized() {
	_tui_name=$1
	_tui_poll "a redraw at $2 rows" _resized "$1" "$2" && nopii "$1"
}
_resized() {
	[ "$(tui_screen "$1" | wc -l)" -eq "$2" ] &&
	    tui_screen "$1" | tail -n 1 | grep -q '^F[0-9]'
}
# logout TAG: F10; back at User:, nothing of the session left.
logout() {
	tui_send "$1" F10 && tui_wait_for "$1" "User:" &&
	    tui_wait_gone "$1" "Logged in" && nopii "$1" &&
	    ! tui_screen "$1" | grep -q -F -- "$2"
}

# ---- the picker, 80x24 -------------------------------------------------
diag "80x24"
check "picker: fulfil starts at User:" tui_run pick 80 24
check "picker: logs in" tui_login pick pia "$PW_PICK"
check "picker: home names the person and the role" \
    sees pick "Logged in as pia (picker)"
check "picker: home shows the next order by ship-by" sees pick "Next: $ORDER"
tui_type pick "$ORDER" && tui_send pick Enter
check "picker: the order opens on a scan of its id" sees pick "Order $ORDER"
check "picker: counts start at 0/$TOTAL" sees pick "next pick 0/$TOTAL"
check "picker: scans each item (SKU or EAN): the count goes up" \
    scan_all pick "$ORDER" "$TOTAL" "$CODES"
tui_type pick "NOT-IN-ORDER-1" && tui_send pick Enter
check "picker: a wrong item is refused, naming it" \
    sees pick "Scanned NOT-IN-ORDER-1"
tui_send pick F6
check "picker: F6 confirms the pick, back home" sees pick "Home"
check "picker: back home, the order is no longer queued" \
    tui_wait_gone pick "Next: $ORDER"
check "picker: F10 logs out, the screen is cleared" logout pick "$ORDER"
tui_send pick C-d
check "picker: ^D at User: ends fulfil, exit 0" exited pick 0

# ---- the packer -----------------------------------------------------------
check "packer: fulfil starts" tui_run pack 80 24
check "packer: logs in" tui_login pack pat "$PW_PACK"
check "packer: home asks for an order" sees pack "Scan an order"
tui_type pack "$ORDER" && tui_send pack Enter
check "packer: the order opens, counts start again" \
    sees pack "next pack 0/$TOTAL"
check "packer: scans each item" scan_all pack "$ORDER" "$TOTAL" "$CODES"
tui_send pack F3
check "packer: F3 asks for the box" sees pack "Box (scan it"
tui_type pack "BOX-M2" && tui_send pack Enter
check "packer: then the weight" sees pack "Weight in kg"
tui_type pack "1,25" && tui_send pack Enter
check "packer: box and weight recorded" sees pack "box and weight recorded"
check "packer: the screen shows them" sees pack "Box BOX-M2  1.250 kg"
tui_send pack Escape 6
check "packer: Esc 6 (= F6) confirms the pack" \
    tui_wait_for pack "Scan an order"
tui_type pack "$ORDER" && tui_send pack Enter
check "packer: the order is packed now" sees pack "packed"
"$TMUX_BIN" -L "$TUI_SOCKET" resize-window -t pack -x 40 -y 16 >/dev/null 2>&1
check "packer: a live resize to 40x16 redraws the order (key bar last)" \
    resized pack 16
"$TMUX_BIN" -L "$TUI_SOCKET" resize-window -t pack -x 80 -y 24 >/dev/null 2>&1
check "packer: and back to 80x24" resized pack 24
tui_send pack Escape
check "packer: Esc goes back home" tui_wait_for pack "Scan an order"
tui_type pack "$CANCELLED" && tui_send pack Enter
check "packer: a cancelled order: a blocking alert" \
    sees pack "This order was cancelled"
tui_type pack "$ORDER" && tui_send pack F6 Escape
check "packer: the alert holds until Enter (keys do not pass it)" \
    sees pack "This order was cancelled"
tui_send pack Enter
check "packer: Enter: back home" sees pack "Scan an order"
check "packer: F10 logs out" logout pack "$ORDER"
tui_send pack C-d

# ---- the dispatcher ----------------------------------------------------
check "dispatcher: fulfil starts" tui_run disp 80 24
check "dispatcher: logs in" tui_login disp dan "$PW_DISP"
check "dispatcher: home asks for an order" sees disp "Scan an order"
tui_type disp "$ORDER" && tui_send disp Enter
check "dispatcher: the packed order opens" sees disp "Order $ORDER"
check "dispatcher: the recipient is masked" sees disp "*****"
tui_send disp F5
check "dispatcher: F5 says printing is not configured" \
    sees disp "Printing is not configured"
tui_type disp "$(echo "$CODES" | cut -d' ' -f1)" && tui_send disp Enter
check "dispatcher: item scans are not this step's" sees disp "$ORDER"
check "dispatcher: F10 logs out" logout disp "$ORDER"
tui_send disp C-d

# ---- the auditor -------------------------------------------------------
expect_exit 0 "grant aud auditor" ctl grant aud auditor
check "auditor: fulfil starts" tui_run aud 80 24
check "auditor: logs in" tui_login aud aud "$PW_AUD"
check "auditor: home says there is nothing for the role" \
    sees aud "nothing here for your role"
tui_type aud "$ORDER" && tui_send aud Enter
check "auditor: scanning an order is refused" \
    sees aud "Your role cannot open orders"
check "auditor: F10 logs out" logout aud "$ORDER"
tui_send aud C-d

# ---- the picker at 40x16 ----------------------------------------------
diag "40x16"
check "40x16: fulfil starts" tui_run small 40 16
check "40x16: the picker logs in" tui_login small pia "$PW_PICK"
check "40x16: the next order" sees small "Next: $ORDER2"
tui_send small F6
check "40x16: F6 opens it" sees small "pick 0/$TOTAL2"
# keybar TAG: every key of the picker's order screen is named on the bar,
# and no key of another role's (F3 box, F4 preview, F5 print) is there.
keybar() {
	tui_screen "$1" | tail -n 1 | grep -q 'F6 [^ ].*F8 [^ ].*F10 [^ ]' &&
	    ! tui_screen "$1" | tail -n 1 | grep -q 'F[345] '
}
check "40x16: the key bar names F6, F8, F10, not other roles' keys" \
    keybar small
check "40x16: scans each item" scan_all small "$ORDER2" "$TOTAL2" "$CODES2"
tui_send small F6
check "40x16: F6 confirms the pick" tui_wait_gone small "Next: $ORDER2"
tui_wait_for small "Next: " && tui_send small F6
check "40x16: F6 opens the next order" sees small "pick 0/"
tui_send small F8
check "40x16: F8 asks why (reason codes)" sees small "Exception: why?"
tui_send small 1
check "40x16: the exception is recorded, for a supervisor" \
    sees small "exception recorded"
tui_send small F6
check "40x16: the order takes no step while it is open" \
    sees small "Exception open"
tui_send small Escape
check "40x16: F10 logs out" logout small "$ORDER2"
tui_send small C-d

# ---- what the run left behind -----------------------------------------
check "no PII in any file the run wrote (data dir, cwd, TMPDIR)" \
    piiscan "$ORDERS" "$T" "$PWD"
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
