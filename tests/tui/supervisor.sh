#!/bin/sh
# The supervisor's screens on a real terminal (tmux), through PAM
# (pam_matrix) and the monitor: a supervisor grants a role and revokes it
# (with a confirmation), unlocks a person locked by wrong passwords,
# resolves an exception a picker raised, reveals one order's customer
# data with a reason (shown only after the reveal, gone when the screen
# is left), and is locked out by the sixth reveal within the hour. At
# 80x24 and 40x16. Then the audit trail, its chain, and no customer data
# in any file the run wrote.
#
# The test never prints customer data: a python helper reads a screen
# capture and the orders file and says only yes or no.
#
# The station, PAM service and ctl come from tests/lib/tui.sh
# (tui_station): as root the terminal drops to nobody.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_require

# Synthetic people and passwords. sue: supervisor; pat: picker; lou: a
# picker who gets locked; kim: gets a role from sue and loses it.
PW_SUE='Lantern-Fig-2718'
PW_PAT='Copper-Reed-5150'
PW_LOU='Meadow-Kite-3381'
PW_WRONG='Wrong-Guess-8842'

# ---- the PAM service and the station (tests/lib/tui.sh) -----------------
tui_station sue:"$PW_SUE" pat:"$PW_PAT" lou:"$PW_LOU"
plan 96

# ---- orders: synthetic recipients, plain ASCII -------------------------
orders="$T/orders.json"
"$PYTHON3" - "$orders" <<'EOF'
import json, sys
people = [
    ("Rosalind Quenby-Marsh", "17 Larkspur Terrace", "Flat 4B",
     "Wexhampton", "WX4 7QP", "+44 1632 960441", "rq.marsh@mail.test"),
    ("Tobias Fenwright", "88 Orchard Wynd", None, "Castlebridge",
     "CB9 2LT", "+44 1632 960582", "t.fenwright@mail.test"),
    ("Imelda Pascoe-Rourke", "3 Sallow Close", None, "Pennmouth",
     "PN2 8RF", "+44 1632 960117", "imelda.pr@mail.test"),
]
out = []
for i, (name, l1, l2, city, pc, phone, mail) in enumerate(people):
    st = {"name": name, "line1": l1, "city": city, "postcode": pc,
          "country": "GB", "phone": phone}
    if l2:
        st["line2"] = l2
    out.append({
        "id": "S-%d" % (101 + i), "ref": "202-555%04d-0000%03d" % (i, i),
        "status": "unshipped", "ship_by": "2026-12-01T16:00:00Z",
        "service": "Standard", "updated_at": "2026-11-20T10:00:00Z",
        "delivered_at": None,
        "items": [{"sku": "SKU-%d" % (11 + i), "ean": "2047000000%03d" % i,
                   "title": "Enamel mug %d" % i, "qty": 1,
                   "bin": "A-0%d-01" % (i + 1)}],
        "ship_to": st, "buyer_email": mail,
    })
json.dump({"orders": out}, open(sys.argv[1], "w"), indent=1)
EOF
chmod 600 "$orders"

# pii_on FILE ID: "yes" when the recipient's name or first address line
# of order ID is in FILE (a screen capture), else "no". Never the value.
cat >"$T/pii_on.py" <<'EOF'
import json, sys
cap = open(sys.argv[1], encoding="utf-8", errors="replace").read()
hit = False
for o in json.load(open(sys.argv[2]))["orders"]:
    if o["id"] != sys.argv[3]:
        continue
    st = o["ship_to"]
    for v in (st["name"], st["line1"], st["city"], st.get("phone", ""),
              o.get("buyer_email", "")):
        if v and v in cap:
            hit = True
print("yes" if hit else "no")
EOF
# any_pii FILE: "yes" when any PII string of any order is in FILE.
cat >"$T/any_pii.py" <<'EOF'
import json, sys
cap = open(sys.argv[1], encoding="utf-8", errors="replace").read()
hit = False
for o in json.load(open(sys.argv[2]))["orders"]:
    st = o["ship_to"]
    for k in ("name", "line1", "line2", "city", "phone"):
        if st.get(k) and st[k] in cap:
            hit = True
    if o.get("buyer_email") and o["buyer_email"] in cap:
        hit = True
