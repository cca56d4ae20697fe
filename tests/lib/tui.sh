# Shared helper for the terminal's tmux tests (sourced after common.sh).
#
# Each test gets a private tmux server: its socket lives under $T
# (TMUX_TMPDIR), it reads no user configuration, and it is killed when
# the test exits. Sessions have no status line, so a session made with
# COLS x ROWS shows the program at exactly that size, and panes stay
# after their program ends (remain-on-exit) so the last screen can be
# read. Waits poll the screen against a deadline; nothing relies on a
# fixed sleep.
#
#   tui_require                        skip the whole test without tmux
#   tui_start NAME COLS ROWS COMMAND   a session running COMMAND (sh -c)
#   tui_type NAME TEXT                 type TEXT literally
#   tui_send NAME KEY...               keys by name: Enter, C-c, F10, ...
#   tui_screen NAME [OPTS...]          the screen as text (capture-pane -p)
#   tui_history NAME                   the scrollback and the screen
#   tui_wait_for NAME TEXT             until TEXT is on the screen
#   tui_wait_gone NAME TEXT            until TEXT is not on the screen
#   tui_wait_count NAME TEXT N         until N lines of the scrollback and
#                                      screen hold TEXT
#   tui_wait_dead NAME                 until the session's program ended
#   tui_kill NAME                      end the session
#
# Waits return 1 after $TUI_DEADLINE seconds (default 30) and print the
# screen as TAP diagnostics. They are deadlines, not timings: a slow
# machine (or the sanitizer build) only makes them wait longer.

TUI_DEADLINE=${TUI_DEADLINE:-30}
TUI_SOCKET=fulfil-test

tui_require() {
	[ -n "${TMUX_BIN:-}" ] || skip_all "tmux not found"
	[ -x "$TMUX_BIN" ] || skip_all "tmux not found at $TMUX_BIN"
	unset TMUX TMUX_PANE
	TMUX_TMPDIR="$T/tmux"
	export TMUX_TMPDIR
	mkdir -p "$TMUX_TMPDIR" && chmod 700 "$TMUX_TMPDIR" ||
		bail "cannot make $TMUX_TMPDIR"
	cat >"$T/tmux.conf" <<'CONF'
set -g status off
set -g remain-on-exit on
set -g history-limit 2000
set -g escape-time 0
CONF
	trap '_tui_cleanup' EXIT
}

_tui_cleanup() {
	"$TMUX_BIN" -L "$TUI_SOCKET" kill-server >/dev/null 2>&1
	_cleanup
}

_tui() {
	"$TMUX_BIN" -L "$TUI_SOCKET" -f "$T/tmux.conf" "$@"
}

tui_start() {
	_tui new-session -d -s "$1" -x "$2" -y "$3" "$4"
}

tui_type() {
	_tui send-keys -t "$1" -l -- "$2"
}

tui_send() {
	_ts=$1
	shift
	_tui send-keys -t "$_ts" "$@"
}

tui_screen() {
	_ts=$1
	shift
	_tui capture-pane -p -t "$_ts" "$@"
}

tui_history() {
	_tui capture-pane -p -t "$1" -S - -E -
}

tui_kill() {
	_tui kill-session -t "$1" >/dev/null 2>&1
}

# _tui_poll DESC CMD...: run CMD until it succeeds or the deadline.
_tui_poll() {
	_desc=$1
	shift
	_end=$(($(date +%s) + TUI_DEADLINE))
	while :; do
		"$@" && return 0
		if [ "$(date +%s)" -ge "$_end" ]; then
			diag "timed out waiting for $_desc; the screen was:"
			tui_screen "$_tui_name" 2>&1 | sed 's/^/#   |/'
			return 1
		fi
		sleep 0.05
	done
}

_tui_has() { tui_screen "$1" | grep -q -F -- "$2"; }
_tui_hasnt() { ! tui_screen "$1" | grep -q -F -- "$2"; }
_tui_count() { [ "$(tui_history "$1" | grep -c -F -- "$2")" -ge "$3" ]; }
_tui_dead() { [ "$(_tui display -p -t "$1" '#{pane_dead}')" = 1 ]; }

tui_wait_for() {
	_tui_name=$1
	_tui_poll "'$2'" _tui_has "$1" "$2"
}

tui_wait_gone() {
	_tui_name=$1
	_tui_poll "'$2' to go" _tui_hasnt "$1" "$2"
}

tui_wait_count() {
	_tui_name=$1
	_tui_poll "$3 lines with '$2'" _tui_count "$1" "$2" "$3"
}

tui_wait_dead() {
	_tui_name=$1
	_tui_poll "the program to end" _tui_dead "$1"
}

