#!/bin/sh
# Translations: po/pl.po and po/es.po are complete (msgfmt -c: no
# untranslated or fuzzy message, also against the strings of today's
# sources), fulfilctl speaks the language of LANGUAGE, `fulfilctl
# language` sets a person's language (validated, audited), and in the
# terminal (tmux) a person whose language is pl gets Polish screens after
# login while the login screen stays in the station's language, which
# comes back at logout.
#
# The catalogues are compiled from po/*.po into $T/locale and found
# through FULFIL_LOCALEDIR (nothing is installed). Only C, C.UTF-8 and
# POSIX need be installed: LANG=C.UTF-8 with LANGUAGE=pl is enough.
#
# Run as root (as CI does) fulfil drops to nobody ([auth] service_user),
# which then owns the station; fulfilctl runs as nobody too (setpriv).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
command -v msgfmt >/dev/null 2>&1 || skip_all "msgfmt not found (gettext)"
tui_require
[ -n "${PAM_MATRIX_MODULE:-}" ] && [ -f "$PAM_MATRIX_MODULE" ] ||
	skip_all "pam_matrix not found (Debian: libpam-wrapper)"
svc=
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 ||
		skip_all "as root: setpriv not found"
	svc_uid=$(id -u nobody 2>/dev/null) && svc_gid=$(id -g nobody) ||
		skip_all "as root: no account nobody to drop to"
	svc=nobody
fi
plan 24

PO="$top_srcdir/po"

# ---- the catalogues ------------------------------------------------------
# complete FILE.po: msgfmt -c accepts it and reports only translated ones.
complete() {
	msgfmt -c --statistics -o /dev/null "$1" 2>"$T/stats" || return 1
	diag "$(basename "$1"): $(cat "$T/stats")"
	grep -q 'translated message' "$T/stats" &&
	    ! grep -q -E 'untranslated|fuzzy' "$T/stats"
}
for l in pl es; do
	check "po/$l.po: msgfmt -c, every message translated, none fuzzy" \
	    complete "$PO/$l.po"
done
check "po/LINGUAS lists pl and es" \
    sh -c 'tr -s " " "\n" <"$1" | grep -qx pl && tr -s " " "\n" <"$1" |
    grep -qx es' sh "$PO/LINGUAS"

# Against the strings of the sources as they are now (POTFILES.in).
if command -v xgettext >/dev/null 2>&1 && command -v msgmerge \
    >/dev/null 2>&1; then
	(cd "$top_srcdir" && xgettext --keyword=_ --keyword=N_ \
	    --from-code=UTF-8 --add-comments=TRANSLATORS: -o "$T/now.pot" \
	    -f po/POTFILES.in) 2>"$T/xgettext.err"
	for l in pl es; do
		if [ -s "$T/now.pot" ] && msgmerge -q --no-fuzzy-matching \
		    -o "$T/$l.po" "$PO/$l.po" "$T/now.pot" 2>/dev/null &&
		    complete "$T/$l.po"; then
			ok "po/$l.po translates every string of the sources"
		else
			fail "po/$l.po translates every string of the sources"
			msgattrib --untranslated --no-obsolete "$T/$l.po" \
			    2>/dev/null | grep '^msgid' | sed 's/^/#   /' |
			    head -20
		fi
	done
else
	skip "xgettext/msgmerge not found"
	skip "xgettext/msgmerge not found"
fi

mkdir -p "$T/locale"
for l in pl es; do
	mkdir -p "$T/locale/$l/LC_MESSAGES"
	msgfmt -o "$T/locale/$l/LC_MESSAGES/fulfil.mo" "$PO/$l.po" ||
		bail "msgfmt $l.po"
done
chmod -R go+rX "$T/locale"
FULFIL_LOCALEDIR="$T/locale"
export FULFIL_LOCALEDIR

# ---- fulfilctl in the language of LANGUAGE -------------------------------
LANG=C.UTF-8 LC_ALL= LANGUAGE=es "$FULFILCTL" --help >"$T/es.help" 2>&1
check "LANGUAGE=es fulfilctl --help is Spanish" \
    grep -q '^uso: fulfilctl \[--config ARCHIVO\]' "$T/es.help"
LANG=C.UTF-8 LC_ALL= LANGUAGE=pl "$FULFILCTL" --help >"$T/pl.help" 2>&1
check "LANGUAGE=pl fulfilctl --help is Polish" \
    grep -q '^użycie: fulfilctl \[--config PLIK\]' "$T/pl.help"
