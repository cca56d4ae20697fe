#!/bin/sh
# fulfilctl fields [--json]: the inventory of order fields (R15) printed
# from the role x field table. Every field is listed in text and JSON, the
# JSON parses, no PII is shown to pickers or packers, auditors see no
# order data, and it works before init and without a configuration file,
# writing nothing.
. "$top_srcdir/tests/lib/common.sh"
plan 26

# Every field of issue 4, in table order.
FIELDS="id ref status state ship_by service item_count items.sku items.ean
items.title items.qty items.bin ship_to.name ship_to.line1 ship_to.line2
ship_to.city ship_to.region ship_to.postcode ship_to.country ship_to.phone
buyer_email gift gift_message box weight tracking"
export FIELDS

# A station that was never initialised: fields must not need it.
conf=$(make_config "$T/st")
mkdir "$T/cwd"
cd "$T/cwd" || bail "cd"

expect_exit 0 "fields without a configuration file" env -u FULFIL_CONFIG LANG=C LC_ALL=C "$FULFILCTL" fields
cp "$T/out" "$T/text"
check "the header names every role" grep -Eq '^field +pii +stored +disposed +picker +packer +dispatcher +supervisor +auditor$' "$T/text"
check "text lists every field, one row each" sh -c '
for f in $FIELDS; do
	[ "$(grep -c "^$f " "$1")" -eq 1 ] || { echo "# missing $f"; exit 1; }
done' sh "$T/text"
check "text explains the values and the reveal" sh -c 'grep -q "^  print-only " "$1" && grep -q "^  \* " "$1" && grep -q "^  shredded " "$1"' sh "$T/text"
check "text rows: the recipient's name is masked for dispatchers" grep -Eq '^ship_to\.name +yes +sealed +shredded +- +- +masked +masked\* +-$' "$T/text"
check "text rows: the address is print-only for dispatchers" grep -Eq '^ship_to\.line1 +yes +sealed +shredded +- +- +print-only +print-only\* +-$' "$T/text"
check "text rows: pickers see bins" grep -Eq '^items\.bin +linked +sealed +shredded +shown +shown +- +shown +-$' "$T/text"
check "text rows: packers see the gift flag, not its text" sh -c 'grep -Eq "^gift +no +derived +view +- +shown " "$1" && grep -Eq "^gift_message +yes +sealed +shredded +- +- +- +-\* +-$" "$1"' sh "$T/text"
check "text: nothing on stderr" test ! -s "$T/err"

expect_exit 0 "fields --json with a station that was never initialised" "$FULFILCTL" --config "$conf" fields --json
cp "$T/out" "$T/json"
check "JSON parses and lists every field in order, with every key" "$PYTHON3" -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
want = os.environ["FIELDS"].split()
assert [f["field"] for f in d["fields"]] == want, [f["field"] for f in d["fields"]]
assert d["roles"] == ["picker", "packer", "dispatcher", "supervisor", "auditor"]
vis = {"hidden", "print-only", "masked", "shown"}
for f in d["fields"]:
    assert set(f) == {"field", "title", "pii", "stored", "disposed", "item",
                      "label", "purpose", "visibility", "reveal"}, f
    assert f["pii"] in ("yes", "no", "linked"), f
    assert f["stored"] in ("plain", "sealed", "derived"), f
    assert f["disposed"] in ("tombstone", "shredded", "view"), f
    assert set(f["visibility"]) == set(d["roles"]), f
    assert set(f["visibility"].values()) <= vis and f["reveal"] in vis, f
    assert f["purpose"] and f["title"], f
' "$T/json"
check "JSON: no PII shown (or printed) to pickers and packers" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["fields"]:
    if f["pii"] == "yes":
        for r in ("picker", "packer"):
            assert f["visibility"][r] == "hidden", (f["field"], r)
' "$T/json"
check "JSON: auditors see no order field at all" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(f["visibility"]["auditor"] == "hidden" for f in d["fields"])
' "$T/json"
check "JSON: PII is sealed and shredded; plain columns hold none" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["fields"]:
    if f["pii"] == "yes":
        assert f["stored"] == "sealed" and f["disposed"] == "shredded", f
    if f["stored"] == "plain":
        assert f["pii"] == "no", f
' "$T/json"
check "JSON: dispatchers see a masked recipient; a reveal shows all PII" "$PYTHON3" -c '
import json, sys
d = {f["field"]: f for f in json.load(open(sys.argv[1]))["fields"]}
v = lambda n, r: d[n]["visibility"][r]
assert v("ship_to.name", "dispatcher") == "masked"
assert v("ship_to.postcode", "dispatcher") == "masked"
assert v("ship_to.country", "dispatcher") == "shown"
for n in ("ship_to.line1", "ship_to.line2", "ship_to.city", "ship_to.region"):
    assert v(n, "dispatcher") == "print-only", n
for n in ("ship_to.phone", "buyer_email", "gift_message"):
    assert v(n, "dispatcher") == "hidden" and v(n, "supervisor") == "hidden", n
for n, f in d.items():
    if f["pii"] == "yes":
        assert f["reveal"] == "shown", n
    # Supervisors see at least what dispatchers see.
    order = ["hidden", "print-only", "masked", "shown"]
    assert order.index(v(n, "supervisor")) >= order.index(v(n, "dispatcher")), n
' "$T/json"
check "text and JSON agree" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = {}
for line in open(sys.argv[2]):
    if not line.strip():
        break  # the table ends at the first blank line
    p = line.split()
    assert len(p) == 9, p
    if p[0] != "field":
        rows[p[0]] = p
assert len(rows) == len(d["fields"]), sorted(rows)
short = {"hidden": "-"}
for f in d["fields"]:
    p = rows[f["field"]]
    assert p[1:4] == [f["pii"], f["stored"], f["disposed"]], p
    for i, r in enumerate(d["roles"]):
        want = short.get(f["visibility"][r], f["visibility"][r])
        assert p[4 + i].rstrip("*") == want, (p, r)
' "$T/json" "$T/text"
check "nothing was created: no data dir, nothing in cwd" sh -c '[ ! -e "$1/st/data" ] && [ -z "$(ls -A "$1/cwd")" ]' sh "$T"

expect_exit 2 "an unexpected argument is a usage error" "$FULFILCTL" --config "$conf" fields --csv
check "the error is one line, naming the argument" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q -- "--csv" "$1"' sh "$T/err"
expect_exit 2 "a hostile argument is echoed without its escapes" "$FULFILCTL" --config "$conf" fields "$(printf 'x\033]52;c;AAAA\007\033[2J')"
check "no control bytes reach stderr" sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1"' sh "$T/err"
# The same for every command that echoes a bad argument (one helper).
expect_exit 2 "an unknown command with escapes" "$FULFILCTL" --config "$conf" "$(printf 'x\033[2J')"
check "... is not echoed with them" sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1" && grep -q "not shown" "$1"' sh "$T/err"
expect_exit 2 "audit with an escape-laden argument" "$FULFILCTL" --config "$conf" audit "$(printf 'x\033]0;t\007')"
check "... is not echoed with them" sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1" && grep -q "not shown" "$1"' sh "$T/err"
expect_exit 0 "fields --help" "$FULFILCTL" fields --help
finish
