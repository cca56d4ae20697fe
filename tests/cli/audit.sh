#!/bin/sh
# fulfilctl audit: the log that init, import and check leave; --json;
# --verify on the intact chain; then edits, deletions, insertions and
# reorderings made with SQL directly (as anyone with sqlite3 could), each
# found at the first bad seq and recorded once; --since; a missing syslog
# socket; and no customer data in any file the run wrote.
. "$top_srcdir/tests/lib/common.sh"
"$PYTHON3" -c 'import sqlite3' 2>/dev/null ||
	skip_all "python3 with the sqlite3 module not found"
plan 60

conf=$(make_config "$T/st")
db="$T/st/data/cache.db"
ctl() { "$FULFILCTL" --config "$conf" "$@"; }
me=$(id -un)
# The demo orders, all still to ship: the row numbers below count on no
# order-wiped rows (orders that arrive delivered or cancelled are wiped by
# import's retention sweep, which test_retention and retention.sh cover).
mkdir "$T/in"
ORDERS="$T/in/orders.json"
"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for o in d["orders"]:
    o["status"], o["delivered_at"] = "unshipped", None
json.dump(d, open(sys.argv[2], "w"))' "$DATA/demo-orders.json" "$ORDERS"

# sql SCRIPT: run SQL on the cache behind fulfil's back.
sql() {
	"$PYTHON3" - "$db" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.executescript(sys.argv[2])
con.commit()
con.close()
PY
}
# copy FROM TO: a consistent copy of a database (WAL included).
copy_db() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close()
src.close()
PY
}
# db_count WHERE: rows of the audit table matching WHERE.
db_count() {
	"$PYTHON3" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM audit WHERE " + sys.argv[2]).fetchone()[0])' "$db" "$1"
}
# json_check FILE PYTHON-EXPR-LINES: assertions over the parsed JSON (j).
json_check() {
	_f=$1
	shift
	"$PYTHON3" -c "import json, sys
j = json.load(open(sys.argv[1]))
$1" "$_f"
}

# ---- the events of init, import and check ----------------------------
expect_exit 0 "init" ctl init
expect_exit 0 "import the demo orders" ctl import "$ORDERS"
expect_exit 0 "check" ctl check
echo '{"orders":[{"id":"bad id"}]}' >"$T/bad.json"
expect_exit 1 "import a file with one rejected order" ctl import "$T/bad.json"
expect_exit 0 "re-import the demo (nothing new)" ctl import "$ORDERS"

expect_exit 0 "audit" ctl audit
cp "$T/out" "$T/audit.txt"
check "audit shows station-init by the OS user" grep -Eq "^ +1  [0-9T:Z-]+  station-init +fulfilctl +$me " "$T/audit.txt"
check "audit shows orders-imported with the count" grep -Eq "^ +2  .* orders-imported +fulfilctl +$me .* 320  0\$" "$T/audit.txt"
check "audit shows orders-rejected" grep -Eq "^ +4  .* orders-rejected +fulfilctl +$me .* 1  -1\$" "$T/audit.txt"
check "check found nothing, so no tamper-found" sh -c '! grep -q tamper-found "$1"' sh "$T/audit.txt"

expect_exit 0 "audit --json" ctl audit --json
cp "$T/out" "$T/audit.json"
check "--json is an array of rows with exactly the documented keys" json_check "$T/audit.json" '
keys = {"seq", "time", "kind", "source", "actor", "subject", "order", "role", "count", "result"}
assert isinstance(j, list) and len(j) == 5, j
assert all(set(r) == keys for r in j), j
assert [r["seq"] for r in j] == [1, 2, 3, 4, 5], j
assert [r["kind"] for r in j] == ["station-init", "orders-imported", "orders-imported", "orders-rejected", "orders-imported"], j
assert j[0]["count"] is None and j[0]["subject"] is None and j[0]["order"] is None and j[0]["role"] is None, j
assert j[1]["count"] == 320 and j[2]["count"] == 0 and j[3]["count"] == 1 and j[4]["count"] == 0, j
import re
assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["time"]) for r in j), j'
check "--json names the OS user as actor" json_check "$T/audit.json" "
assert all(r['actor'] == '$me' and r['source'] == 'fulfilctl' for r in j), j"

expect_exit 0 "audit --verify on the untouched log" ctl audit --verify
check "it says the chain is ok" grep -qx "audit chain ok: 5 rows" "$T/out"
expect_exit 0 "audit --verify --json" ctl audit --verify --json
check "--verify --json says ok" json_check "$T/out" '
assert j == {"ok": True, "rows": 5, "first_bad_seq": None, "why": None}, j'
check "listing and verifying wrote nothing" test "$(db_count 1)" -eq 5

