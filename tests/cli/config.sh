#!/bin/sh
# Configuration errors through the real program: exit 2, one line naming
# file, line and key.
. "$top_srcdir/tests/lib/common.sh"
plan 12

conf=$(make_config "$T/st")
bad() { # bad NAME: a copy of the good config with extra lines from stdin
	cp "$conf" "$T/$1.conf"
	cat >>"$T/$1.conf"
	echo "$T/$1.conf"
}
f=$(printf '[sync]\nurl = http://oms.example/api\n' | bad http)
expect_exit 2 "http:// sync URL is refused" "$FULFILCTL" --config "$f" status
check "the error names file, line and key" grep -q "http.conf:9: .*url" "$T/err"
f=$(printf 'colour = blue\n' | bad unknown)
expect_exit 2 "unknown key is refused" "$FULFILCTL" --config "$f" status
check "the error names the key" grep -q "colour" "$T/err"
f=$(printf '[cache]\nretain_after_delivery = 31d\n' | bad retain)
expect_exit 2 "retain_after_delivery over 30d is refused" "$FULFILCTL" --config "$f" status
check "the error names the key" grep -q "retain_after_delivery" "$T/err"
f=$(printf '[printer]\nuri = cups:label\n' | bad cups)
expect_exit 2 "a CUPS printer is refused" "$FULFILCTL" --config "$f" status
check "the error explains spooling" grep -qi "spool" "$T/err"
expect_exit 2 "a missing --config file is an error" "$FULFILCTL" --config "$T/nope.conf" status
FULFIL_CONFIG="$T/http.conf" "$FULFILCTL" status >"$T/out" 2>"$T/err"
check "FULFIL_CONFIG is honoured" test $? -eq 2
check "only one line on stderr" test "$(wc -l <"$T/err")" -eq 1
"$FULFILCTL" --config "$conf" init >/dev/null
expect_exit 0 "the good config works" "$FULFILCTL" --config "$conf" status
finish
