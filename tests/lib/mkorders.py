#!/usr/bin/env python3
"""Write order documents for fulfil's tests and benchmarks to stdout.

Usage:
  mkorders.py bulk N [--seed S]
  mkorders.py hostile KIND [--seed S] [--list-good | --list-bad | --info]
  mkorders.py --help

bulk N        N valid, realistic orders ({"orders":[...]}, one order per
              line), made by data/gen-demo-orders.py (imported by path, so
              they are the demo's kind of people, hard cases included).
              --seed S picks another set (default 1); ids are D-1001...

hostile KIND  a document meant to be refused, entirely or in part. The good
              orders in it come from the same generator (ids D-1001...);
              the bad ones have ids that say what is wrong with them.

  Document-level kinds: the importer must refuse the whole document and
  write nothing (--list-good prints nothing, --list-bad every id in it):
    truncated      a valid document cut in the middle of an order
    invalid-utf8   good orders plus one whose ship_to.name holds the raw
                   bytes 0xC3 0x28 and 0xFF (not UTF-8; a JSON parser such
                   as jansson rejects the whole text)
    not-object     the top level is an array of orders, not an object
    orders-not-array
                   "orders" is an object mapping ids to orders

  Order-level kinds: the importer must store the good orders and reject
  each bad one with an error naming it (--list-good / --list-bad tell
  which ids; --info also counts bad entries that have no usable id):
    wrong-types    good orders plus orders whose fields have the wrong JSON
                   type at every level: id and ref as numbers, status as
                   bool, times as numbers/null, service as array, items as
                   object/string, an item as string, qty as string, float
                   (2.0), bool, ean as number, sku as null, ship_to as
                   array/string, name as object, country and phone as
                   numbers, buyer_email as array, gift_message as number;
                   and orders entries that are a string, null and an array
                   (these have no id: counted by --info only)
    huge-name      good orders plus HUGE-NAME whose ship_to.name is 10 MiB
    nul            good orders plus NUL-NAME (\\u0000 inside ship_to.name)
                   and NUL-GIFT (\\u0000 inside gift_message); assumes the
                   importer parses with JSON_ALLOW_NUL and rejects the
                   order (without it jansson refuses the whole document)
    many-items     good orders plus MANY-ITEMS with 100,000 items
    dup-ids        good orders plus two different orders sharing the id
                   DUP-1 (and the same updated_at): both are rejected,
                   since neither can be trusted to be the right one
    escapes        only valid orders, but every text field is full of
                   terminal escapes (CSI colours, OSC title and clipboard,
                   DSR, DCS, RIS), \\r, \\b, bidi overrides and isolates,
                   ZPL commands (^XA^FD...^FS^XZ, ~JR, ~JA), and some ids
                   and refs carry ^ and ~; all must import

Options:
  --seed S      seed for the generated orders (default 1)
  --list-good   print the ids that must be imported, one per line
  --list-bad    print the ids that must not be in the cache afterwards,
                one per line (each once, even if it occurs twice)
  --info        print "kind=K", "level=document|order", "good=N" and
                "bad=N" lines; bad counts rejected entries, including
                those without a usable id and both DUP-1 copies

Output goes to stdout as bytes; nothing else is written. Exit 0, or 2 on
bad usage.
"""

import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "..", "..", "data", "gen-demo-orders.py")

GOOD_COUNT = 12         # good orders in a hostile document
HUGE_NAME_BYTES = 10 * 1024 * 1024
MANY_ITEMS = 100000