print("yes" if hit else "no")
EOF

[ -n "$tui_svc" ] && chown "$tui_svc_uid:$tui_svc_gid" "$orders"

expect_exit 0 "fulfilctl init" ctl init
expect_exit 0 "import three orders" ctl import "$orders"
expect_exit 0 "grant sue supervisor" ctl grant sue supervisor
expect_exit 0 "grant pat picker" ctl grant pat picker
expect_exit 0 "grant lou picker" ctl grant lou picker

W=80
H=24
start() { tui_run "$1" "$W" "$H"; }
# login TAG NAME PASSWORD: at User:, a whole login, until Home.
login() { tui_login "$1" "$2" "$3" && tui_wait_for "$1" "Home"; }
# fail_login TAG NAME PASSWORD: a wrong password, back at User:.
fail_login() {
	tui_type "$1" "$2" && tui_send "$1" Enter &&
	    tui_wait_for "$1" "Password:" && tui_type "$1" "$3" &&
	    tui_send "$1" Enter && tui_wait_for "$1" "User:"
}
logout() {
	tui_send "$1" F10 && tui_wait_for "$1" "User:"
}
quit() {
	tui_send "$1" C-d && tui_wait_dead "$1"
}
# shows TAG TEXT: TEXT on the screen now (waits for it).
shows() { tui_wait_for "$1" "$2"; }
# key TAG KEY TEXT: press KEY, wait for TEXT.
key() { tui_send "$1" "$2" && tui_wait_for "$1" "$3"; }
# enter TAG TEXT WAIT: type TEXT, Enter, wait for WAIT.
enter() {
	tui_type "$1" "$2" && tui_send "$1" Enter && tui_wait_for "$1" "$3"
}
cap() { tui_screen "$1" >"$T/cap.txt"; }
# pii TAG ID: yes/no, is order ID's customer data on the screen now?
pii() { cap "$1"; "$PYTHON3" "$T/pii_on.py" "$T/cap.txt" "$orders" "$2"; }
# no_pii_history TAG: none in the pane's scrollback and screen either.
no_pii_history() {
	tui_history "$1" >"$T/cap.txt" &&
	    [ "$("$PYTHON3" "$T/any_pii.py" "$T/cap.txt" "$orders")" = no ]
}
# no_pii TAG: no customer data of any order on the screen now.
no_pii() {
	cap "$1" &&
	    [ "$("$PYTHON3" "$T/any_pii.py" "$T/cap.txt" "$orders")" = no ]
}
pii_is() { [ "$(pii "$1" "$2")" = "$3" ]; }
# pii_shows TAG ID: the data shows up (the screen may still be drawing).
pii_shows() {
	_end=$(($(date +%s) + TUI_DEADLINE))
	while [ "$(pii "$1" "$2")" != yes ]; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.05
	done
}
users_has() {
	ctl users >"$T/users.out" 2>&1 && grep -Eq -- "$1" "$T/users.out"
}
users_hasnt() {
	ctl users >"$T/users.out" 2>&1 && ! grep -Eq -- "$1" "$T/users.out"
}
# reveal TAG ID TEXT: from the reveal screen, a whole reveal up to the
# revealed screen.
reveal() {
	enter "$1" "$2" "1 " && tui_send "$1" 1 &&
	    tui_wait_for "$1" "Reason:" && enter "$1" "$3" "It is recorded" &&
	    tui_send "$1" 1
}
days_default() {
	tui_wait_for "$1" "Days" && tui_send "$1" Enter
}
# key2 TAG K1 T1 K2 T2: two keys in turn.
key2() { key "$1" "$2" "$3" && key "$1" "$4" "$5"; }
# locked_out TAG NAME: NAME at User: is refused as locked.
locked_out() {
	tui_type "$1" "$2" && tui_send "$1" Enter &&
	    tui_wait_for "$1" "Account locked; ask a supervisor"
}
reveal_refused() {
	reveal "$1" "$2" "$3" && tui_wait_for "$1" "Too many reveals"
}

