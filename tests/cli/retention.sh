#!/bin/sh
# Wipe on delivery through fulfilctl: import, deliver half (an import with
# status delivered and a newer updated_at, as sync does), then a byte
# search of cache.db, -wal and -shm for the wiped orders' sealed blobs and
# wrapped DEKs; purge --order / --delivered; rekey (a saved wrapped DEK
# opens with no key left) and kill -9 at 30 points inside a rotation.
# Ends with the PII scan of everything the run wrote.
. "$top_srcdir/tests/lib/common.sh"
"$PYTHON3" -c 'import sqlite3' 2>/dev/null ||
	skip_all "python3 with the sqlite3 module not found"
plan 29

conf=$(make_config "$T/st")
data="$T/st/data"
ctl() { "$FULFILCTL" --config "$conf" "$@"; }
ctl init >/dev/null 2>&1 || bail "init failed"

# 20 unshipped orders, and the delivered version of the odd ones.
mkdir "$T/in"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 20 >"$T/in/bulk.json"
"$PYTHON3" - "$T/in/bulk.json" "$T/in/orders.json" "$T/in/delivered.json" <<'PY'
import json, sys, time
d = json.load(open(sys.argv[1]))
now = int(time.time())
iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
for o in d["orders"]:
    o["status"] = "unshipped"
    o["updated_at"] = iso(now - 3600)
    o["delivered_at"] = None
json.dump(d, open(sys.argv[2], "w"))
odd = [dict(o) for i, o in enumerate(d["orders"]) if i % 2 == 0]
for o in odd:
    o["status"] = "delivered"
    o["updated_at"] = iso(now - 60)
    o["delivered_at"] = iso(now - 120)
json.dump({"orders": odd}, open(sys.argv[3], "w"))
PY

# blobs DB OUT: every order's sealed blob and wrapped DEK, hex, one per line.
blobs() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
with open(sys.argv[2], "w") as f:
    for i, s, d in con.execute("SELECT id, sealed, dek FROM orders"
                               " WHERE sealed IS NOT NULL"):
        f.write("%s %s %s\n" % (i, s.hex(), d.hex()))
