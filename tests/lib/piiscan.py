#!/usr/bin/env python3
"""Find customer data from an orders file in files on disk.

Usage: piiscan.py [--exclude PATH]... [--no-parts] ORDERS.json PATH...

From every order in ORDERS.json ({"orders":[ORDER...]}) collect the
strings that identify a person: ship_to.name, line1, line2, city, region,
phone, postcode (only when at least 6 bytes long), buyer_email and
gift_message, and for a multi-line gift message also each of its lines.
Leading/trailing white space is trimmed (a substring still finds the
longer original). Strings shorter than 4 bytes are skipped and counted.

Then read every regular file under each PATH (a file or a directory,
walked recursively; symbolic links are never followed, sockets, FIFOs and
devices are ignored; files or directories named by --exclude are skipped,
e.g. the orders file itself) and look for each string as:
  - its UTF-8 bytes;
  - its JSON-escaped forms when they differ: json.dumps(s)[1:-1]
    (non-ASCII as \\uxxxx), the same with ensure_ascii=False, and both
    with upper-case hex digits as jansson writes them (\\u001B);
  - its parts: a string holding control or bidi-format characters (ESC,
    CR, U+202E, ...) is also split at them, and every part distinctive
    enough (8+ bytes and two words, or one word of 12+ bytes; 3+ letters)
    is searched too, so that a copy whose control characters were
    replaced or dropped is still found (disable with --no-parts).

Every output line starts with "# " (the tests speak TAP). A hit names the
file, the order id and the field, never the value (that would put the
PII into the test log). The last line is the summary
  # piiscan: N strings, M files, B bytes, H hits
where N counts distinct collected strings (not their escaped forms or
parts), M the files read and B their total size.

A file is first tested against one regular expression built from all
needles (a trie of their first bytes): when it does not match, the file
holds none of them; otherwise each needle is looked for with bytes.find.
A string that is part of a non-PII value of the orders (an id, a ref, a
time, a SKU, an EAN, a bin: stored in plain by design) is not searched
and is counted instead.

Exit status: 0 no hit; 1 at least one hit; 2 nothing to scan (no string
or no file), bad usage, an unreadable orders file, a PATH that does not
exist, or a file that could not be read (and no hit).
"""

import json
import os
import re
import stat
import sys

MIN_BYTES = 4           # shorter strings are skipped (and counted)
MIN_POSTCODE = 6        # shorter postcodes are not identifying enough
PART_MIN_BYTES = 8      # a part: at least this long and two words,
PART_ONE_WORD_BYTES = 12  # or one word at least this long,
PART_MIN_LETTERS = 3    # and some letters (not just "[0m")
MAX_HIT_LINES = 40      # more hits are counted, not listed
PREFIX_BYTES = 48       # needle bytes the fast prefilter looks at

SHIP_TO_FIELDS = ("name", "line1", "line2", "city", "region", "phone",
                  "postcode")
TOP_FIELDS = ("buyer_email", "gift_message")
# Not PII, kept in plain columns: a PII string inside one of these values
# cannot be told from it, so it is not searched (and counted).
PLAIN_FIELDS = ("id", "ref", "status", "service", "ship_by", "updated_at",
                "delivered_at")
PLAIN_ITEM_FIELDS = ("sku", "ean", "bin")

# C0/C1 controls, DEL and the Unicode format characters used for bidi and
# invisible tricks: where a sanitiser is likely to cut or replace.
_SPLIT = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                    "\u2060-\u2069\ufeff]+")
_LINES = re.compile(r"\r\n|\r|\n")
_UESC = re.compile(r"\\\\|\\u([0-9a-f]{4})")


def say(msg, err=False):
    """Print one TAP diagnostic line."""
    print("# " + msg, file=sys.stderr if err else sys.stdout)


def usage_error(msg):
    say("piiscan: " + msg, err=True)
    say("usage: piiscan.py [--exclude PATH]... [--no-parts] ORDERS.json "
        "PATH...", err=True)
    return 2


def printable(s):
    """A path or id made safe for one TAP line."""
    return "".join(c if c.isprintable() else "\\x%02x" % ord(c)
                   if ord(c) < 0x100 else "\\u%04x" % ord(c) for c in s)


def _upper_hex(escaped):
    """\\u00e9 -> \\u00E9, leaving an escaped backslash alone."""
    return _UESC.sub(lambda m: m.group(0) if m.group(1) is None
                     else "\\u" + m.group(1).upper(), escaped)


def _encode(s):
    return s.encode("utf-8", "surrogatepass")


def forms(s):
    """(bytes, how) for s: raw UTF-8 and its distinct JSON-escaped forms."""
    out = [(_encode(s), "")]
    seen = {out[0][0]}
    for ascii_only in (True, False):
        esc = json.dumps(s, ensure_ascii=ascii_only)[1:-1]
        for e in (esc, _upper_hex(esc)):
            b = _encode(e)
            if b not in seen:
                seen.add(b)
                out.append((b, " (JSON-escaped)"))
    return out