# ---- lou is locked: three wrong passwords ------------------------------
diag "lock lou"
check "lock: fulfil starts" start lock
check "lou: first wrong password" fail_login lock lou "$PW_WRONG"
check "lou: second wrong password" fail_login lock lou "$PW_WRONG"
check "lou: third wrong password" fail_login lock lou "$PW_WRONG"
check "fulfilctl users shows lou locked" users_has '^lou +locked'

# ---- pat, a picker, raises an exception on S-102 ------------------------
diag "pat raises an exception"
check "pat logs in" login lock pat "$PW_PAT"
check "pat opens S-102" enter lock S-102 "Exception"
check "F8: the kinds of exception" key lock F8 "1 "
check "short pick: recorded" tui_send lock 1
check "the order says the exception is recorded" \
    tui_wait_for lock "exception recorded"
check "pat logs out" logout lock
check "end of input: fulfil exits" quit lock

# ---- sue at 80x24 --------------------------------------------------------
diag "80x24"
check "fulfil starts" start big
check "sue logs in" login big sue "$PW_SUE"
check "home offers F2 Supervisor" shows big "Supervisor"
check "F2: the supervisor's menu" key big F2 "People and roles"
check "F2: people and roles, sue a supervisor" key big F2 "sue"
check "lou is shown locked" shows big "LOCKED"
check "no customer data on the people screen" no_pii big
check "kim selected" enter big kim "F2 grants a first role"
check "F2 grant: which role" key big F2 "Grant kim which role?"
check "picker: days asked" tui_send big 1
check "Enter: the default 90 days" days_default big
check "granted" shows big "Granted picker to kim for 90 days"
check "fulfilctl users: kim holds picker" users_has '^kim +.*picker'
check "F3 revoke: which role" key big F3 "Revoke which role of kim?"
check "picker: a confirmation is asked" tui_send big 1
check "the confirmation names the role and the person" \
    shows big "Revoke picker from kim now?"
check "1: the reason is asked" tui_send big 1
check "the reasons are listed" shows big "the person's job changed"
check "2 (job changed): revoked" tui_send big 2
check "revoked message" shows big "Revoked picker from kim"
check "fulfilctl users: kim holds no role" users_hasnt '^kim +.*picker'
check "lou selected" enter big lou "F4 unlock"
check "F4 unlock: a confirmation is asked" key big F4 "Unlock lou now?"
check "1: the reason is asked" tui_send big 1
check "the unlock reasons are listed" shows big "identity checked in person"
check "1 (identity checked): unlocked" tui_send big 1
check "unlocked message" shows big "Unlocked lou"
check "fulfilctl users: lou no longer locked" users_hasnt '^lou +locked'
check "Esc: back to the menu" key big Escape "Open exceptions"
check "F3: the exception pat raised on S-102" key big F3 "S-102"
check "it names pat" shows big "pat"
check "F6 resolve: the resolutions" key big F6 "1 "
check "1: resolved, the queue is empty" tui_send big 1
check "no open exceptions" shows big "No open exceptions"
check "Esc: back to the menu" key big Escape "Reveal customer data"
check "F4: the reveal screen" key big F4 "A reason is asked"
check "before the reveal: no customer data on the screen" no_pii big
check "reveal S-101 with a reason" \
    reveal big S-101 "Carrier needs the flat number"
check "after the reveal: S-101's customer data is on the screen" \
    pii_shows big S-101
check "only S-101's" pii_is big S-103 no
check "Esc: the revealed screen is left" key big Escape "A reason is asked"
check "after leaving: no customer data on the screen" no_pii big
check "Esc, F7: the override screen" key2 big Escape "Override" F7 "Order:"
check "S-101: the override reasons" enter big S-101 "1 "
check "1: a confirmation is asked" key big 1 "It is recorded"
check "1: the step's verification is lifted" \
    key big 1 "scan verification of this step lifted"
