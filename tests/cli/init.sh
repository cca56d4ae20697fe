#!/bin/sh
# fulfilctl init: creates a private data dir, key and cache; idempotent;
# refuses unsafe keys and a key that does not match the cache.
. "$top_srcdir/tests/lib/common.sh"
plan 14

conf=$(make_config "$T/st")
expect_exit 0 "init succeeds on a fresh station" "$FULFILCTL" --config "$conf" init
check "init reports the new key" grep -q 'created' "$T/out"
check "data dir is 0700" test "$(stat -c %a "$T/st/data")" = 700
check "key file is 0400" test "$(stat -c %a "$T/st/keys/cache.key")" = 400
check "cache.db is private" test "$(stat -c %a "$T/st/data/cache.db")" = 600

expect_exit 0 "second init succeeds" "$FULFILCTL" --config "$conf" init
check "second init changes nothing" grep -q 'nothing changed' "$T/out"

chmod 644 "$T/st/keys/cache.key"
expect_exit 2 "key file readable by others is refused" "$FULFILCTL" --config "$conf" status
check "the refusal names the key file" grep -q 'cache.key' "$T/err"
chmod 400 "$T/st/keys/cache.key"

# Another valid key: refused at start, cache untouched.
sum_before=$(cat "$T/st/data/cache.db" | cksum)
mv "$T/st/keys/cache.key" "$T/st/keys/old.key"
conf2=$(make_config "$T/other")
"$FULFILCTL" --config "$conf2" init >/dev/null 2>&1
cp "$T/other/keys/cache.key" "$T/st/keys/cache.key"
expect_exit 2 "a key from another station is refused" "$FULFILCTL" --config "$conf" import "$top_srcdir/tests/fuzz/corpus/import/one.json"
check "the refusal says the key does not match" grep -q 'not the key this cache was created with' "$T/err"
check "the cache file is unchanged" test "$(cat "$T/st/data/cache.db" | cksum)" = "$sum_before"

expect_exit 2 "status without a config file named on the line fails clearly" "$FULFILCTL" --config "$T/missing.conf" status
check "the error names the missing file" grep -q 'missing.conf' "$T/err"
finish