def parts(s):
    """Pieces of s between control/format characters worth searching."""
    if not _SPLIT.search(s):
        return []
    out = []
    for p in _SPLIT.split(s):
        p = p.strip()
        n = len(_encode(p))
        if (n >= PART_MIN_BYTES and (" " in p or n >= PART_ONE_WORD_BYTES)
                and sum(c.isalpha() for c in p) >= PART_MIN_LETTERS):
            out.append(p)
    return out


class Needles:
    """The strings to look for, each with the orders/fields it came from."""

    def __init__(self, use_parts):
        self.use_parts = use_parts
        self.strings = {}       # str -> [(order id, field)]
        self.needles = {}       # bytes -> [(order id, field, how)]
        self.short = 0
        self.short_postcodes = 0
        self.in_plain = 0
        self.plain = ""

    def add(self, oid, field, s, minb=MIN_BYTES):
        s = s.strip()
        n = len(_encode(s))
        if n < MIN_BYTES:
            self.short += 1
            return
        if n < minb:
            self.short_postcodes += 1
            return
        self.strings.setdefault(s, []).append((oid, field))

    def drop_plain(self, blob):
        """Forget strings that are part of the plain (non-PII) values:
        they are stored in the clear by design and would always hit."""
        self.plain = blob
        for s in [s for s in self.strings if s in blob]:
            del self.strings[s]
            self.in_plain += 1

    def build(self):
        for s, origins in self.strings.items():
            variants = [(b, how) for b, how in forms(s)]
            if self.use_parts:
                for p in parts(s):
                    if p in self.strings:
                        continue        # searched in its own right
                    if p in self.plain:
                        self.in_plain += 1
                        continue        # also a plain value: not PII
                    variants += [(b, " (part)" + how) for b, how in forms(p)]
            for b, how in variants:
                lst = self.needles.setdefault(b, [])
                for oid, field in origins:
                    lst.append((oid, field, how))
        # Longest first: a long needle says more in a hit line.
        return sorted(self.needles, key=len, reverse=True)


def prefilter(needles):
    """One compiled regex that matches wherever any needle starts.

    Needles are cut to their first PREFIX_BYTES bytes and merged into a
    trie, so the regex engine tests each position against the distinct
    next bytes only; a needle whose prefix is another needle is dropped
    (the shorter one already matches there). search() returning None
    proves a file holds none of the needles; a match only means "look
    closer" (the exact search then decides).
    """
    trie = {}
    for b in needles:
        node = trie
        for byte in b[:PREFIX_BYTES]:
            if node.get(None):
                break           # a shorter needle ends here: enough
            node = node.setdefault(byte, {})
        else:
            node.clear()
            node[None] = True

    def pattern(node):
        if node.get(None):
            return b""
        alts = [re.escape(bytes([k])) + pattern(v)
                for k, v in sorted(node.items())]
        if len(alts) == 1:
            return alts[0]
        return b"(?:" + b"|".join(alts) + b")"

    if not trie:
        return None
    return re.compile(pattern(trie), re.DOTALL)


def collect(doc, use_parts):
    """Needles from a parsed orders document."""
    nd = Needles(use_parts)
    orders = doc.get("orders") if isinstance(doc, dict) else None
    if not isinstance(orders, list):
        return nd
    for i, o in enumerate(orders):
        if not isinstance(o, dict):
            continue
        oid = o.get("id")
        if (not isinstance(oid, str) or not oid
                or not all(0x21 <= ord(c) <= 0x7e for c in oid)):
            oid = "#%d" % i
        st = o.get("ship_to")
        if isinstance(st, dict):
            for f in SHIP_TO_FIELDS:
                v = st.get(f)
                if isinstance(v, str):
                    nd.add(oid, "ship_to." + f, v,
                           MIN_POSTCODE if f == "postcode" else MIN_BYTES)
        for f in TOP_FIELDS:
            v = o.get(f)
            if not isinstance(v, str):
                continue
            nd.add(oid, f, v)
            if f == "gift_message":
                lines = _LINES.split(v)
                if len(lines) > 1:
                    for n, line in enumerate(lines, 1):
                        nd.add(oid, "%s line %d" % (f, n), line)
    nd.drop_plain(plain_text(orders))
    return nd


def plain_text(orders):
    """Ids, refs, status, service, times, SKUs, EANs and bins, joined."""
    vals = []
    for o in orders:
        if not isinstance(o, dict):
            continue
        for k in PLAIN_FIELDS:
            if isinstance(o.get(k), str):
                vals.append(o[k])
        items = o.get("items")
        for it in items if isinstance(items, list) else ():
            for k in PLAIN_ITEM_FIELDS:
                if isinstance(it, dict) and isinstance(it.get(k), str):
                    vals.append(it[k])
    return "\n".join(vals)


