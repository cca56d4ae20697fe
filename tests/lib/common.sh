# Shared helper for fulfil's shell tests (sourced, POSIX sh).
# Each test prints TAP: plan with `plan N`, results with `ok`/`fail`,
# checks with `check DESCRIPTION COMMAND...`. A private work dir ($T) is
# made at start and removed at exit unless the test failed and
# FULFIL_KEEP_TEST=1.

set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"

FULFILCTL="$top_builddir/src/ctl/fulfilctl"
FULFIL="$top_builddir/src/tui/fulfil"
DATA="$top_srcdir/data"
TESTLIB="$top_srcdir/tests/lib"
PYTHON3="${PYTHON3:-python3}"

_n=0
_failed=0

T=$(mktemp -d "${TMPDIR:-/tmp}/fulfil-sh.XXXXXX") || exit 99
chmod 700 "$T"
_cleanup() {
	if [ "$_failed" -ne 0 ] && [ "${FULFIL_KEEP_TEST:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap _cleanup EXIT

plan() { echo "1..$1"; }
ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
fail() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $*"; }
diag() { echo "# $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 1; }

# check DESC CMD...: ok when CMD exits 0.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else fail "$_d"; fi
}

# expect_exit CODE DESC CMD...: ok when CMD exits with CODE; its output
# is kept in $T/out and $T/err, and appended to $T/outputs.all so that a
# test's closing piiscan of $T sees every run's output, not the last.
expect_exit() {
	_want=$1
	_d=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	_rc=$?
	cat "$T/out" "$T/err" >>"$T/outputs.all" 2>/dev/null
	if [ "$_rc" -eq "$_want" ]; then
		ok "$_d"
	else
		fail "$_d (exit $_rc, wanted $_want)"
		sed 's/^/#   stderr: /' "$T/err" | head -5
	fi
}

# The cipher under test: $FULFIL_TEST_CIPHER or auto.
test_cipher() { echo "${FULFIL_TEST_CIPHER:-auto}"; }

# make_config DIR [CIPHER]: a station under DIR (data dir DIR/data, key
# DIR/keys/cache.key) with the config at DIR/fulfil.conf; prints its path.
make_config() {
	_dir=$1
	_cipher=${2:-$(test_cipher)}
	mkdir -p "$_dir/keys" && chmod 700 "$_dir/keys"
	cat >"$_dir/fulfil.conf" <<CONF
; written by tests/lib/common.sh
[cache]
dir = $_dir/data
key = $_dir/keys/cache.key
cipher = $_cipher
[audit]
syslog = no
CONF
	chmod 600 "$_dir/fulfil.conf"
	echo "$_dir/fulfil.conf"
}

# piiscan ORDERS.json DIR...: fail when any PII string of the orders is in
# any file under the DIRs, or when there was nothing to scan.
piiscan() {
	"$PYTHON3" "$TESTLIB/piiscan.py" "$@"
}

# finish: exit status for the harness.
finish() {
	[ "$_failed" -eq 0 ]
	exit $?
}