# ---- tampering with sqlite3 -------------------------------------------
copy_db "$db" "$T/pristine.db"
# tamper DESC SEQ SQL: from the pristine log, apply SQL; --verify must exit
# 1 naming SEQ as the first bad row.
tamper() {
	copy_db "$T/pristine.db" "$db"
	sql "$3"
	expect_exit 1 "$1: --verify exits 1" ctl audit --verify
	if grep -q "^fulfilctl: audit chain broken at seq $2: " "$T/err"; then
		ok "$1: names seq $2"
	else
		fail "$1: names seq $2"
		sed 's/^/#   /' "$T/err"
	fi
}
tamper "edit the count of row 2" 2 "UPDATE audit SET count = 999 WHERE seq = 2"
check "the break is recorded as chain-broken (count 2) by the OS user" sh -c '
"$1" --config "$2" audit --json >"$3/j" && "$4" -c "
import json, sys
j = json.load(open(sys.argv[1]))
last = j[-1]
assert last[\"seq\"] == 6 and last[\"kind\"] == \"chain-broken\", last
assert last[\"count\"] == 2 and last[\"actor\"] == sys.argv[2], last
" "$3/j" "$5"' sh "$FULFILCTL" "$conf" "$T" "$PYTHON3" "$me"
expect_exit 1 "a second --verify still fails at the same row" ctl audit --verify
check "... and names seq 2 again" grep -q "broken at seq 2: mac mismatch" "$T/err"
check "... without recording the same break twice" test "$(db_count 'kind = 31')" -eq 1
tamper "edit the actor of row 1" 1 "UPDATE audit SET actor = 'mallory' WHERE seq = 1"
tamper "delete row 3" 3 "DELETE FROM audit WHERE seq = 3"
tamper "delete the newest row" 5 "DELETE FROM audit WHERE seq = 5"
tamper "insert a row at 3" 3 "
UPDATE audit SET seq = seq + 100 WHERE seq >= 3;
UPDATE audit SET seq = seq - 99 WHERE seq >= 100;
INSERT INTO audit SELECT 3, at, kind, source, actor, subject, order_id, role, count, result, mac FROM audit WHERE seq = 2"
tamper "append a forged row" 6 "
INSERT INTO audit SELECT 6, at, kind, source, 'mallory', subject, order_id, role, count, result, mac FROM audit WHERE seq = 5"
tamper "swap rows 2 and 4" 2 "
UPDATE audit SET seq = -2 WHERE seq = 2;
UPDATE audit SET seq = 2 WHERE seq = 4;
UPDATE audit SET seq = 4 WHERE seq = -2"
check "the stderr line names the reason" grep -q "broken at seq 2: mac mismatch" "$T/err"

copy_db "$T/pristine.db" "$db"
expect_exit 0 "the restored log verifies again" ctl audit --verify

# ---- --since -------------------------------------------------------------
expect_exit 0 "--since 1h" ctl audit --since 1h --json
check "--since 1h lists every row" json_check "$T/out" 'assert len(j) == 5, j'
expect_exit 0 "--since an old date" ctl audit --since 2000-01-01 --json
check "--since 2000-01-01 lists every row" json_check "$T/out" 'assert len(j) == 5, j'
expect_exit 0 "--since a future RFC 3339 time" ctl audit --since=2999-01-01T00:00:00+01:00 --json
check "--since the future lists nothing" json_check "$T/out" 'assert j == [], j'
expect_exit 0 "--since a past RFC 3339 time with fraction" ctl audit --since 2001-02-03T04:05:06.789Z
check "the table lists every row" test "$(grep -c 'orders-imported' "$T/out")" -eq 3
expect_exit 2 "--since yesterday is a usage error" ctl audit --since yesterday
expect_exit 2 "--since 2026-02-30 is a usage error" ctl audit --since 2026-02-30
expect_exit 2 "--since without a value is a usage error" ctl audit --since
expect_exit 2 "--verify with --since is a usage error" ctl audit --verify --since 1d
expect_exit 2 "an unknown option is a usage error" ctl audit --all

# ---- check records tampering with an order ------------------------------
"$PYTHON3" - "$db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
oid, blob = con.execute("SELECT id, sealed FROM orders ORDER BY id LIMIT 1").fetchone()
blob = bytearray(blob)
blob[len(blob) // 2] ^= 1
con.execute("UPDATE orders SET sealed = ? WHERE id = ?", (bytes(blob), oid))
con.commit()
PY
expect_exit 1 "check finds the altered order" ctl check
expect_exit 0 "audit --json" ctl audit --json
check "check recorded tamper-found with the count" json_check "$T/out" "
last = j[-1]
assert last['kind'] == 'tamper-found' and last['count'] == 1 and last['result'] == -6, last
assert last['actor'] == '$me' and last['order'] is None, last"
expect_exit 0 "the chain is still intact" ctl audit --verify

# ---- syslog on, but no daemon: the event is still stored ---------------
sed 's|^syslog = no$|syslog = yes\nsyslog_socket = '"$T"'/no-such-dir/log|' "$conf" >"$T/syslog.conf"
chmod 600 "$T/syslog.conf"
expect_exit 0 "import with a missing syslog socket succeeds" "$FULFILCTL" --config "$T/syslog.conf" import "$ORDERS"
expect_exit 0 "audit --verify" ctl audit --verify
check "... and the event is in the log" grep -qx "audit chain ok: 7 rows" "$T/out"

# ---- no customer data anywhere ------------------------------------------
expect_exit 0 "audit --json for the scan" ctl audit --json
cp "$T/out" "$T/final.json"
check "no customer data in any file written" piiscan --exclude "$T/in" "$DATA/demo-orders.json" "$T"
finish
