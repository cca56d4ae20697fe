#!/bin/sh
# build-aux/demo.sh, the README's first command: without a tty it sets a
# demo station up (orders, people for every role, printer stand-in),
# shows it and erases it, leaving no directory and no process behind; it
# refuses a directory that is not a demo station and leaves it as it
# was; on a terminal (tmux) it shows the demo people and their passwords,
# then the fulfil login screen, where a demo person logs in; when fulfil
# exits everything is erased. No file written holds the demo orders' PII.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
DEMO="$top_srcdir/build-aux/demo.sh"
[ -n "${PAM_MATRIX_MODULE:-}" ] && [ -f "$PAM_MATRIX_MODULE" ] ||
	skip_all "pam_matrix not found (Debian: libpam-wrapper)"
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 ||
		skip_all "as root: setpriv not found"
	id -u nobody >/dev/null 2>&1 ||
		skip_all "as root: no account nobody to drop to"
fi
plan 22

FULFIL_BUILDDIR=$top_builddir
export FULFIL_BUILDDIR PAM_MATRIX_MODULE
mkdir -m 700 "$T/tmp"
# As root the demo runs fulfil as nobody, who must reach the demo's dir.
[ "$(id -u)" -eq 0 ] && chmod 711 "$T" "$T/tmp"
# demo ARGS...: the demo with its temporary files under $T/tmp.
demo() { TMPDIR="$T/tmp" sh "$DEMO" "$@"; }

# A process of this test's demo still running (the printer stand-in
# names its demo's directory in its arguments).
leftover() { ps -eo args= 2>/dev/null | grep -v grep | grep -q -F "$T/tmp/"; }
no_leftover() { ! leftover; }
ps -eo args= >/dev/null 2>&1 || skip_all "ps not found (procps)"

# ---- without a tty: set up, show, erase ----------------------------------
expect_exit 0 "without a tty the demo exits 0" demo </dev/null
cp "$T/out" "$T/notty.out"
check "it imported the demo orders (status shows them)" \
    grep -q '^orders: *[1-9][0-9]* ' "$T/notty.out"
check "it lists a demo person for each role" sh -c '
    for r in picker packer dispatcher supervisor auditor; do
	grep -q "^  [a-z]*\.$r  *$r  *demo-$r\$" "$1" || exit 1
    done' sh "$T/notty.out"
check "it says the terminal needs a tty" grep -q 'needs a tty' "$T/notty.out"
check "it names the printer stand-in on 127.0.0.1" \
    grep -q 'printer stand-in on 127\.0\.0\.1:[0-9]' "$T/notty.out"
check "no temporary directory is left" \
    sh -c '[ -z "$(ls -A "$1")" ]' sh "$T/tmp"
check "no process of the demo is left" no_leftover

# ---- refusing what is not a demo station ---------------------------------
mkdir -m 700 "$T/real"
echo 'not a demo' >"$T/real/keep"
expect_exit 2 "a directory with other files is refused" \
    demo "$T/real" </dev/null
check "... saying it is not a demo station" \
    grep -q 'not a demo station' "$T/err"
check "... and it is left as it was" \
    sh -c '[ "$(ls -A "$1")" = keep ] &&
    [ "$(cat "$1/keep")" = "not a demo" ]' sh "$T/real"
echo 'fulfil station' >"$T/real/DEMO-STATION"
expect_exit 2 "a forged DEMO-STATION marker is refused" \
    demo "$T/real" </dev/null
check "... and nothing is removed" test -f "$T/real/keep"
ln -s "$T/real" "$T/link"
expect_exit 2 "a symbolic link is refused" demo "$T/link" </dev/null
expect_exit 0 "a new directory is used, and erased" \
    demo "$T/fresh" </dev/null
check "... it is gone" test ! -e "$T/fresh"

# ---- on a terminal: the people, the login screen, a login ----------------
if [ -z "${TMUX_BIN:-}" ] || [ ! -x "$TMUX_BIN" ]; then
	for i in 1 2 3 4 5 6; do skip "tmux not found"; done
else
	tui_require
	cat >"$T/run.sh" <<EOF
#!/bin/sh
LANG=C.UTF-8 LC_ALL=
export LANG LC_ALL
TMPDIR="$T/tmp" FULFIL_BUILDDIR="$top_builddir" sh "$DEMO"
echo "demo exited \$?"
EOF
	chmod 700 "$T/run.sh"
	tui_start d 80 24 "$T/run.sh"
	if tui_wait_for d "Press Enter" &&
	    tui_screen d | grep -q 'pia\.picker  *picker  *demo-picker'; then
		ok "on a tty it shows the demo people and their passwords"
	else
		fail "on a tty it shows the demo people and their passwords"
	fi
	check "the printer stand-in runs while the demo does" leftover
	tui_send d Enter
	tui_wait_for d "User:" && ok "then the fulfil login screen" ||
	    fail "then the fulfil login screen"
	if tui_screen d | grep -q '^pia\.picker pat\.packer dan\.dispatcher' &&
	    tui_screen d | grep -q '^Password: demo-ROLE'; then
		ok "the login screen shows the demo people and passwords"
	else
		fail "the login screen shows the demo people and passwords"
	fi
	tui_type d "pia.picker" && tui_send d Enter
	tui_wait_for d "Password:" >/dev/null
	tui_type d "demo-picker" && tui_send d Enter
	tui_wait_for d "pia.picker (picker)" &&
	    ok "a demo picker logs in" || fail "a demo picker logs in"
	tui_send d F10
	tui_wait_for d "User:" >/dev/null
	tui_send d C-d
	if tui_wait_for d "demo exited 0" &&
	    [ -z "$(ls -A "$T/tmp")" ] && ! leftover; then
		ok "when fulfil exits the demo is erased"
	else
		fail "when fulfil exits the demo is erased"
	fi
	tui_kill d
fi

check "no PII of the demo orders in the files written" \
    piiscan "$DATA/demo-orders.json" "$T"
finish
