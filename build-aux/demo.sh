#!/bin/sh
# The built-in demo: a throwaway station in a private temporary directory,
# loaded with the synthetic orders in data/, shown and then erased.
# Run from the top of a built tree (the README's first command does).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ctl="${FULFIL_BUILDDIR:-$top}/src/ctl/fulfilctl"
[ -x "$ctl" ] || { echo "demo: build first (fulfilctl not found at $ctl)" >&2; exit 2; }

demo=$(mktemp -d "${TMPDIR:-/tmp}/fulfil-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT INT TERM
chmod 700 "$demo"
mkdir -m 700 "$demo/keys"
cat >"$demo/fulfil.conf" <<CONF
; fulfil demo station: synthetic orders only, erased when the demo ends.
[cache]
dir = $demo/data
key = $demo/keys/cache.key
[audit]
syslog = no
CONF

echo "== fulfilctl init (a demo station in $demo)"
"$ctl" --config "$demo/fulfil.conf" init
echo
echo "== fulfilctl import data/demo-orders.json (synthetic people)"
"$ctl" --config "$demo/fulfil.conf" import "$top/data/demo-orders.json"
echo
echo "== fulfilctl status"
"$ctl" --config "$demo/fulfil.conf" status
echo
echo "== fulfilctl status --json"
"$ctl" --config "$demo/fulfil.conf" status --json
echo
echo "== fulfilctl check (every order decrypts, none tampered with)"
"$ctl" --config "$demo/fulfil.conf" check
echo
echo "The demo station is erased now. The terminal (fulfil) comes with its own issue."
