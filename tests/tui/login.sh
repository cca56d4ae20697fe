#!/bin/sh
# fulfil's login on a real terminal (tmux), through PAM (pam_matrix via
# [auth] pam_confdir) and the privilege-separation monitor: a good and a
# wrong password, an unknown name that looks exactly like a wrong
# password, lockout and `fulfilctl unlock`, a revoked grant, logout (F10)
# and idle logout clearing the screen, hostile names, the terminal's
# modes after signals, the audit trail, and no password in any file the
# run wrote. At 80x24, and again at 40x16. The screens are curses in the
# alternate screen: nothing of a session is left in the scrollback.
#
# Run as root (as CI does) fulfil starts as root with [auth] service_user
# = nobody: the monitor keeps root, the terminal drops to nobody before it
# opens the cache, so the station belongs to nobody and fulfilctl runs as
# nobody too (setpriv). Run as anyone else, everything is that user.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_require
plan 84

# Synthetic people and passwords (never real ones). cyd has no account.
PW_ADA='Tulip-Quartz-4417'
PW_BEA='Harbor-Mint-9032'
PW_WRONG='Wrong-Guess-5521'
PW_CYD='Cyd-Secret-7788'
PW_HOSTILE='Hostile-Pass-6190'
PW_TERM='Term-Signal-3364'
ESC=$(printf '\033')

# The station, pam_matrix over a passdb, `other` denying: tests/lib/tui.sh.
tui_station ada:"$PW_ADA" bea:"$PW_BEA"
svc=$tui_svc
passdb="$T/passdb"
# pam_echo sends a notice before the password prompt (the same for every
# name): it names PAM_TTY, and carries escape sequences that must reach
# the screen defused.
printf 'Notice (%%s on %%t): \033[31mred\033[0m \033]0;evil\007done\n' \
    >"$T/notice"
sed -i "1i auth     optional  pam_echo.so file=$T/notice" "$T/pam.d/fulfil"
# The same station with a short idle_logout, for the idle test.
sed 's/^idle_logout = .*/idle_logout = 2s/' "$conf" >"$T/idle.conf"
chmod 600 "$T/idle.conf"

expect_exit 0 "fulfilctl init" ctl init
expect_exit 0 "grant ada picker" ctl grant ada picker
expect_exit 0 "grant bea packer" ctl grant bea packer
expect_exit 0 "grant bea supervisor" ctl grant bea supervisor

# ---- running fulfil in a pane --------------------------------------------
# run.sh CONF TAG: fulfil on the pane's terminal (its pid in TAG.pid, its
# stderr in TAG.err), then how it ended and whether the terminal echoes.
cat >"$T/run.sh" <<EOF
#!/bin/sh
LANG=C LC_ALL=C
export LANG LC_ALL
trap : INT
sh -c 'echo \$\$ >"\$1"; exec "\$2" --config "\$3"' sh "$T/\$2.pid" \\
    "$FULFIL" "\$1" 2>>"$T/\$2.err"
rc=\$?
echo "\$rc" >"$T/\$2.rc"
echo "fulfil exited \$rc"
if stty -a | tr -s ' ;' '\n\n' | grep -qx echo; then
	echo "tty echo on"
else
	echo "tty echo off"
fi
# Input typed but not read by fulfil, now readable by whoever comes next.
saved=\$(stty -g)
stty -icanon min 0 time 0
echo "pending input \$(head -c 4096 | wc -c)"
stty "\$saved"
EOF
chmod 700 "$T/run.sh"

W=80
H=24
# start TAG [CONF]: a session running fulfil, at its first User: prompt.
start() {
	tui_start "$1" "$W" "$H" "$T/run.sh ${2:-$conf} $1" &&
	    tui_wait_for "$1" "User:"
}
count() { tui_history "$1" | grep -c -F -- "$2"; }
# last TAG: the last line of the screen that is not blank.
last() { tui_screen "$1" | grep -v '^ *$' | tail -n 1; }
# name TAG NAME: type a name at User:.
name() {
	tui_type "$1" "$2" && tui_send "$1" Enter
}
# The screens run in the terminal's alternate screen: what is on it is
# the login screen's lines (PAM's messages, the outcome) above the prompt
# on the input line; each name typed clears the lines of the attempt
# before.
# attempt TAG NAME PASSWORD: a whole login; waits for the password prompt
# before typing the password (it is never typed while echo is on).
attempt() {
	name "$1" "$2" && tui_wait_for "$1" "Password:" &&
	    tui_type "$1" "$3" && tui_send "$1" Enter
}
# fails TAG NAME PASSWORD TEXT: an attempt that ends back at User: with
# TEXT on the line before it.
fails() {
	attempt "$1" "$2" "$3" && tui_wait_for "$1" "$4" &&
	    tui_wait_for "$1" "User:" &&
	    tui_screen "$1" | grep -v '^ *$' | tail -n 2 | head -n 1 |
	    grep -q -F -- "$4"
}
# shows TAG TEXT / hides TAG TEXT: on (not on) the screen or scrollback.
shows() { tui_history "$1" | grep -q -F -- "$2"; }
has_line() { tui_history "$1" | grep -q -x -F -- "$2"; }
hides() { ! tui_history "$1" | grep -q -F -- "$2"; }
no_password() {
	for _pw in "$PW_ADA" "$PW_BEA" "$PW_WRONG" "$PW_CYD" "$PW_HOSTILE" \
	    "$PW_TERM"; do
		hides "$1" "$_pw" || return 1
	done
}
# ended TAG RC: fulfil ended with RC and left the terminal echoing.
# (The scrollback too: tmux may scroll a line away as the pane dies.)
ended() {
	tui_wait_dead "$1" &&
	    has_line "$1" "fulfil exited $2" && has_line "$1" "tty echo on"
}
quit() {
	tui_send "$1" C-d && ended "$1" 0
}