LANG=C LC_ALL= LANGUAGE=es "$FULFILCTL" --help >"$T/c.help" 2>&1
check "under LANG=C, LANGUAGE is ignored (English)" \
    grep -q '^usage: fulfilctl \[--config FILE\]' "$T/c.help"

# ---- the PAM service and the station -------------------------------------
PW_PIA='Plum-Lantern-2291'
PW_BEN='Birch-Comet-8813'
mkdir -m 700 "$T/pam.d"
printf 'pia:%s:fulfil\nben:%s:fulfil\n' "$PW_PIA" "$PW_BEN" >"$T/passdb"
chmod 600 "$T/passdb"
cat >"$T/pam.d/fulfil" <<EOF
auth     required  $PAM_MATRIX_MODULE passdb=$T/passdb
account  required  $PAM_MATRIX_MODULE passdb=$T/passdb
EOF
for t in auth account password session; do
	echo "$t required pam_deny.so"
done >"$T/pam.d/other"

mkdir -m 700 "$T/st"
conf0=$(make_config "$T/st")
conf="$T/fulfil.conf"
mv "$conf0" "$conf"
{
	printf '[auth]\npam_confdir = %s\nidle_logout = 1h\n' "$T/pam.d"
	[ -n "$svc" ] && echo "service_user = $svc"
} >>"$conf"
chmod 600 "$conf"
if [ -n "$svc" ]; then
	chmod 711 "$T"
	chown -R "$svc_uid:$svc_gid" "$T/st"
	grep -v '^pam_confdir\|^service_user' "$conf" >"$T/st/ctl.conf"
	chown "$svc_uid:$svc_gid" "$T/st/ctl.conf"
	chmod 600 "$T/st/ctl.conf"
fi
ctl() {
	if [ -n "$svc" ]; then
		setpriv --reuid="$svc_uid" --regid="$svc_gid" --clear-groups \
		    -- "$FULFILCTL" --config "$T/st/ctl.conf" "$@"
	else
		"$FULFILCTL" --config "$conf" "$@"
	fi
}

expect_exit 0 "fulfilctl init" ctl init
ctl import - <"$DATA/demo-orders.json" >/dev/null 2>&1
expect_exit 0 "grant pia picker" ctl grant pia picker
expect_exit 0 "grant ben picker" ctl grant ben picker
expect_exit 0 "fulfilctl language pia pl" ctl language pia pl
ctl language pia >"$T/lang" 2>&1
check "fulfilctl language pia shows pl" grep -qx pl "$T/lang"
expect_exit 2 "an unshipped language is refused" ctl language ben xx
check "... naming the languages there are" \
    grep -q 'the languages are en, pl, es' "$T/err"
ctl language ben >"$T/lang" 2>&1
check "ben keeps the station's language" grep -qx default "$T/lang"
ctl audit >"$T/audit" 2>&1
check "the setting is audited (language-set, subject pia)" \
    grep -q 'language-set .* pia ' "$T/audit"

# ---- the terminal: the login screen in the station's language ------------
cat >"$T/run.sh" <<EOF
#!/bin/sh
LANG=C.UTF-8
LC_ALL=
export LANG LC_ALL
unset LANGUAGE
exec "$FULFIL" --config "$conf" 2>>"$T/fulfil.err"
EOF
chmod 755 "$T/run.sh"

not_shown() { ! tui_screen t | grep -q -F -- "$1"; }
login() {
	tui_type t "$1" && tui_send t Enter &&
	    tui_wait_for t "Password:" &&
	    tui_type t "$2" && tui_send t Enter
}

tui_start t 80 24 "$T/run.sh" && tui_wait_for t "User:" &&
    ok "the login screen is in the station's language (User:)" ||
    fail "the login screen is in the station's language (User:)"
login pia "$PW_PIA"
if tui_wait_for t "Wyloguj"; then
	ok "pia (language pl) gets Polish screens after login"
else
	fail "pia (language pl) gets Polish screens after login"
fi
check "... with no English key labels" not_shown "Log out"
tui_send t F10
tui_wait_for t "User:" &&
    ok "after pia's logout the login screen is back in English" ||
    fail "after pia's logout the login screen is back in English"
check "... and not in Polish" not_shown "Użytkownik"
login ben "$PW_BEN"
tui_wait_for t "Log out" &&
    ok "ben (no language set) gets the station's language" ||
    fail "ben (no language set) gets the station's language"
tui_send t F10
tui_wait_for t "User:" >/dev/null
tui_kill t

check "no PII of the demo orders in the files written" \
    piiscan "$DATA/demo-orders.json" "$T"
finish
