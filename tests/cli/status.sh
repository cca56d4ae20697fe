#!/bin/sh
# fulfilctl status: the contract's keys, text and JSON; usage errors.
. "$top_srcdir/tests/lib/common.sh"
plan 9

conf=$(make_config "$T/st")
"$FULFILCTL" --config "$conf" init >/dev/null
expect_exit 0 "status --json on an empty cache" "$FULFILCTL" --config "$conf" status --json
check "status --json has the contract's keys" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("orders", "orders_with_pii", "oldest_pii_age_s", "cipher", "last_sync", "outbox"):
    assert k in s, k
assert s["orders"] == 0 and s["orders_with_pii"] == 0
assert s["oldest_pii_age_s"] is None and s["last_sync"] is None and s["outbox"] == 0
' "$T/out"
expect_exit 0 "status as text" "$FULFILCTL" --config "$conf" status
check "text status names the cipher" grep -q 'cipher:' "$T/out"
expect_exit 2 "status with a stray argument is a usage error" "$FULFILCTL" --config "$conf" status --bogus
check "the usage error names the argument" grep -q -- '--bogus' "$T/err"
expect_exit 0 "fulfilctl --help" "$FULFILCTL" --help
check "help lists every command" sh -c 'for c in init import status check; do grep -q "^  $c " "$1" || exit 1; done' sh "$T/out"
expect_exit 2 "unknown command is a usage error" "$FULFILCTL" --config "$conf" frobnicate
finish