# locked TAG NAME: the name is refused as locked, without a password
# prompt (the core does not ask PAM about a locked name).
locked() {
	name "$1" "$2" &&
	    tui_wait_for "$1" "Account locked; ask a supervisor" &&
	    ! tui_screen "$1" | grep -q -F "Password:" &&
	    tui_screen "$1" | grep -v '^ *$' | tail -n 2 | head -n 1 |
	    grep -q -x "Account locked; ask a supervisor"
}
# logged_in TAG TEXT: the welcome, and how to log out, are on the screen.
logged_in() {
	tui_wait_for "$1" "$2" && tui_wait_for "$1" "F10 Log out"
}
# logout TAG: F10 logs out; the screen (and no scrollback) is cleared.
logout() {
	tui_send "$1" F10 && tui_wait_gone "$1" "Logged in" &&
	    tui_wait_for "$1" "User:" && hides "$1" "Logged in" &&
	    [ "$(last "$1")" = "User:" ]
}
# same_screen A NAME_A B NAME_B: the two screens differ only in the name
# (and the number of their terminal, in PAM's notice).
same_screen() {
	tui_screen "$1" | sed -e "s/^User: $2\$/User: NAME/" \
	    -e 's,pts/[0-9]*,pts/N,' >"$T/screen.a"
	tui_screen "$3" | sed -e "s/^User: $4\$/User: NAME/" \
	    -e 's,pts/[0-9]*,pts/N,' >"$T/screen.b"
	cmp -s "$T/screen.a" "$T/screen.b"
}
no_password_on() {
	for _s in "$@"; do
		no_password "$_s" || return 1
	done
}
# cleared TAG NAME: a cleared screen at User: with nothing of NAME's.
cleared() {
	tui_wait_for "$1" "User:" && [ "$(last "$1")" = "User:" ] &&
	    hides "$1" "$2" &&
	    hides "$1" "Logged in"
}
# at_password TAG NAME: type NAME, wait for the (hidden) password prompt.
at_password() {
	name "$1" "$2" && tui_wait_for "$1" "Password:"
}
# no_escapes TAG: the screen and scrollback, with attributes, hold no
# escape sequence but the SGR attributes the screens themselves use
# (bold, dim, reverse, the colours of ok/attention/error/dim, resets).
no_escapes() {
	tui_screen "$1" -e -S - -E - | "$PYTHON3" -c '
import re, sys
t = sys.stdin.read()
ok = {"", "0", "1", "2", "7", "22", "27", "39", "49", "31", "32", "33", "36"}
for m in re.finditer(r"\x1b\[([0-9;]*)m", t):
    for p in m.group(1).split(";"):
        if p not in ok:
            sys.exit(1)
sys.exit(1 if "\x1b" in re.sub(r"\x1b\[[0-9;]*m", "", t) else 0)'
}
# ctl_tail TAG: "ada", a NUL and 299 ^A (300 control characters: not
# text, the input line takes none of them), Enter; then ada's right
# password: ada is logged in, nothing else.
ctl_tail() {
	tui_type "$1" ada && tui_send "$1" C-@ &&
	    tui_send "$1" $(yes C-a | head -n 299) Enter &&
	    tui_wait_for "$1" "Password:" &&
	    tui_type "$1" "$PW_ADA" && tui_send "$1" Enter &&
	    logged_in "$1" "Logged in as ada (picker)" && logout "$1"
}
# notice_shown TAG: pam_echo's notice above the password prompt, each
# control character in it shown as '?' (the core's PAM conversation
# replaces them; the display sanitiser then finds nothing).
NOTICE_RE='Notice \(fulfil on pts/[0-9]+\): '
NOTICE_RE="$NOTICE_RE"'\?\[31mred\?\[0m \?\]0;evil\?done'
notice_shown() {
	tui_screen "$1" | grep -Eqx "$NOTICE_RE" &&
	    tui_screen "$1" | grep -v '^ *$' | tail -n 1 | grep -qx 'Password:'
}
# pid_uids PID: the real, effective, saved and fs uid of a process.
pid_uids() { awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status"; }

LONG=$(printf '%0300d' 0 | tr 0 x)
HUGE=$(printf '%04096d' 0 | tr 0 '%')

# ---- 80x24 ---------------------------------------------------------------
diag "80x24"
check "fulfil starts at User:" start good
check "the password prompt comes" at_password good ada
check "PAM's notice: a line of its own, PAM_TTY without /dev/, ESC as ?" \
    notice_shown good
tui_type good "$PW_ADA"
check "the password is typed and never shown" no_password good
tui_send good Enter
check "good password: 'Logged in as ada (picker)' and how to log out" \
    logged_in good "Logged in as ada (picker)"
check "the password is never on the screen" no_password good
check "nothing from PAM's text reached the terminal as a sequence" \
    no_escapes good
check "F10 logs out: the screen cleared, back at User:" \
    logout good
check "the name is gone from the screen after logout" hides good "ada"
check "end of input at User: exits 0, echo on" quit good

check "wrong password: back at User:" start wrong
check "wrong password: 'Login failed'" \
    fails wrong ada "$PW_WRONG" "Login failed"
check "unknown name: back at User:" start unknown
check "unknown name: 'Login failed'" fails unknown cyd "$PW_CYD" "Login failed"
check "unknown name and wrong password: the same screen" \
    same_screen wrong ada unknown cyd
check "no password on either screen" no_password_on wrong unknown
quit wrong >/dev/null
quit unknown >/dev/null

check "lockout: fulfil starts" start lock
check "second failure: 'Login failed'" fails lock ada "$PW_WRONG" "Login failed"
check "third failure (max_failures): 'Login failed'" \
    fails lock ada "$PW_WRONG" "Login failed"
check "then ada is refused as locked, not even asked for a password" \
    locked lock ada
expect_exit 0 "fulfilctl users" ctl users
check "users shows ada locked" grep -Eq '^ada +locked' "$T/out"
expect_exit 0 "fulfilctl unlock ada" ctl unlock ada
check "after unlock the right password logs ada in" \
    attempt lock ada "$PW_ADA"
check "welcome after unlock" logged_in lock "Logged in as ada (picker)"
check "logout after unlock" logout lock
check "quit" quit lock

check "roles: fulfil starts" start roles
check "bea's two roles are named" attempt roles bea "$PW_BEA"
check "'Logged in as bea (packer, supervisor)'" \
    logged_in roles "Logged in as bea (packer, supervisor)"
check "bea logs out" logout roles
expect_exit 0 "revoke bea packer" ctl revoke bea packer
expect_exit 0 "revoke bea supervisor" ctl revoke bea supervisor
check "revoked: 'No role granted'" \
    fails roles bea "$PW_BEA" "No role granted; ask a supervisor"
check "quit" quit roles

check "idle: fulfil starts (idle_logout = 2s)" start idle "$T/idle.conf"
check "idle: ada logs in" attempt idle ada "$PW_ADA"
check "idle: welcome" logged_in idle "Logged in as ada (picker)"
check "idle_logout passes: the screen clears by itself" \
    tui_wait_gone idle "Logged in"
check "idle logout: back at User:, no name left on screen or scrollback" \
    cleared idle ada
check "idle: a name typed, then nobody answers Password:" at_password idle ada
check "idle_logout passes: the password prompt ends by itself" \
    tui_wait_gone idle "Password:"
check "back at User:, the name typed is gone from the screen" \
    cleared idle ada
check "quit" quit idle

check "hostile: fulfil starts" start hostile
check "a 300-byte name: 'Login failed'" \
    fails hostile "$LONG" "$PW_HOSTILE" "Login failed"
check "a 4 KB name: 'Login failed'" \
    fails hostile "$HUGE" "$PW_HOSTILE" "Login failed"
check "escape sequences as a name: 'Login failed'" \
    fails hostile "${ESC}[31mred${ESC}[1;1H${ESC}[7m" "$PW_HOSTILE" \
    "Login failed"
check "'%n%n%s%x' as a name: 'Login failed'" \
    fails hostile '%n%n%s%x' "$PW_HOSTILE" "Login failed"
check "ada and 300 control characters: the controls are not taken" \
    ctl_tail hostile
check "no colour or attribute reached the screen (capture -e)" \
    no_escapes hostile
check "no password on screen" no_password hostile
check "still alive: end of input exits 0" quit hostile

check "SIGTERM: fulfil starts" start term
check "SIGTERM: at the hidden password prompt" at_password term cyd
check "SIGTERM: half a password typed (not entered)" \
    tui_type term "$PW_TERM"
if [ -n "$svc" ]; then
	tpid=$(cat "$T/term.pid")
	mpid=$(awk '{ print $1 }' "/proc/$tpid/task/$tpid/children" 2>/dev/null)
	check "as root: the terminal runs as $svc (every uid)" \
	    test "$(pid_uids "$tpid")" = \
	    "$tui_svc_uid $tui_svc_uid $tui_svc_uid $tui_svc_uid"
	check "as root: the monitor keeps root" \
	    test -n "$mpid" -a "$(pid_uids "${mpid:-0}")" = "0 0 0 0"
else
	skip "not root: no privilege drop to see"
	skip "not root: no privilege drop to see"
fi
kill -TERM "$(cat "$T/term.pid")"
check "SIGTERM: exits 143, terminal echo restored" ended term 143
check "SIGTERM: the half-typed password was never shown" no_password term
check "SIGTERM: and was dropped, not left for the next program" \
    has_line term "pending input 0"

check "SIGINT: fulfil starts" start int
check "SIGINT: ada logs in" attempt int ada "$PW_ADA"
check "SIGINT: welcome" logged_in int "Logged in as ada (picker)"
tui_send int C-c
check "SIGINT (^C) while logged in: exits 130, echo on" ended int 130
check "SIGINT: the screen was cleared as ada was logged out" hides int "ada"

# ---- 40x16 ---------------------------------------------------------------
diag "40x16"
W=40
H=16
check "40x16: fulfil starts" start small
check "40x16: good password" attempt small ada "$PW_ADA"
check "40x16: 'Logged in as ada (picker)'" \
    logged_in small "Logged in as ada (picker)"
check "40x16: logout clears" logout small
check "40x16: wrong password: 'Login failed'" \
    fails small ada "$PW_WRONG" "Login failed"
check "40x16: a 300-byte name: 'Login failed'" \
    fails small "$LONG" "$PW_HOSTILE" "Login failed"
check "40x16: no password on screen" no_password small
check "40x16: end of input exits 0" quit small

# ---- what the run left behind --------------------------------------------
expect_exit 0 "fulfilctl audit --json" ctl audit --json
cp "$T/out" "$T/audit.json"
check "audit: each step of the login is there, unknown names as failures" \
    "$PYTHON3" -c '
import collections, json, re, sys
rows = json.load(open(sys.argv[1]))
kinds = collections.Counter(r["kind"] for r in rows if r["source"] == "fulfil"
    or r["kind"] == "account-unlocked")
want = {"login-ok": 7, "logout": 7, "no-role": 1, "login-locked": 1,
    "account-locked": 1, "account-unlocked": 1}
for k, n in want.items():
    assert kinds[k] == n, (k, kinds[k], n)
# ada x3, cyd, 300, 4K, escapes, %n, SIGTERM (cyd), 40x16 x2, and ada
# idle at Password: (an abandoned attempt counts as a failure)
assert kinds["login-failed"] == 12, kinds["login-failed"]
hashed = [r for r in rows if r["actor"] and r["actor"].startswith("#")]
assert hashed and all(r["kind"] == "login-failed" for r in hashed), hashed
assert all(re.fullmatch(r"#[0-9a-f]{16}", r["actor"]) for r in hashed)
ok = [r["actor"] for r in rows if r["kind"] == "login-ok"]
assert sorted(set(ok)) == ["ada", "bea"], ok
' "$T/audit.json"
expect_exit 0 "fulfilctl audit --verify: the chain is intact" ctl audit --verify

# quiet_stderr: every TAG.err is empty (else show the first lines).
quiet_stderr() {
	for _f in "$T"/*.err; do
		if [ -s "$_f" ]; then
			sed 's/^/#   /' "$_f" | head -n 20
			return 1
		fi
	done
}
# no_password_file: no password typed is in a file under $T but the passdb.
no_password_file() {
	! grep -r -l -a -F --exclude=passdb -e "$PW_ADA" -e "$PW_BEA" \
	    -e "$PW_WRONG" -e "$PW_CYD" -e "$PW_HOSTILE" -e "$PW_TERM" "$T"
}
check "fulfil wrote nothing on stderr (no sanitizer report either)" \
    quiet_stderr
check "the scan can see a password (the passdb holds them)" \
    grep -q -F -- "$PW_ADA" "$passdb"
check "no password typed is in any file the run wrote" no_password_file
finish
