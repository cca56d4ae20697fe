#!/bin/sh
# The core library must not define a symbol that the libraries a PAM login
# loads also export: ours would interpose theirs inside the terminal
# (libaudit's audit_open once crashed pam_authenticate this way).
. "$top_srcdir/tests/lib/common.sh"
command -v nm >/dev/null 2>&1 || skip_all "nm not found"
lib="$top_builddir/src/core/libfulfilcore.a"
[ -f "$lib" ] || bail "no $lib"
plan 3

libs=""
for name in libpam.so.0 libaudit.so.1 libcap-ng.so.0 libpam_misc.so.0; do
	p=$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { print $NF; exit }')
	[ -n "$p" ] && libs="$libs $p"
done
check "found the PAM libraries to compare with" test -n "$libs"
nm -D --defined-only $libs 2>/dev/null | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u >"$T/theirs"
nm --defined-only "$lib" 2>/dev/null | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u >"$T/ours"
check "the core library defines symbols" test -s "$T/ours"
comm -12 "$T/theirs" "$T/ours" >"$T/clash"
if [ -s "$T/clash" ]; then
	fail "no symbol clashes with the PAM stack: $(tr '\n' ' ' <"$T/clash")"
else
	ok "no symbol clashes with the PAM stack"
fi
finish