def load_generator():
    """Import data/gen-demo-orders.py by path, leaving no bytecode behind
    (the source tree may be read-only, as in make distcheck)."""
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location("gen_demo_orders",
                                                  GENERATOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = load_generator()


def good_orders(seed, count=GOOD_COUNT):
    return GEN.generate(count, seed)


def base_bad(seed, oid):
    """A valid order with id oid, to be spoilt by the caller."""
    o = GEN.generate(1, seed + 7919, specials=False)[0]
    o["id"] = oid
    o["ref"] = "BAD-" + o["ref"]
    return o


def interleave(good, bad):
    """Bad entries spread among the good ones (first, middle and last
    positions included), so ingest must go on after a rejection."""
    out = list(good)
    if not bad:
        return out
    step = max(1, len(out) // len(bad))
    for n, b in enumerate(bad):
        out.insert(min(len(out), n * (step + 1)), b)
    return out


class Doc:
    """A hostile document: its bytes and what the importer must do."""

    def __init__(self, level, data, good_ids, bad_ids, bad_count):
        self.level = level
        self.data = data
        self.good_ids = good_ids
        self.bad_ids = bad_ids
        self.bad_count = bad_count


def _dumps(obj):
    return json.dumps(obj, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _ids(orders):
    return [o["id"] for o in orders
            if isinstance(o, dict) and isinstance(o.get("id"), str)]


def _uniq(seq):
    seen, out = set(), []
    for x in seq:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def _document_level(data, orders):
    return Doc("document", data, [], _uniq(_ids(orders)), len(orders))


def _order_level(good, bad):
    orders = interleave(good, bad)
    return Doc("order", GEN.dumps_document(orders, compact=True).encode(
        "utf-8"), _ids(good), _uniq(_ids(bad)), len(bad))


# --- the kinds -------------------------------------------------------------


def kind_truncated(seed):
    good = good_orders(seed)
    data = GEN.dumps_document(good, compact=True).encode("utf-8")
    # Cut inside the middle order, in a string if possible.
    mid = good[len(good) // 2]
    at = data.find(('"ref":"%s"' % mid["ref"]).encode()) + 10
    return _document_level(data[:at], good)


def kind_invalid_utf8(seed):
    good = good_orders(seed)
    bad = base_bad(seed, "BAD-UTF8")
    marker = "@@INVALID-UTF8@@"
    bad["ship_to"]["name"] = "Inva" + marker + "lid Utf-Eight"
    orders = interleave(good, [bad])
    data = GEN.dumps_document(orders, compact=True).encode("utf-8")
    data = data.replace(marker.encode(), b"\xc3\x28 \xff")
    return _document_level(data, orders)


def kind_not_object(seed):
    good = good_orders(seed)
    return _document_level(_dumps(good) + b"\n", good)


def kind_orders_not_array(seed):
    good = good_orders(seed)
    data = _dumps({"orders": {o["id"]: o for o in good}}) + b"\n"
    return _document_level(data, good)


def _wrong_types(seed):
    """(bad orders with ids, entries without a usable id)."""
    spoil = [
        ("WT-REF-NUM", lambda o: o.update(ref=1141234567)),
        ("WT-STATUS-BOOL", lambda o: o.update(status=True)),
        ("WT-SHIPBY-NUM", lambda o: o.update(ship_by=1795453200)),
        ("WT-UPDATED-NULL", lambda o: o.update(updated_at=None)),
        ("WT-DELIVERED-NUM", lambda o: o.update(delivered_at=0)),
        ("WT-SERVICE-ARR", lambda o: o.update(service=["Standard"])),
        ("WT-ITEMS-OBJ", lambda o: o.update(items={"sku": "MUG-BLU"})),
        ("WT-ITEMS-STR", lambda o: o.update(items="MUG-BLU")),
        ("WT-ITEM-STR", lambda o: o["items"].append("MUG-BLU")),
        ("WT-QTY-STR", lambda o: o["items"][0].update(qty="2")),
        ("WT-QTY-FLOAT", lambda o: o["items"][0].update(qty=2.0)),
        ("WT-QTY-BOOL", lambda o: o["items"][0].update(qty=True)),
        ("WT-EAN-NUM", lambda o: o["items"][0].update(ean=2047000000003)),
        ("WT-SKU-NULL", lambda o: o["items"][0].update(sku=None)),
        ("WT-SHIPTO-ARR", lambda o: o.update(ship_to=[o["ship_to"]])),
        ("WT-SHIPTO-STR", lambda o: o.update(ship_to="1 Example Road")),
        ("WT-NAME-OBJ", lambda o: o["ship_to"].update(
            name={"first": "Wanda", "last": "Wrongtype"})),
        ("WT-COUNTRY-NUM", lambda o: o["ship_to"].update(country=44)),
        ("WT-PHONE-NUM", lambda o: o["ship_to"].update(phone=447700900999)),
        ("WT-EMAIL-ARR", lambda o: o.update(
            buyer_email=["wanda.wrongtype@example.com"])),
        ("WT-GIFT-NUM", lambda o: o.update(gift_message=42)),
    ]
    bad = []
    for n, (oid, f) in enumerate(spoil):
        o = base_bad(seed + n, oid)
        f(o)
        bad.append(o)
    id_num = base_bad(seed + 100, "unused")
    id_num["id"] = 1001
    idless = [id_num, "D-1001", None, [base_bad(seed + 101, "WT-IN-ARRAY")]]
    return bad, idless


def kind_wrong_types(seed):
    good = good_orders(seed)
    bad, idless = _wrong_types(seed)
    doc = _order_level(good, bad + idless)
    doc.bad_ids = _uniq(_ids(bad))
    return doc


def kind_huge_name(seed):
    bad = base_bad(seed, "HUGE-NAME")
    unit = "Hugo Hugename-Enormous "
    name = unit * (HUGE_NAME_BYTES // len(unit) + 1)
    bad["ship_to"]["name"] = name[:HUGE_NAME_BYTES]
    return _order_level(good_orders(seed), [bad])


def kind_nul(seed):
    a = base_bad(seed, "NUL-NAME")
    a["ship_to"]["name"] = "Nul\x00Byte Namesworth"
    b = base_bad(seed + 1, "NUL-GIFT")
    b["gift_message"] = "Happy birthday!\x00hidden after the NUL"
    return _order_level(good_orders(seed), [a, b])


def kind_many_items(seed):
    bad = base_bad(seed, "MANY-ITEMS")
    cat = GEN.catalogue()
    items = []
    for i in range(MANY_ITEMS):
        p = dict(cat[i % len(cat)])
        p["qty"] = 1
        items.append({k: p[k] for k in GEN.ITEM_KEYS if k in p})
    bad["items"] = items
    return _order_level(good_orders(seed), [bad])


def kind_dup_ids(seed):
    a = base_bad(seed, "DUP-1")
    b = base_bad(seed + 1, "DUP-1")
    b["updated_at"] = a["updated_at"]
    return _order_level(good_orders(seed), [a, b])


ESC = "\x1b"
_NASTY = (
    ESC + "[31m", ESC + "[0m", ESC + "]0;pwned title\x07", ESC + "[2J",
    ESC + "[H", ESC + "[6n", ESC + "P+q544e" + ESC + "\\",
    ESC + "]52;c;cHduZWQ=\x07", ESC + "c", "\r", "\b\b", "\u202e",
    "\u202c", "\u2066", "\u2069", "^XA^FDpwned^FS^XZ", "~JR", "~JA",
    "\u009b1m", "\x07",
)


def _nastify(s, n, limit):
    """s with escapes woven in, at most limit UTF-8 bytes, never empty."""
    out = ""
    for i, ch in enumerate(s):
        piece = ch
        if i % 3 == 0:
            piece = _NASTY[(n + i) % len(_NASTY)] + ch
        if len((out + piece).encode("utf-8")) > limit:
            break
        out += piece
    return out or s


def kind_escapes(seed):
    good = good_orders(seed)
    for n, o in enumerate(good):
        st = o["ship_to"]
        for k in ("name", "line1", "line2", "city", "region"):
            if st.get(k):
                st[k] = _nastify(st[k], n, GEN.TEXT_MAX)
        if o.get("gift_message"):
            o["gift_message"] = _nastify(o["gift_message"], n, GEN.GIFT_MAX)
        else:
            o["gift_message"] = _nastify(
                "Happy birthday!\nWith love from Escape Auntie", n,
                GEN.GIFT_MAX)
        o["service"] = _nastify(o["service"], n, GEN.SERVICE_MAX)
        for it in o["items"]:
            it["title"] = _nastify(it["title"], n, GEN.TEXT_MAX)
    # Printable ASCII, so valid, but ZPL-looking ids and refs.
    good[0]["id"] = "^XA^FDid^FS~JR"
    good[1]["ref"] = "~JA^XZ-" + good[1]["ref"]
    good[2]["id"] = "D-1003\\^FS"
    return _order_level(good, [])


KINDS = {
    "truncated": kind_truncated,
    "wrong-types": kind_wrong_types,
    "huge-name": kind_huge_name,
    "nul": kind_nul,
    "invalid-utf8": kind_invalid_utf8,
    "many-items": kind_many_items,
    "dup-ids": kind_dup_ids,
    "escapes": kind_escapes,
    "not-object": kind_not_object,
    "orders-not-array": kind_orders_not_array,
}


def self_check(kind, doc):
    """Refuse to print a document whose good/bad lists are wrong."""
    if doc.level == "document":
        return
    orders = json.loads(doc.data)["orders"]
    good = set(doc.good_ids)
    bad_entries = 0
    counts = {}
    for o in orders:
        if isinstance(o, dict) and isinstance(o.get("id"), str):
            counts[o["id"]] = counts.get(o["id"], 0) + 1
    for o in orders:
        oid = o.get("id") if isinstance(o, dict) else None
        valid = not GEN.validate_order(o) and counts.get(oid) == 1
        if oid in good and isinstance(oid, str):
            assert valid, "%s: good order %s is not valid" % (kind, oid)
        else:
            assert not valid, "%s: bad entry %r is valid" % (kind, oid)
            bad_entries += 1
    assert bad_entries == doc.bad_count, kind


def usage(out=sys.stderr, status=2):
    out.write(__doc__)
    return status


def parse(argv):
    """(command, arg, seed, mode) from argv; raises ValueError."""
    pos, seed, mode = [], 1, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--seed" or a.startswith("--seed="):
            if a == "--seed":
                if i + 1 >= len(argv):
                    raise ValueError("--seed needs a number")
                v = argv[i + 1]
                i += 1
            else:
                v = a.split("=", 1)[1]
            seed = int(v)
        elif a in ("--list-good", "--list-bad", "--info"):
            if mode and mode != a:
                raise ValueError("give one of --list-good, --list-bad, "
                                 "--info")
            mode = a
        elif a.startswith("-"):
            raise ValueError("unknown option " + a)
        else:
            pos.append(a)
        i += 1
    if len(pos) != 2:
        raise ValueError("need a command and its argument")
    return pos[0], pos[1], seed, mode


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        return usage(sys.stdout, 0)
    try:
        cmd, arg, seed, mode = parse(argv)
        if cmd == "bulk":
            n = int(arg)
            if n < 1 or mode:
                raise ValueError("bulk takes N >= 1 and only --seed")
        elif cmd == "hostile":
            if arg not in KINDS:
                raise ValueError("unknown kind %s (one of %s)"
                                 % (arg, ", ".join(KINDS)))
        else:
            raise ValueError("unknown command " + cmd)
    except ValueError as e:
        sys.stderr.write("mkorders.py: %s\n" % e)
        sys.stderr.write("usage: mkorders.py bulk N [--seed S] | hostile "
                         "KIND [--seed S] [--list-good|--list-bad|--info]"
                         "\n")
        return 2

    out = sys.stdout.buffer
    if cmd == "bulk":
        orders = GEN.generate(n, seed)
        problems = GEN.check_orders(orders)
        if problems:
            sys.stderr.write("mkorders.py: generator self-check failed: %s\n"
                             % problems[0])
            return 1
        out.write(GEN.dumps_document(orders, compact=True).encode("utf-8"))
        return 0

    doc = KINDS[arg](seed)
    self_check(arg, doc)
    if mode == "--list-good":
        out.write("".join(i + "\n" for i in doc.good_ids).encode())
    elif mode == "--list-bad":
        out.write("".join(i + "\n" for i in doc.bad_ids).encode())
    elif mode == "--info":
        out.write(("kind=%s\nlevel=%s\ngood=%d\nbad=%d\n" % (
            arg, doc.level, len(doc.good_ids), doc.bad_count)).encode())
    else:
        out.write(doc.data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
