#!/bin/sh
# fulfilctl users, grant, revoke and unlock: roles with expiry, the
# refusals of R1 (generic names, system accounts, oneself), malformed
# arguments, hostile names, and the audit rows each step leaves.
# Exit codes: 0 done, 1 refused by policy or failed, 2 malformed argument.
. "$top_srcdir/tests/lib/common.sh"
plan 72

conf=$(make_config "$T/st")
db="$T/st/data/cache.db"
ctl() { "$FULFILCTL" --config "$conf" "$@"; }
me=$(id -un)

# sql QUERY: one value from the cache (needs the sqlite3 tool).
sql() { "$SQLITE3_CLI" "$db" "$1"; }
have_sql() { [ -n "${SQLITE3_CLI:-}" ]; }

# no_cntrl FILE: one-line errors without raw control bytes.
no_cntrl() { ! LC_ALL=C grep -q '[[:cntrl:]]' "$1"; }

expect_exit 0 "init" ctl init

# ---- grant, users -------------------------------------------------------
expect_exit 0 "grant ada picker --days 30" ctl grant ada picker --days 30
check "grant says what and until when" grep -Eq '^granted picker to ada until [0-9]{4}-[0-9]{2}-[0-9]{2} ' "$T/out"
expect_exit 0 "grant ada packer (default days)" ctl grant ada packer
expect_exit 0 "grant bo dispatcher --days=1" ctl grant bo dispatcher --days=1
expect_exit 0 "users" ctl users
check "users shows ada's picker role with its expiry" grep -Eq '^ada .*picker until [0-9]{4}-[0-9]{2}-[0-9]{2} \('"$me"'\)' "$T/out"
check "users shows the lock state and the unknown count" sh -c 'grep -q "^ada  *open" "$1" && grep -q "does not know: 0" "$1"' sh "$T/out"
expect_exit 0 "users --json" ctl users --json
check "users --json parses: days, granter, lock state" "$PYTHON3" -c '
import json, sys
from datetime import datetime, timedelta
d = json.load(open(sys.argv[1]))
me = sys.argv[2]
assert d["unknown_locked"] == 0, d
users = {u["user"]: u for u in d["users"]}
assert sorted(users) == ["ada", "bo"], users
ada = users["ada"]
assert ada["locked"] is False and ada["locked_until"] is None
roles = {r["role"]: r for r in ada["roles"]}
assert sorted(roles) == ["packer", "picker"], roles
def ts(s): return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
for name, days in (("picker", 30), ("packer", 90)):
    r = roles[name]
    assert r["granted_by"] == me and r["expired"] is False, r
    assert ts(r["expires_at"]) - ts(r["granted_at"]) == timedelta(days=days), r
assert users["bo"]["roles"][0]["role"] == "dispatcher"
' "$T/out" "$me"

# A grant whose time is over shows as expired (and counts for nothing).
if have_sql; then
	sql "UPDATE grants SET expires_at = granted_at - 1 WHERE user = 'bo'"
	expect_exit 0 "users after bo's grant ran out" ctl users
	check "an expired grant is shown as expired" grep -Eq '^bo .*dispatcher expired [0-9-]{10}' "$T/out"
	expect_exit 0 "users --json after expiry" ctl users --json
	check "json flags it expired" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
bo = [u for u in d["users"] if u["user"] == "bo"][0]
assert bo["roles"][0]["expired"] is True, bo
' "$T/out"
else
	skip "sqlite3 tool not found"; skip "sqlite3 tool not found"
	skip "sqlite3 tool not found"; skip "sqlite3 tool not found"
fi

# ---- refusals of policy: exit 1 -----------------------------------------
for n in root admin Station-2 guest; do
	expect_exit 1 "grant to generic name $n refused" ctl grant "$n" picker
	# (run as root, "root" is also oneself: either reason will do)
	check "$n: the message says why" grep -Eq 'generic name|themself' "$T/err"
done
expect_exit 1 "grant to system account daemon (uid 1) refused" ctl grant daemon picker
check "daemon: the message says system account" grep -q 'system account' "$T/err"
expect_exit 1 "grant to oneself refused, even the administrator" ctl grant "$me" auditor
check "self-grant: the message says why" grep -q 'themself' "$T/err"

