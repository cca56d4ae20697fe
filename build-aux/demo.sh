#!/bin/sh
# The built-in demo: a throwaway station in a private temporary directory,
# loaded with the synthetic orders in data/demo-orders.json, with demo
# people for every role (PAM through pam_matrix, their passwords shown),
# a printer stand-in that accepts labels and discards them, and the
# terminal (fulfil) on this terminal. Everything is erased when fulfil
# exits. Run from the top of a built tree (the README's first command).
#
#   build-aux/demo.sh [DIR]
#
# DIR (default: a new mktemp directory) must not exist, or be an empty
# directory, or hold a demo made by this script (the file DEMO-STATION
# with the demo's marker line): the demo refuses any other directory, so
# it can never write to, or erase, a real station. Without a terminal on
# stdin (CI, scripts) it sets the station up, shows its status, explains
# that the terminal needs a tty and exits 0.
#
# Environment: FULFIL_BUILDDIR (where src/ctl/fulfilctl and src/tui/fulfil
# were built; default the top of the tree), PAM_MATRIX_MODULE (the
# pam_matrix.so to use), PYTHON3.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="${FULFIL_BUILDDIR:-$top}"
ctl_bin="$build/src/ctl/fulfilctl"
tui_bin="$build/src/tui/fulfil"
python=${PYTHON3:-python3}
marker='fulfil demo station: synthetic data only, erased when the demo ends'

die() { echo "demo: $*" >&2; exit 2; }

