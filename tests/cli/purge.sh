#!/bin/sh
# fulfilctl purge --all --certificate FILE and verify-certificate: what is
# destroyed and what stays, the certificate verifies and one flipped byte
# does not, and kill -9 at 30 points inside purge --all leaves either an
# intact station or a pending purge that nothing can open and that the
# next purge --all finishes. Ends with the PII scan.
. "$top_srcdir/tests/lib/common.sh"
plan 19

mkdir "$T/in"
"$PYTHON3" "$TESTLIB/mkorders.py" bulk 12 >"$T/in/orders.json"
conf=$(make_config "$T/st")
data="$T/st/data"
ctl() { "$FULFILCTL" --config "$conf" "$@"; }

ctl init >/dev/null 2>&1 || bail "init failed"
ctl import "$T/in/orders.json" >/dev/null 2>&1 || bail "import failed"
# A relative certificate path is refused before anything is destroyed.
expect_exit 2 "purge --all --certificate cert.json (relative): usage error" \
    ctl purge --all --certificate cert.json
check "... saying it needs an absolute path" grep -q "absolute path" "$T/err"
check "... and the key is still there" test -e "$T/st/keys/cache.key"
expect_exit 0 "purge --all --certificate" ctl purge --all --certificate "$T/cert.json"
check "it says how many orders it erased, and that every key went" sh -c 'grep -qx "erased 12 orders holding customer data (of 12)" "$1" && grep -qx "every key destroyed" "$1"' sh "$T/out"
check "the key file is gone" test ! -e "$T/st/keys/cache.key"
check "only station.pub, audit-anchor and the certificate stay" test "$(ls "$data" | tr '\n' ' ')" = "audit-anchor deletion-certificate.json station.pub "
check "the certificate names the method and has no PII" sh -c 'grep -q "cryptographic erase, NIST SP 800-88" "$1" && grep -q "\"orders_erased\": 12" "$1"' sh "$T/cert.json"
expect_exit 0 "verify-certificate with the kept public key" ctl verify-certificate "$T/cert.json"
check "it says valid" grep -q "certificate valid" "$T/out"
"$PYTHON3" - "$T/cert.json" "$T/flipped.json" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b'"orders_erased": 12') + len('"orders_erased": ')
b[i] ^= 0x03  # 12 -> 22
open(sys.argv[2], "wb").write(b)
PY
expect_exit 1 "one flipped byte: verification fails" ctl verify-certificate "$T/flipped.json"
check "the failure names the signature" grep -q "signature does not match" "$T/err"
pk=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key"])' "$data/station.pub")
: >"$T/empty.conf" && chmod 600 "$T/empty.conf"
expect_exit 0 "verify-certificate --pubkey, away from the station" "$FULFILCTL" --config "$T/empty.conf" verify-certificate "$T/cert.json" --pubkey "$pk"
expect_exit 1 "another key does not verify it" ctl verify-certificate "$T/cert.json" --pubkey 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c
expect_exit 1 "nothing opens after the purge" ctl status
expect_exit 2 "verify-certificate without a file is a usage error" ctl verify-certificate

# kill -9 at 30 points inside purge --all.
bad=""
intact=0
pending=0
n=1
while [ $n -le 30 ]; do
	rm -rf "$data" "$T/st/keys/cache.key" "$T/crash.json"
	ctl init >/dev/null 2>&1 && ctl import "$T/in/orders.json" >/dev/null 2>&1 || { bad="$bad $n(setup)"; n=$((n + 1)); continue; }
	FULFIL_TEST_CRASH_AT=$n sh -c '"$0" --config "$1" purge --all --certificate "$2"' "$FULFILCTL" "$conf" "$T/crash.json" >/dev/null 2>&1
	if [ -e "$data/purge-pending.json" ]; then
		pending=$((pending + 1))
		# Honest state: nothing opens, status says a purge is pending.
		if ctl status >/dev/null 2>"$T/err.$n" || ! grep -q "interrupted" "$T/err.$n"; then
			bad="$bad $n(opens)"
		elif ! ctl purge --all --certificate "$T/crash.json" >"$T/out.$n" 2>&1 ||
		    ! grep -q "finished an interrupted purge" "$T/out.$n"; then
			bad="$bad $n(resume)"
		fi
	elif [ -e "$data/cache.db" ]; then
		intact=$((intact + 1))
		ctl check >"$T/out.$n" 2>&1 && grep -q "checked 12 orders: 0 failed" "$T/out.$n" || bad="$bad $n(intact)"
		ctl purge --all --certificate "$T/crash.json" >/dev/null 2>&1 || bad="$bad $n(purge)"
	fi
	ctl verify-certificate "$T/crash.json" >/dev/null 2>&1 || bad="$bad $n(cert)"
	[ ! -e "$data/cache.db" ] && [ ! -e "$T/st/keys/cache.key" ] || bad="$bad $n(left)"
	n=$((n + 1))
done
check "kill -9 at 30 points of purge --all: state honest, finished by a rerun${bad:+ (failed at$bad)}" test -z "$bad"
check "crashes hit both before and after the point of no return ($intact intact, $pending pending)" test "$intact" -ge 1 -a "$pending" -ge 5
check "no customer data in any file written" piiscan --exclude "$T/in" "$T/in/orders.json" "$T"
finish