# ---- malformed arguments: exit 2 ----------------------------------------
expect_exit 2 "a name with a space is malformed" ctl grant "bad name" picker
check "the message names the rule, not the name" sh -c 'grep -q "login name" "$1" && ! grep -q "bad name" "$1"' sh "$T/err"
long=$(printf '%4096s' '' | tr ' ' a)
expect_exit 2 "a 4 KB name is malformed" ctl grant "$long" picker
check "4 KB name: short message, name not echoed" sh -c '[ $(wc -c <"$1") -lt 200 ] && ! grep -q aaaaaaaa "$1"' sh "$T/err"
expect_exit 2 "a name with control characters is malformed" ctl grant "$(printf 'ada\033[2J\nroot')" picker
check "control characters: one clean line" sh -c '[ $(wc -l <"$1") -eq 1 ] && ! LC_ALL=C grep -q "[[:cntrl:]]" "$1"' sh "$T/err"
expect_exit 2 "a name with %n is malformed" ctl grant '%n%n%n%n' picker
expect_exit 2 "a name of invalid UTF-8 is malformed" ctl grant "$(printf 'ad\377\376a')" picker
check "invalid UTF-8: one clean line" no_cntrl "$T/err"
expect_exit 2 "an empty name is malformed" ctl grant '' picker
expect_exit 2 "unknown role is a usage error" ctl grant ada wizard
check "the usage error lists the roles" grep -q 'picker, packer, dispatcher, supervisor, auditor' "$T/err"
expect_exit 2 "--days 0 refused" ctl grant ada picker --days 0
check "--days: the message gives the range" grep -q '1 to 365 days' "$T/err"
expect_exit 2 "--days 366 refused" ctl grant ada picker --days 366
expect_exit 2 "--days not a number" ctl grant ada picker --days 3x
check "--days: the usage error names the option" grep -q -- '--days' "$T/err"
expect_exit 2 "--days without a value" ctl grant ada picker --days
expect_exit 2 "grant with one argument" ctl grant ada
expect_exit 2 "grant with an unknown option" ctl grant ada picker --forever
check "the usage error names the option" grep -q -- '--forever' "$T/err"
expect_exit 2 "users with a stray argument" ctl users --bogus
check "the usage error names the argument" grep -q -- '--bogus' "$T/err"
if have_sql; then
	check "no refused or malformed name reached the grants table" test "$(sql "SELECT group_concat(DISTINCT user) FROM grants")" = "ada,bo"
else
	skip "sqlite3 tool not found"
fi
check "no malformed name is in any file of the station" sh -c '! grep -rqa -e "bad name" -e aaaaaaaaaaaaaaaa -e "%n%n" "$1"' sh "$T/st"

# ---- revoke -------------------------------------------------------------
expect_exit 0 "revoke ada picker" ctl revoke ada picker
check "revoke says so" grep -q '^revoked picker from ada' "$T/out"
expect_exit 0 "users after revoke" ctl users
check "picker is gone, packer stays" sh -c 'grep "^ada " "$1" | grep -q packer && ! grep "^ada " "$1" | grep -q picker' sh "$T/out"
expect_exit 1 "revoking a role not held fails" ctl revoke ada picker
check "the message says it is not held" grep -q 'does not hold' "$T/err"
expect_exit 2 "revoke of an unknown role is a usage error" ctl revoke ada root

# ---- unlock -------------------------------------------------------------
expect_exit 1 "unlock of a name that is not locked" ctl unlock ada
check "the message says not locked" grep -q 'not locked' "$T/err"
expect_exit 2 "unlock of a malformed name" ctl unlock "bad name"
check "unlock does not echo a malformed name" sh -c '! grep -q "bad name" "$1"' sh "$T/err"
expect_exit 1 "unlock takes the #HEX form of an unknown name" ctl unlock '#0123456789abcdef'
expect_exit 2 "a malformed #HEX form is a usage error" ctl unlock '#0123456789abcdeg'

# ---- the audit log ------------------------------------------------------
# kinds: 20 role-granted, 21 role-revoked, 22 grant-refused.
if have_sql; then
	check "three grants audited as role-granted with their days" test "$(sql "SELECT group_concat(subject || ':' || role || ':' || count, ' ') FROM audit WHERE kind = 20")" = "ada:picker:30 ada:packer:90 bo:dispatcher:1"
	check "the revoke audited as role-revoked by the OS user" test "$(sql "SELECT actor || ':' || subject || ':' || role FROM audit WHERE kind = 21")" = "$me:ada:picker"
	check "every refusal that reached the core audited as grant-refused" test "$(sql "SELECT count(*) FROM audit WHERE kind = 22")" = 15
	check "refusals of a valid name name it" test "$(sql "SELECT group_concat(subject, ',') FROM (SELECT subject FROM audit WHERE kind = 22 AND subject IS NOT NULL ORDER BY seq)")" = "root,admin,Station-2,guest,daemon,$me,ada,ada,ada"
	check "refusals of a malformed name record no name, result invalid (-1)" test "$(sql "SELECT count(*) || ':' || group_concat(DISTINCT result) FROM audit WHERE kind = 22 AND subject IS NULL")" = "6:-1"
else
	skip "sqlite3 tool not found"; skip "sqlite3 tool not found"
	skip "sqlite3 tool not found"; skip "sqlite3 tool not found"
	skip "sqlite3 tool not found"
fi
expect_exit 0 "fulfilctl audit" ctl audit
check "fulfilctl audit shows grants, the revoke and refusals" sh -c 'grep -q role-granted "$1" && grep -q role-revoked "$1" && grep -q grant-refused "$1"' sh "$T/out"
expect_exit 0 "fulfilctl audit --verify accepts the chain" ctl audit --verify
finish