[ -x "$ctl_bin" ] || die "build first (fulfilctl not found at $ctl_bin)"
[ -x "$tui_bin" ] || die "build first (fulfil not found at $tui_bin)"
[ -f "$top/data/demo-orders.json" ] || die "data/demo-orders.json is missing"
[ $# -le 1 ] || die "usage: build-aux/demo.sh [DIR]"

pam_matrix=${PAM_MATRIX_MODULE:-}
if [ -z "$pam_matrix" ]; then
	for f in /usr/lib/*/pam_wrapper/pam_matrix.so \
	    /usr/lib64/pam_wrapper/pam_matrix.so \
	    /usr/lib/pam_wrapper/pam_matrix.so; do
		[ -f "$f" ] && { pam_matrix=$f; break; }
	done
fi
[ -n "$pam_matrix" ] && [ -f "$pam_matrix" ] ||
	die "pam_matrix.so not found (Debian: apt-get install libpam-wrapper)"
command -v "$python" >/dev/null 2>&1 ||
	die "python3 is needed for the printer stand-in"

# ---- the demo's directory: new, empty, or an earlier demo --------------
if [ $# -eq 1 ]; then
	demo=$1
	case $demo in /*) ;; *) demo="$(pwd)/$demo" ;; esac
	if [ -e "$demo" ] || [ -L "$demo" ]; then
		[ -d "$demo" ] && [ ! -L "$demo" ] ||
			die "$demo is not a directory: refusing it"
		if [ -f "$demo/DEMO-STATION" ]; then
			[ "$(head -n 1 "$demo/DEMO-STATION")" = "$marker" ] ||
				die "$demo is not a demo station: refusing it"
			# An earlier demo: start from nothing again.
			find "$demo" -mindepth 1 -maxdepth 1 \
			    ! -name DEMO-STATION -exec rm -rf {} +
		elif [ -n "$(ls -A "$demo")" ]; then
			die "$demo is not a demo station (no DEMO-STATION" \
			    "marker): refusing to use it"
		fi
	else
		mkdir "$demo"
	fi
else
	demo=$(mktemp -d "${TMPDIR:-/tmp}/fulfil-demo.XXXXXX")
fi
chmod 700 "$demo"
printf '%s\n' "$marker" >"$demo/DEMO-STATION"

printer_pid=
cleanup() {
	if [ -n "$printer_pid" ]; then
		kill "$printer_pid" 2>/dev/null || :
		wait "$printer_pid" 2>/dev/null || :
	fi
	rm -rf "$demo"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- who runs what -------------------------------------------------------
# Started as root, fulfil refuses to run the terminal as root: it drops to
# [auth] service_user (nobody), which must own the station; fulfilctl
# then runs as nobody too. Anyone else: everything is that user.
svc=
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 ||
		die "as root the demo needs setpriv (util-linux)"
	svc_uid=$(id -u nobody 2>/dev/null) && svc_gid=$(id -g nobody) ||
		die "as root the demo needs an account nobody to drop to"
	svc=nobody
	chmod 711 "$demo"	# nobody reaches its station, and only it
	setpriv --reuid="$svc_uid" --regid="$svc_gid" --clear-groups -- \
	    test -x "$demo" ||
		die "as root the demo runs fulfil as nobody, who cannot reach" \
		    "$demo: set TMPDIR to a directory others may traverse"
fi
ctl() {
	if [ -n "$svc" ]; then
		setpriv --reuid="$svc_uid" --regid="$svc_gid" --clear-groups \
		    -- "$ctl_bin" --config "$demo/station/ctl.conf" "$@"
	else
		"$ctl_bin" --config "$demo/fulfil.conf" "$@"
	fi
}

# ---- the printer stand-in: accepts label jobs, keeps nothing -----------
# (the same stand-in the tests use; it answers ~HS as a ready printer)
"$python" "$top/tests/lib/fakeprinter.py" --port-file "$demo/printer.port" \
    --discard 2>/dev/null &
printer_pid=$!
i=0
while [ ! -s "$demo/printer.port" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || die "the printer stand-in did not start"
	kill -0 "$printer_pid" 2>/dev/null ||
		die "the printer stand-in did not start"
	sleep 0.05
done
port=$(head -n 1 "$demo/printer.port")

# ---- demo people: synthetic names (no system account), demo passwords --
# name role password
people='pia.picker picker demo-picker
pat.packer packer demo-packer
dan.dispatcher dispatcher demo-dispatcher
sue.supervisor supervisor demo-supervisor
ada.auditor auditor demo-auditor'

mkdir -m 700 "$demo/pam.d"
echo "$people" | while read -r n r p; do
	printf '%s:%s:fulfil\n' "$n" "$p"
done >"$demo/pam.d/passdb"
# The login screen shows who may log in here ([auth] login_notice; each
# line fits a 40-column handheld).
cat >"$demo/notice" <<EOF
DEMO station: synthetic people, orders.
pia.picker pat.packer dan.dispatcher
sue.supervisor ada.auditor
Password: demo-ROLE (e.g. demo-picker)
EOF
chmod 644 "$demo/notice"
cat >"$demo/pam.d/fulfil" <<EOF
auth     required  $pam_matrix passdb=$demo/pam.d/passdb
account  required  $pam_matrix passdb=$demo/pam.d/passdb
EOF
for t in auth account password session; do
	echo "$t required pam_deny.so"
done >"$demo/pam.d/other"
chmod 600 "$demo/pam.d"/*

# ---- the station ---------------------------------------------------------
mkdir -m 700 "$demo/station" "$demo/station/keys"
cat >"$demo/fulfil.conf" <<EOF
; $marker
[cache]
dir = $demo/station/data
key = $demo/station/keys/cache.key
[auth]
pam_confdir = $demo/pam.d
idle_logout = 15m
login_notice = $demo/notice
EOF
[ -n "$svc" ] && echo "service_user = $svc" >>"$demo/fulfil.conf"
cat >>"$demo/fulfil.conf" <<EOF
[printer]
uri = tcp://127.0.0.1:$port
sender = fulfil demo
[audit]
syslog = no
EOF
chmod 600 "$demo/fulfil.conf"
if [ -n "$svc" ]; then
	grep -v '^pam_confdir\|^service_user\|^login_notice' "$demo/fulfil.conf" \
	    >"$demo/station/ctl.conf"
	chmod 600 "$demo/station/ctl.conf"
	chown -R "$svc_uid:$svc_gid" "$demo/station"
fi

# The catalogues of this build, so fulfil speaks $LANG (pl, es) uninstalled.
if command -v msgfmt >/dev/null 2>&1; then
	for l in $(cat "$top/po/LINGUAS" 2>/dev/null); do
		[ -f "$top/po/$l.po" ] || continue
		mkdir -p "$demo/locale/$l/LC_MESSAGES"
		msgfmt -o "$demo/locale/$l/LC_MESSAGES/fulfil.mo" \
		    "$top/po/$l.po" 2>/dev/null || :
	done
	[ -d "$demo/locale" ] && chmod -R go+rX "$demo/locale"
	[ -d "$demo/locale" ] && FULFIL_LOCALEDIR="$demo/locale" &&
		export FULFIL_LOCALEDIR
fi

echo "== a demo station in $demo"
ctl init >/dev/null
ctl import - <"$top/data/demo-orders.json" >/dev/null
echo "$people" | while read -r n r p; do
	ctl grant "$n" "$r" --days 1 >/dev/null
done
ctl status
echo
echo "Demo people (synthetic; the passwords work only in this demo):"
echo
printf '  %-16s %-12s %s\n' USER ROLE PASSWORD
echo "$people" | while read -r n r p; do
	printf '  %-16s %-12s %s\n' "$n" "$r" "$p"
done
echo
echo "Labels go to a printer stand-in on 127.0.0.1:$port that discards them."

if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo
	echo "The terminal (fulfil) needs a tty: run build-aux/demo.sh in a" \
	    "terminal to log in. The demo station is erased now."
	exit 0
fi

echo
printf 'Press Enter to start the terminal (it erases the demo on exit) '
read -r _ || exit 0
set +e
"$tui_bin" --config "$demo/fulfil.conf"
rc=$?
set -e
echo "fulfil exited ($rc); the demo station is erased now."
exit 0
