#!/bin/sh
# Tampering with the cache on disk is detected order by order.
. "$top_srcdir/tests/lib/common.sh"
[ -n "${SQLITE3_CLI:-}" ] || skip_all "sqlite3 command-line tool not found"
plan 8

conf=$(make_config "$T/st")
"$FULFILCTL" --config "$conf" init >/dev/null
"$FULFILCTL" --config "$conf" import "$DATA/demo-orders.json" >/dev/null
db="$T/st/data/cache.db"
# swap COLUMN ID1 ID2: exchange one column's bytes between two orders.
swap() {
	"$PYTHON3" - "$db" "$@" <<'PY'
import sqlite3, sys
db, col, x, y = sys.argv[1:5]
con = sqlite3.connect(db)
get = lambda i: con.execute(f"SELECT {col} FROM orders WHERE id=?", (i,)).fetchone()[0]
vx, vy = get(x), get(y)
assert vx != vy
con.execute(f"UPDATE orders SET {col}=? WHERE id=?", (vy, x))
con.execute(f"UPDATE orders SET {col}=? WHERE id=?", (vx, y))
con.commit()
PY
}
# (orders that arrived delivered or cancelled hold no data any more)
ids=$("$SQLITE3_CLI" "$db" "SELECT id FROM orders WHERE sealed IS NOT NULL ORDER BY id LIMIT 3")
a=$(echo "$ids" | sed -n 1p); b=$(echo "$ids" | sed -n 2p); c=$(echo "$ids" | sed -n 3p)

# Flip one byte in the middle of A's sealed blob.
"$PYTHON3" - "$db" "$a" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
blob = bytearray(con.execute("SELECT sealed FROM orders WHERE id=?", (sys.argv[2],)).fetchone()[0])
blob[len(blob) // 2] ^= 1
con.execute("UPDATE orders SET sealed=? WHERE id=?", (bytes(blob), sys.argv[2]))
con.commit()
PY
expect_exit 1 "check fails after one flipped byte" "$FULFILCTL" --config "$conf" check --json
check "exactly that order is reported" "$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["failed"] == 1 and [x["order"] for x in r["bad"]] == [sys.argv[2]], r
assert r["checked"] >= 250, r  # 320 less the delivered and cancelled
' "$T/out" "$a"

# Swap the sealed blobs of B and C: both fail.
swap sealed "$b" "$c"
expect_exit 1 "check fails after swapping two blobs" "$FULFILCTL" --config "$conf" check --json
check "both swapped orders and the flipped one are reported" "$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert sorted(x["order"] for x in r["bad"]) == sorted(sys.argv[2:5]), r
' "$T/out" "$a" "$b" "$c"
check "text output names the order" sh -c '"$1" --config "$2" check 2>&1 | grep -q "$3"' sh "$FULFILCTL" "$conf" "$a"

# Swap wrapped DEKs of two other orders: both fail too.
ids=$("$SQLITE3_CLI" "$db" "SELECT id FROM orders WHERE sealed IS NOT NULL ORDER BY id LIMIT 2 OFFSET 3")
d=$(echo "$ids" | sed -n 1p); e=$(echo "$ids" | sed -n 2p)
swap dek "$d" "$e"
expect_exit 1 "check fails after swapping two wrapped keys" "$FULFILCTL" --config "$conf" check --json
check "five orders reported in all" "$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1])); assert r["failed"] == 5, r
' "$T/out"
check "no customer data in any file written" piiscan "$DATA/demo-orders.json" "$T"
finish