PY
}
# found DIR LIST IDS...: how many of those orders' blobs (16-byte windows
# of the sealed blob, the whole wrapped DEK) are in any file under DIR.
found() {
	"$PYTHON3" - "$@" <<'PY'
import os, sys
d, lst, ids = sys.argv[1], sys.argv[2], set(sys.argv[3:])
data = b""
for root, _, files in os.walk(d):
    for n in files:
        p = os.path.join(root, n)
        if os.path.isfile(p) and not os.path.islink(p):
            data += open(p, "rb").read()
hits = 0
for line in open(lst):
    i, s, k = line.split()
    if i not in ids:
        continue
    s, k = bytes.fromhex(s), bytes.fromhex(k)
    wins = [s[12:28], s[len(s) // 2:len(s) // 2 + 16], s[-16:]]
    if any(w in data for w in wins) or k in data:
        hits += 1
print(hits)
PY
}

expect_exit 0 "import 20 orders" ctl import "$T/in/orders.json"
blobs "$data/cache.db" "$T/before.lst"
odd_ids=$("$PYTHON3" -c 'import json,sys; print(" ".join(o["id"] for o in json.load(open(sys.argv[1]))["orders"]))' "$T/in/delivered.json")
even_ids=$("$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1]))["orders"]; print(" ".join(o["id"] for i,o in enumerate(d) if i%2))' "$T/in/orders.json")
check "before: the search finds all 20 orders' blobs" test "$(found "$data" "$T/before.lst" $odd_ids $even_ids)" = 20
expect_exit 0 "import the delivered half" ctl import "$T/in/delivered.json"
check "import says it wiped the 10 delivered orders" grep -q "wiped 10 orders (10 delivered" "$T/out"
check "no blob or wrapped DEK of a delivered order in cache.db, -wal, -shm" test "$(found "$data" "$T/before.lst" $odd_ids)" = 0
check "the undelivered half is still there" test "$(found "$data" "$T/before.lst" $even_ids)" = 10
ctl status --json >"$T/status.json" 2>&1
check "status: 10 of 20 orders hold data" "$PYTHON3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["orders"] == 20 and s["orders_with_pii"] == 10, s' "$T/status.json"
expect_exit 0 "the other half still opens" ctl check
check "check counted the 10" grep -q "checked 10 orders: 0 failed" "$T/out"
expect_exit 0 "the audit log verifies" ctl audit --verify

# purge --order and --delivered.
first=$(echo $even_ids | cut -d' ' -f1)
expect_exit 0 "purge --order wipes one order" ctl purge --order "$first"
expect_exit 1 "purge --order of a wiped order fails" ctl purge --order "$first"
check "and says it was already wiped" grep -q "already wiped" "$T/err"
expect_exit 1 "purge --order of an unknown order fails" ctl purge --order NOPE-1
expect_exit 0 "purge --delivered with nothing delivered" ctl purge --delivered
check "says it wiped none" grep -q "wiped 0 delivered orders" "$T/out"
expect_exit 2 "purge with no mode is a usage error" ctl purge
expect_exit 2 "purge --order with --all is a usage error" ctl purge --order X --all --certificate "$T/c"
expect_exit 2 "purge --all without --certificate is a usage error" ctl purge --all

# rekey: a saved wrapped DEK of a wiped order opens with no key file left.
blobs "$data/cache.db" "$T/live.lst"
expect_exit 0 "rekey" ctl rekey
check "the key file is now epoch 2" grep -q '^fulfil-kek-1 2 ' "$T/st/keys/cache.key"
check "only one key file is left" test "$(ls "$T/st/keys")" = cache.key
expect_exit 0 "every live order opens after rekey" ctl check
# (That no key left opens a saved wrapped DEK is test_retention's; here:
# no file under the station holds the epoch-1 key any more.)
check "no key file of epoch 1 is left anywhere under the station" sh -c '! grep -rq "^fulfil-kek-1 1 " "$1"' sh "$T/st"

# A systemd credential key cannot be rotated by fulfil.
mkdir -p "$T/cred/creds" && chmod 700 "$T/cred" "$T/cred/creds"
ccfg=$(make_config "$T/cred")
sed -i -e "s|^key = .*|key = credential:fulfil-kek|" -e "s|^dir = .*|dir = $data|" "$ccfg"
cp "$T/st/keys/cache.key" "$T/cred/creds/fulfil-kek" && chmod 400 "$T/cred/creds/fulfil-kek"
expect_exit 2 "rekey of a credential: key is refused" env CREDENTIALS_DIRECTORY="$T/cred/creds" "$FULFILCTL" --config "$ccfg" rekey
check "and the message names systemd credentials" grep -q "systemd credential" "$T/err"
rm -rf "$T/cred/creds"

# kill -9 at 30 points inside a rotation: every live order still opens.
bad=""
n=1
while [ $n -le 30 ]; do
	# (sh -c: the shell that sees the SIGKILL reports it to /dev/null)
	FULFIL_TEST_CRASH_AT=$n sh -c '"$0" --config "$1" rekey' "$FULFILCTL" "$conf" >/dev/null 2>&1
	# Read-only first (nothing is fixed), then a writable open finishes.
	if ! ctl check >"$T/check.$n" 2>&1 || ! grep -q "checked 9 orders: 0 failed" "$T/check.$n"; then
		bad="$bad $n(ro)"
	elif ! echo '{"orders":[]}' | ctl import - >/dev/null 2>&1; then
		bad="$bad $n(open)"
	elif ! ctl check >"$T/check.$n" 2>&1 || ! grep -q "checked 9 orders: 0 failed" "$T/check.$n"; then
		bad="$bad $n"
	elif [ "$(ls "$T/st/keys")" != cache.key ]; then
		bad="$bad $n(files)"
	elif [ "$("$PYTHON3" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$data/cache.db")" != ok ]; then
		bad="$bad $n(integrity)"
	fi
	n=$((n + 1))
done
check "kill -9 at 30 points of a rotation loses no order${bad:+ (failed at$bad)}" test -z "$bad"
expect_exit 0 "the audit log still verifies" ctl audit --verify
check "no customer data in any file written" piiscan --exclude "$T/in" "$T/in/bulk.json" "$T"
finish
