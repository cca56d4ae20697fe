#!/bin/sh
# run.sh: the driver of `make bench` (run from the bench build directory).
#
# Runs ./ingest (fulfil next to plain sqlite and the raw AEAD, in one
# process) and, when it was built, ./ingest_sqlcipher (the same plain
# pipeline on SQLCipher, keyed, next to SQLCipher without a key), then
# prints one report, followed by ./label's (render + send of dispatch
# labels next to send only): every fulfil figure next to plain sqlite and
# SQLCipher with ratios, the targets and the verdicts. A missed target is
# reported as MISSED, never as a failure of this script: the exit status
# is non-zero only when a benchmark could not run.
#
# Usage: run.sh [--orders N] [--lookups N] [--batch N] [--repeat N]
#               [--cipher C]
# or:    make bench BENCH_ARGS="--orders 20000 --repeat 5"
# Writes nothing but a private temporary directory, removed at the end;
# the programs print counts and times only, never order data.

set -u

usage() {
	echo "usage: run.sh [--orders N] [--lookups N] [--batch N]" \
	    "[--repeat N] [--cipher auto|aes256gcm|xchacha20poly1305]"
}

# Values go unquoted onto command lines below: allow only plain words.
check_word() {
	case $1 in
	'' | *[!A-Za-z0-9=-]*)
		echo "run.sh: bad argument: $1" >&2
		exit 2
		;;
	esac
}

all=""
common=""
label_args=""
# shellcheck disable=SC2086 # BENCH_ARGS is a word list by design
set -- ${BENCH_ARGS:-} "$@"
while [ $# -gt 0 ]; do
	case $1 in
	--orders | --lookups | --batch | --repeat)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		check_word "$2"
		common="$common $1 $2"
		all="$all $1 $2"
		[ "$1" = --repeat ] && label_args="$label_args $1 $2"
		shift 2
		;;
	--orders=* | --lookups=* | --batch=* | --repeat=*)
		check_word "$1"
		common="$common $1"
		all="$all $1"
		case $1 in --repeat=*) label_args="$label_args $1" ;; esac
		shift
		;;
	--cipher)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		check_word "$2"
		all="$all $1 $2"
		shift 2
		;;
	--cipher=*)
		check_word "$1"
		all="$all $1"
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done

if [ ! -x ./ingest ]; then
	echo "run.sh: ./ingest is not built; run \`make bench' instead" >&2
	exit 1
fi

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fulfil-bench-run-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2086
if ! ./ingest --kv $all >"$tmp/ingest.kv"; then
	echo "run.sh: bench/ingest failed" >&2
	exit 1
fi
have_sc=no
if [ -x ./ingest_sqlcipher ]; then
	# shellcheck disable=SC2086
	if ./ingest_sqlcipher --kv $common >"$tmp/sqlcipher.kv"; then
		have_sc=yes
	else
		echo "run.sh: bench/ingest_sqlcipher failed; reporting" \
		    "without SQLCipher" >&2
	fi
fi
[ "$have_sc" = yes ] || : >"$tmp/sqlcipher.kv"