def walk_files(paths, excluded):
    """Yield (path, None) for regular files, (path, error) for failures."""
    for top in paths:
        try:
            st = os.lstat(top)
        except OSError as e:
            yield top, e.strerror or str(e)
            continue
        if (st.st_dev, st.st_ino) in excluded:
            continue
        if stat.S_ISREG(st.st_mode):
            yield top, None
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue
        errors = []
        for d, dirs, files in os.walk(top, followlinks=False,
                                      onerror=errors.append):
            keep = []
            for name in sorted(dirs):
                p = os.path.join(d, name)
                try:
                    s = os.lstat(p)
                except OSError:
                    continue
                if (s.st_dev, s.st_ino) not in excluded:
                    keep.append(name)
            dirs[:] = keep
            for name in sorted(files):
                p = os.path.join(d, name)
                try:
                    s = os.lstat(p)
                except OSError as e:
                    yield p, e.strerror or str(e)
                    continue
                if (stat.S_ISREG(s.st_mode)
                        and (s.st_dev, s.st_ino) not in excluded):
                    yield p, None
        for e in errors:
            yield getattr(e, "filename", top) or top, e.strerror or str(e)


def parse_args(argv):
    excludes, rest, use_parts = [], [], True
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest += argv[i + 1:]
            break
        if a in ("-h", "--help"):
            return None
        if a == "--exclude":
            if i + 1 >= len(argv):
                raise ValueError("--exclude needs a path")
            excludes.append(argv[i + 1])
            i += 2
            continue
        if a.startswith("--exclude="):
            excludes.append(a[len("--exclude="):])
        elif a == "--no-parts":
            use_parts = False
        elif a.startswith("-") and a != "-":
            raise ValueError("unknown option " + printable(a))
        else:
            rest.append(a)
        i += 1
    if len(rest) < 2:
        raise ValueError("need ORDERS.json and at least one PATH")
    return excludes, rest[0], rest[1:], use_parts


def main(argv):
    try:
        parsed = parse_args(argv)
    except ValueError as e:
        return usage_error(str(e))
    if parsed is None:
        for line in __doc__.splitlines():
            print("# " + line)
        return 0
    excludes, orders_path, paths, use_parts = parsed

    try:
        with open(orders_path, "rb") as f:
            doc = json.loads(f.read())
    except OSError as e:
        say("piiscan: cannot read %s: %s" % (printable(orders_path),
                                             e.strerror), err=True)
        return 2
    except ValueError as e:
        # Say where, never what: the message could quote the input.
        pos = getattr(e, "pos", None)
        say("piiscan: %s is not valid JSON%s" % (
            printable(orders_path),
            " (at byte %d)" % pos if pos is not None else ""), err=True)
        return 2
    nd = collect(doc, use_parts)
    needles = nd.build()
    rx = prefilter(needles)

    excluded = set()
    for p in excludes:
        try:
            s = os.lstat(p)
            excluded.add((s.st_dev, s.st_ino))
        except OSError:
            pass

    nfiles = nbytes = hits = errors = 0
    for path, err in walk_files(paths, excluded):
        if err is not None:
            say("piiscan: cannot read %s: %s" % (printable(path), err),
                err=True)
            errors += 1
            continue
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            say("piiscan: cannot read %s: %s" % (printable(path),
                                                 e.strerror), err=True)
            errors += 1
            continue
        nfiles += 1
        nbytes += len(data)
        if rx is None or not rx.search(data):
            continue            # proven clean
        reported = set()
        for b in needles:
            if len(b) > len(data) or data.find(b) < 0:
                continue
            origins = [o for o in nd.needles[b] if o[:2] not in reported]
            if not origins:
                continue        # another form of the same string, told
            reported.update(o[:2] for o in origins)
            hits += 1
            if hits <= MAX_HIT_LINES:
                oid, field, how = origins[0]
                more = ""
                if len(origins) > 1:
                    more = " (and %d more)" % (len(origins) - 1)
                say("piiscan: HIT in %s: order %s %s%s%s" % (
                    printable(path), printable(oid), field, how, more))
    if hits > MAX_HIT_LINES:
        say("piiscan: ... %d more hits not listed" % (hits - MAX_HIT_LINES))
    if nd.in_plain:
        say("piiscan: %d strings are part of non-PII values (id, ref, "
            "time, SKU, EAN, bin): not searched" % nd.in_plain)
    if nd.short or nd.short_postcodes:
        say("piiscan: skipped %d strings under %d bytes and %d postcodes "
            "under %d bytes" % (nd.short, MIN_BYTES, nd.short_postcodes,
                                MIN_POSTCODE))
    say("piiscan: %d strings, %d files, %d bytes, %d hits"
        % (len(nd.strings), nfiles, nbytes, hits))
    if hits:
        return 1
    if not nd.strings:
        say("piiscan: nothing to look for in %s" % printable(orders_path),
            err=True)
        return 2
    if not nfiles:
        say("piiscan: no file to scan", err=True)
        return 2
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