# ---- a station with people, for the screens' tests ----------------------
#
#   tui_station NAME:PASSWORD...   the PAM service (pam_matrix over a
#                                  passdb), an initialised station with
#                                  $conf ([auth] idle_logout = 1h,
#                                  max_failures = 3), $T/run.sh, and ctl
#                                  (fulfilctl as the terminal's user). As
#                                  root the terminal drops to nobody.
#   tui_run TAG COLS ROWS [CONF]   fulfil in a session, at User:
#   tui_login TAG NAME PASSWORD    log in (waits for each prompt)
#   tui_capture TAG FILE           capture-pane (with -e) into FILE
tui_station() {
	[ -n "${PAM_MATRIX_MODULE:-}" ] && [ -f "$PAM_MATRIX_MODULE" ] ||
		skip_all "pam_matrix not found (Debian: libpam-wrapper)"
	tui_svc=
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null 2>&1 ||
			skip_all "as root: setpriv not found"
		tui_svc_uid=$(id -u nobody 2>/dev/null) &&
		    tui_svc_gid=$(id -g nobody) ||
			skip_all "as root: no account nobody to drop to"
		tui_svc=nobody
	fi
	mkdir -m 700 "$T/pam.d"
	: >"$T/passdb"
	chmod 600 "$T/passdb"
	for _np in "$@"; do
		printf '%s:%s:fulfil\n' "${_np%%:*}" "${_np#*:}" >>"$T/passdb"
	done
	cat >"$T/pam.d/fulfil" <<PAMEOF
auth     required  $PAM_MATRIX_MODULE passdb=$T/passdb
account  required  $PAM_MATRIX_MODULE passdb=$T/passdb
PAMEOF
	for _t in auth account password session; do
		echo "$_t required pam_deny.so"
	done >"$T/pam.d/other"
	mkdir -m 700 "$T/st"
	conf=$T/fulfil.conf
	mv "$(make_config "$T/st")" "$conf"
	{
		cat <<CONFEOF
[auth]
pam_confdir = $T/pam.d
max_failures = 3
lockout = 1h
idle_logout = 1h
CONFEOF
		[ -n "$tui_svc" ] && echo "service_user = $tui_svc"
	} >>"$conf"
	chmod 600 "$conf"
	if [ -n "$tui_svc" ]; then
		chmod 711 "$T"
		chown -R "$tui_svc_uid:$tui_svc_gid" "$T/st"
		grep -v '^pam_confdir' "$conf" >"$T/st/ctl.conf"
		chown "$tui_svc_uid:$tui_svc_gid" "$T/st/ctl.conf"
		chmod 600 "$T/st/ctl.conf"
	fi
	cat >"$T/run.sh" <<RUNEOF
#!/bin/sh
LANG=C LC_ALL=C
export LANG LC_ALL
trap : INT
sh -c 'echo \$\$ >"\$1"; exec "\$2" --config "\$3"' sh "$T/\$2.pid" \\
    "$FULFIL" "\$1" 2>>"$T/\$2.err"
rc=\$?
echo "\$rc" >"$T/\$2.rc"
echo "fulfil exited \$rc"
RUNEOF
	chmod 700 "$T/run.sh"
}

ctl() {
	if [ -n "$tui_svc" ]; then
		setpriv --reuid="$tui_svc_uid" --regid="$tui_svc_gid" \
		    --clear-groups -- \
		    "$FULFILCTL" --config "$T/st/ctl.conf" "$@"
	else
		"$FULFILCTL" --config "$conf" "$@"
	fi
}

tui_run() {
	tui_start "$1" "$2" "$3" "$T/run.sh ${4:-$conf} $1" &&
	    tui_wait_for "$1" "User:"
}

tui_login() {
	tui_type "$1" "$2" && tui_send "$1" Enter &&
	    tui_wait_for "$1" "Password:" && tui_type "$1" "$3" &&
	    tui_send "$1" Enter
}

tui_capture() {
	_tui capture-pane -p -e -t "$1" >"$2"
}

# tui_history_has TAG TEXT: TEXT is on the screen or in the scrollback.
tui_history_has() {
	tui_history "$1" | grep -q -F -- "$2"
}

# nopii TAG: capture TAG's screen into $T/cap/N.txt; no PII of any order
# of $ORDERS (the orders file the test imported) may be on it.
# sees TAG TEXT: TEXT is on the screen (waits), and no PII is.
nopii() {
	[ -d "$T/cap" ] || mkdir -m 700 "$T/cap"
	_tui_ncap=$((${_tui_ncap:-0} + 1))
	tui_screen "$1" >"$T/cap/$_tui_ncap.txt" &&
	    piiscan --exclude "$ORDERS" "$ORDERS" "$T/cap/$_tui_ncap.txt" \
	    >"$T/cap/$_tui_ncap.scan" 2>&1 ||
	    { diag "PII on the screen (capture $_tui_ncap)"; return 1; }
}
sees() { tui_wait_for "$1" "$2" && nopii "$1"; }