check "sue logs out" logout big
check "after logout: no customer data on the screen" no_pii big
check "end of input: fulfil exits" quit big
check "after exit: no customer data in the scrollback" no_pii_history big

# ---- sue at 40x16 --------------------------------------------------------
diag "40x16"
W=40
H=16
check "40x16: fulfil starts" start small
check "40x16: lou, unlocked by sue, logs in" login small lou "$PW_LOU"
check "40x16: lou logs out" logout small
check "40x16: sue logs in" login small sue "$PW_SUE"
check "40x16: F2 the menu" key small F2 "People"
check "40x16: people, lou shown" key small F2 "lou"
check "40x16: Esc, F3: no open exceptions" \
    key2 small Escape "Open exceptions" F3 "No open exceptions"
check "40x16: Esc, F4: the reveal screen" \
    key2 small Escape "Reveal" F4 "Order:"
check "40x16: no customer data before the reveal" no_pii small
check "40x16: reveal S-102" reveal small S-102 "Address looks incomplete"
check "40x16: S-102's customer data is shown" pii_shows small S-102
check "40x16: Esc hides it again" key small Escape "Order:"
check "40x16: no customer data after leaving" no_pii small

# Three more reveals (five within the hour): each allowed.
n=0
for i in 1 2 3; do
	reveal small S-103 "Customer service call $i" &&
	    pii_shows small S-103 && key small Escape "Order:" &&
	    n=$((n + 1))
done
check "reveals three to five are allowed" test "$n" -eq 3
check "the sixth reveal within the hour: refused, account locked" \
    reveal_refused small S-103 "One too many"
check "no customer data with the refusal" no_pii small
check "Enter: sue is logged out" key small Enter "User:"
check "fulfilctl users: sue locked" users_has '^sue +locked'
check "sue is refused as locked at User:" locked_out small sue
check "40x16: end of input: fulfil exits" quit small
check "40x16: after exit: no customer data in the scrollback" \
    no_pii_history small

# ---- what the run left behind --------------------------------------------
expect_exit 0 "fulfilctl audit --json" ctl audit --json
cp "$T/out" "$T/audit.json"
check "audit: the supervisor's actions are all there" "$PYTHON3" -c '
import collections, json, sys
rows = json.load(open(sys.argv[1]))
k = collections.Counter(r["kind"] for r in rows)
want = {"pii-reveal": 5, "role-granted": 4, "role-revoked": 1,
    "account-unlocked": 1, "exception-resolved": 1, "anomaly-lock": 1,
    "verify-override": 1, "exception": 1}
for kind, n in want.items():
    assert k[kind] == n, (kind, k[kind], n)
sue = [r for r in rows if r["kind"] in ("pii-reveal", "role-revoked",
    "account-unlocked", "exception-resolved", "verify-override")]
assert all(r["actor"] == "sue" for r in sue), sue
# the reasons chosen: job changed (2), identity checked in person (1)
rv = [r for r in rows if r["kind"] == "role-revoked"]
ul = [r for r in rows if r["kind"] == "account-unlocked"]
assert rv[0].get("count") == 2, rv
assert ul[0].get("count") == 1, ul
' "$T/audit.json"
expect_exit 0 "fulfilctl audit --verify: the chain is intact" \
    ctl audit --verify
expect_exit 0 "fulfilctl reveals --json" ctl reveals --json
check "reveals: sue's reason text is there, opened, with its code" \
    "$PYTHON3" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 5, rows
assert any(r["text"] == "Carrier needs the flat number" and
    r["user"] == "sue" and r["reason"] for r in rows), rows
' "$T/out"
check "the reason text is not stored in plain" sh -c \
    '! grep -q -a -F "Carrier needs the flat" "$1"/*.db*' sh "$T/st/data"
quiet_stderr() {
	for _f in "$T"/*.err; do
		if [ -s "$_f" ]; then
			sed 's/^/#   /' "$_f" | head -n 20
			return 1
		fi
	done
}
check "fulfil wrote nothing on stderr" quiet_stderr
check "piiscan: no customer data in any file the run wrote" \
    piiscan --exclude "$orders" "$orders" "$T"
finish