echo
echo "fulfil benchmark report ($(date -u '+%Y-%m-%d %H:%M UTC'))"
# Bytes, not characters, in awk (mawk and gawk alike); pad() below
# counts UTF-8 continuation bytes out so "µs" lines up.
LC_ALL=C awk -v have_sc="$have_sc" '
function pad(s, w,    t, n) {
	t = s
	n = gsub(/[\200-\277]/, "", t)
	w = w + n
	return sprintf("%-" w "s", s)
}
function num(v) {
	if (v >= 1000) return sprintf("%.0f", v)
	if (v >= 10) return sprintf("%.1f", v)
	if (v >= 1 || v <= -1) return sprintf("%.2f", v)
	return sprintf("%.3f", v)
}
# A negative extra cost (fulfil faster than plain) has no ratio.
function xratio(r) {
	return r < 0 ? "n/a" : sprintf("%.2fx", r)
}
# fulfil cost / other cost: orders/s is a rate, the rest are costs.
function ratio(key, ful, other) {
	if (key == "ingest_orders_per_s")
		return ful > 0 ? other / ful : 0
	return other > 0 ? ful / other : 0
}
$1 == "meta" {
	v = $0
	sub(/^meta [^ ]+ /, "", v)
	if ($2 == "cipher") ciphers[++nc] = v
	else meta[$2] = v
	next
}
$1 == "row" {
	val[$2, $3] = $4; ref[$2, $3] = $5; rat[$2, $3] = $6; ver[$2, $3] = $7
	next
}
$1 == "raw" { seal[$2] = $3; open_[$2] = $4; ptb[$2] = $5; next }
$1 == "rounds" {
	v = ""
	for (i = 5; i <= NF; i++) v = v " " num($i)
	rounds[$2, $3, $4] = v
	next
}
END {
	label["ingest_orders_per_s"] = "ingest, orders/s"
	label["ingest_seconds"] = "ingest, total s"
	label["lookup_p50_us"] = "lookup p50, µs"
	label["lookup_p99_us"] = "lookup p99, µs"
	target["ingest_orders_per_s"] = ">= 20000"
	target["ingest_seconds"] = "<= 1.20x plain"
	target["lookup_p50_us"] = "-"
	target["lookup_p99_us"] = "<= 200"
	keys[1] = "ingest_orders_per_s"; keys[2] = "ingest_seconds"
	keys[3] = "lookup_p50_us"; keys[4] = "lookup_p99_us"

	printf "  machine:   %s cores, %s, AES-NI %s; cache on %s\n",
	    meta["cores"], meta["cpu"], meta["aesni"], meta["fs"]
	printf "  libraries: sqlite %s, libsodium %s", meta["sqlite"],
	    meta["sodium"]
	if (have_sc == "yes")
		printf "; SQLCipher %s (sqlite %s, %s, page %s, raw key)",
		    meta["sqlcipher_version"], meta["sqlcipher_sqlite"],
		    meta["sqlcipher_cipher"], meta["sqlcipher_page_size"]
	printf "\n"
	printf "  load:      %s at the start, %s at the end (1/5/15 min; " \
	    "other work on the\n             machine skews the figures)\n",
	    meta["load_start"], (have_sc == "yes" ? \
	    meta["sqlcipher_load_end"] : meta["load_end"])
	printf "  workload:  %s orders (%s bytes of JSON each on average) in " \
	    "batches of %s, one\n             transaction each; %s lookups " \
	    "by ref from a fixed-seed PRNG; the same\n             orders " \
	    "and keys for every pipeline; warm-up excluded\n",
	    meta["orders"], meta["json_bytes_per_order"], meta["batch"],
	    meta["lookups"]
	printf "  rounds:    %s per pipeline, each in fresh databases, " \
	    "taking turns with its\n             reference; every figure " \
	    "is the median over the rounds\n", meta["repeat"]
	printf "  plain:     sqlite, same pragmas and table, PII as JSON " \
	    "text, no encryption\n"
	if (have_sc == "yes")
		printf "  SQLCipher: the plain pipeline on libsqlcipher with " \
		    "PRAGMA key (separate process)\n"
	else
		printf "  SQLCipher: not measured (libsqlcipher-dev not " \
		    "found by configure)\n"
	printf "  ratio:     fulfil cost / reference cost (orders/s " \
	    "inverted); below 1.00x fulfil is faster\n"

	missed = 0
	for (c = 1; c <= nc; c++) {
		cn = ciphers[c]
		s = "fulfil:" cn
		printf "\ncipher %s\n", cn
		printf "  %s %10s %12s %7s", pad("figure", 22), "fulfil",
		    "plain sqlite", "ratio"
		if (have_sc == "yes")
			printf " %10s %7s", "SQLCipher", "ratio"
		printf "  %-15s %s\n", "target", "verdict"
		for (k = 1; k <= 4; k++) {
			key = keys[k]
			printf "  %s %10s %12s %6.2fx", pad(label[key], 22),
			    num(val[s, key]), num(ref[s, key]), rat[s, key]
			if (have_sc == "yes")
				printf " %10s %6.2fx", num(val["sqlcipher", key]),
				    ratio(key, val[s, key], val["sqlcipher", key])
			printf "  %-15s %s\n", target[key], ver[s, key]
			if (ver[s, key] == "MISSED") {
				missed++
				what[missed] = cn ": " label[key]
			}
		}
		r = "raw:" cn
		printf "  crypto share, against raw %s in libsodium on the " \
		    "same plaintexts (mean %s bytes):\n", cn, ptb[cn]
		printf "  %s %10s %12s %7s\n", pad("", 22), "fulfil",
		    "raw AEAD", "ratio"
		printf "  %s %10s %12s %7s  (raw: DEK + seal + wrap)\n",
		    pad("ingest, extra µs/order", 22),
		    num(val[r, "crypto_ingest_us"]),
		    num(ref[r, "crypto_ingest_us"]),
		    xratio(rat[r, "crypto_ingest_us"])
		printf "  %s %10s %12s %7s  (raw: unwrap + open)\n",
		    pad("lookup mean, extra µs", 22),
		    num(val[r, "crypto_lookup_us"]),
		    num(ref[r, "crypto_lookup_us"]),
		    xratio(rat[r, "crypto_lookup_us"])
		printf "  rounds behind the medians:\n"
		printf "    ingest s      fulfil%s; plain%s\n",
		    rounds[cn, "fulfil", "ingest_seconds"],
		    rounds[cn, "plain", "ingest_seconds"]
		printf "    lookup p99 µs fulfil%s; plain%s\n",
		    rounds[cn, "fulfil", "lookup_p99_us"],
		    rounds[cn, "plain", "lookup_p99_us"]
	}
	if (have_sc == "yes") {
		printf "\nSQLCipher against itself without a key (same process): "
		printf "ingest %.2fx, lookup p50 %.2fx, p99 %.2fx\n",
		    rat["sqlcipher", "ingest_seconds"],
		    rat["sqlcipher", "lookup_p50_us"],
		    rat["sqlcipher", "lookup_p99_us"]
	}
	printf "\n"
	if (nc == 0) {
		printf "no results\n"
		exit 1
	}
	if (missed == 0) {
		printf "verdict: all targets met\n"
	} else {
		printf "verdict: MISSED %d target(s):", missed
		for (i = 1; i <= missed; i++)
			printf "%s %s", (i > 1 ? ";" : ""), what[i]
		printf "\n"
	}
}
' "$tmp/ingest.kv" "$tmp/sqlcipher.kv"
st=$?

# Dispatch labels: render + send next to sending the same bytes.
if [ -x ./label ]; then
	# shellcheck disable=SC2086
	./label $label_args || {
		echo "run.sh: bench/label failed" >&2
		st=1
	}
fi
exit $st
