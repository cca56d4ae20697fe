#!/bin/sh
# Hostile import documents: named errors, no crash, good orders kept,
# bad ones absent, nothing half-applied.
. "$top_srcdir/tests/lib/common.sh"
[ -n "${SQLITE3_CLI:-}" ] || skip_all "sqlite3 command-line tool not found"
MK="$PYTHON3 $TESTLIB/mkorders.py"
mixed="wrong-types huge-name nul many-items dup-ids"
whole="truncated invalid-utf8 not-object orders-not-array"
plan $((5 * 5 + 1 + 4 * 3 + 2))

conf=$(make_config "$T/st")
"$FULFILCTL" --config "$conf" init >/dev/null
db="$T/st/data/cache.db"
mkdir -p "$T/in"

for k in $mixed; do
	$MK hostile "$k" >"$T/in/$k.json"
	$MK hostile "$k" --list-good >"$T/in/$k.good"
	$MK hostile "$k" --list-bad >"$T/in/$k.bad"
	expect_exit 1 "$k: import reports rejected orders" "$FULFILCTL" --config "$conf" import "$T/in/$k.json"
	check "$k: each bad order is named on stderr" sh -c 'while read -r id; do grep -q -- "order $id" "$1" || exit 1; done <"$2"' sh "$T/err" "$T/in/$k.bad"
	check "$k: every good order imported" sh -c 'while read -r id; do [ "$("$1" "$2" "SELECT count(*) FROM orders WHERE id = '"'"'$id'"'"'")" = 1 ] || exit 1; done <"$3"' sh "$SQLITE3_CLI" "$db" "$T/in/$k.good"
	check "$k: no bad order stored" sh -c 'while read -r id; do [ "$("$1" "$2" "SELECT count(*) FROM orders WHERE id = '"'"'$id'"'"'")" = 0 ] || exit 1; done <"$3"' sh "$SQLITE3_CLI" "$db" "$T/in/$k.bad"
	check "$k: stderr is one line per problem, no raw control bytes" sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1"' sh "$T/err"
done

$MK hostile escapes >"$T/in/escapes.json"
expect_exit 0 "escapes: valid orders full of escape sequences import" "$FULFILCTL" --config "$conf" import "$T/in/escapes.json"
for k in $whole; do
	$MK hostile "$k" >"$T/in/$k.json"
	before=$("$SQLITE3_CLI" "$db" "SELECT count(*) FROM orders")
	expect_exit 1 "$k: the document is refused" "$FULFILCTL" --config "$conf" import "$T/in/$k.json"
	check "$k: the error says where" grep -Eq 'line [0-9]+|not an object|array|JSON' "$T/err"
	check "$k: nothing was written" test "$("$SQLITE3_CLI" "$db" "SELECT count(*) FROM orders")" = "$before"
done

expect_exit 0 "every stored order still decrypts" "$FULFILCTL" --config "$conf" check
check "no customer data of the hostile inputs in files written" sh -c 'for k in $5; do "$2" "$3/piiscan.py" --exclude "$1" "$1/$k.json" "$4" >/dev/null || exit 1; done' sh "$T/in" "$PYTHON3" "$TESTLIB" "$T" "$mixed escapes"
finish
