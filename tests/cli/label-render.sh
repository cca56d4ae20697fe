#!/bin/sh
# Labels through the real transport, seen by a third-party renderer:
# render_label builds a synthetic label (normal and hostile) at 203 and
# 300 dpi and sends it with printer_send to tests/lib/fakeprinter.py on
# 127.0.0.1; the recorded ZPL holds one ^XA...^XZ and no ~ command, it
# renders with zpl-renderer-js (a WASM build of the zebrash renderer) at
# the label's size, and zbarimg reads its Code 128 back as the ref. A
# printer reporting paper out gets nothing but ~HS. The check program
# writes nothing in its working directory.
#
# Skips only when node or zpl-renderer-js is absent (the package is looked
# for in $FULFIL_ZPL_RENDERER_DIR, else /usr/local/lib/fulfil-test, where
# build-aux/install-deps.sh installs it).
. "$top_srcdir/tests/lib/common.sh"

RENDER_LABEL="$top_builddir/tests/label/render_label"
FAKEPRINTER="$TESTLIB/fakeprinter.py"
RDIR=${FULFIL_ZPL_RENDERER_DIR:-/usr/local/lib/fulfil-test}
REF=114-1234567-1234567
N=30
plan $N

if ! command -v node >/dev/null 2>&1 ||
    [ ! -d "$RDIR/node_modules/zpl-renderer-js" ]; then
	i=0
	while [ $i -lt $N ]; do
		skip "node or zpl-renderer-js absent"
		i=$((i + 1))
	done
	exit 0
fi

pids=""
stop_printers() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=""
}
trap 'stop_printers; _cleanup' EXIT

# start_printer NAME MODE: a stand-in recording into $T/NAME.rec; sets $port.
start_printer() {
	rm -f "$T/$1.port" "$T/$1.rec"
	"$PYTHON3" "$FAKEPRINTER" --port-file "$T/$1.port" \
	    --record "$T/$1.rec" --mode "$2" &
	pids="$pids $!"
	_i=0
	while [ ! -s "$T/$1.port" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	port=$(cat "$T/$1.port" 2>/dev/null)
	[ -n "$port" ] || bail "the printer stand-in did not start"
}

# wait_for FILE TEXT: until FILE holds TEXT (the stand-in writes a
# connection's bytes when it ends), at most ~10 s; never a timing check.
wait_for() {
	_i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# png_size FILE: "W H" from the PNG header.
png_size() {
	"$PYTHON3" -c 'import struct,sys
d=open(sys.argv[1],"rb").read(24)
print(*struct.unpack(">II", d[16:24]))' "$1"
}

mkdir "$T/cwd"
cd "$T/cwd" || bail "cd"
start_printer ok ok
okport=$port

for variant in plain hostile; do
	for dpi in 203 300; do
		case $dpi in 203) dpmm=8 size="813 1220" ;; *) dpmm=12 size="1220 1829" ;; esac
		flag=""
		[ $variant = hostile ] && flag=--hostile
		: >"$T/ok.rec"
		expect_exit 0 "$variant label at $dpi dpi is sent" \
		    "$RENDER_LABEL" --uri "tcp://127.0.0.1:$okport" \
		    --dpi $dpi $flag --timeout 5000
		wait_for "$T/ok.rec" "^XZ"
		cp "$T/ok.rec" "$T/$variant$dpi.zpl"
		check "$variant $dpi: one ^XA and one ^XZ, no ~ command" sh -c '
			[ "$(grep -o "\^XA" "$1" | wc -l)" -eq 1 ] &&
			[ "$(grep -o "\^XZ" "$1" | wc -l)" -eq 1 ] &&
			! grep -q "~" "$1"' sh "$T/$variant$dpi.zpl"
		check "$variant $dpi: ^PW/^LL match the dpi" sh -c '
			case $2 in
			203) grep -q "\^PW812" "$1" && grep -q "\^LL1218" "$1" ;;
			300) grep -q "\^PW1218" "$1" && grep -q "\^LL1827" "$1" ;;
			esac' sh "$T/$variant$dpi.zpl" $dpi
		if node "$TESTLIB/zplrender.cjs" "$T/$variant$dpi.zpl" \
		    "$T/$variant$dpi.png" $dpmm 2>"$T/node.err"; then
			ok "$variant $dpi: zpl-renderer-js renders it"
		else
			fail "$variant $dpi: zpl-renderer-js renders it"
			sed 's/^/#   /' "$T/node.err" | head -5
		fi
		check "$variant $dpi: the PNG is a 4x6 in label at $dpmm dots/mm" \
		    test "$(png_size "$T/$variant$dpi.png")" = "$size"
		got=$(zbarimg -q --raw "$T/$variant$dpi.png" 2>/dev/null)
		check "$variant $dpi: its Code 128 scans as the ref" \
		    test "$got" = "$REF"
	done
done

# Another ref, with every kind of character a ref may hold.
: >"$T/ok.rec"
expect_exit 0 "a ref of letters, digits and - . / : + # is sent" \
    "$RENDER_LABEL" --uri "tcp://127.0.0.1:$okport" --dpi 300 \
    --ref "Ab-9.8/7:6+5#4"
wait_for "$T/ok.rec" "^XZ"
node "$TESTLIB/zplrender.cjs" "$T/ok.rec" "$T/ref.png" 12 2>/dev/null
check "that ref scans back exactly" \
    test "$(zbarimg -q --raw "$T/ref.png" 2>/dev/null)" = "Ab-9.8/7:6+5#4"

# A printer with no paper: refused, and it received nothing but ~HS.
start_printer paper paper-out
expect_exit 1 "a printer reporting paper out is refused" \
    "$RENDER_LABEL" --uri "tcp://127.0.0.1:$port" --host-status \
    --timeout 5000
check "the message names the condition" grep -q "is not ready: paper out" "$T/err"
wait_for "$T/paper.rec" "~HS"
check "the printer received nothing but ~HS" \
    test "$(cat "$T/paper.rec")" = "~HS"

check "render_label wrote nothing in its working directory" \
    test -z "$(ls -A "$T/cwd")"
finish
