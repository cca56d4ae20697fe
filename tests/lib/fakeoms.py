#!/usr/bin/env python3
"""A fake order-management system over real TLS, for fulfil's sync tests.

Usage:
  fakeoms.py --cert PEM --key PEM --port-file FILE [--orders FILE]
             [--token FILE] [--tls-max 1.0|1.1|1.2|1.3] [--client-ca PEM]

Binds 127.0.0.1 port 0 only and writes the port it got to --port-file.
Serves the protocol of doc/sync-protocol.md:

  GET  /orders?since=CURSOR&limit=N   pages of the orders (cursor "vN":
                                      orders with a version above N)
  POST /orders/{id}/events            records the event; a repeated
                                      idempotency key answers 409
  POST /alerts                        records the alert (409 if repeated)

and, for the test, without a token:

  GET  /_stats     {"received": {key: times}, "applied": {order: [events]},
                    "alerts": [...], "requests": {kind: n}, "orders":
                    {id: updated_at}, "statuses": {id: status}}
  POST /_control   {"mode": M, "target": "all|pull|events|alerts",
                    "after": N, "retry_after": "S", "delay_ms": D}
                   {"update": {"ids": [...], "status": S}}  (new version)
                   {"reset_stats": true}

Modes (the first `after` matching requests are served normally):
  ok, truncated, huge (100 MB chunked body), wrong-types, invalid-utf8,
  slowloris (1 byte/s), 429 (Retry-After), 500, 401, redirect-http, wipe.
Only synthetic data; nothing is written but the port file.
"""
import argparse
import json
import os
import ssl
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.Lock()
STATE = {
    "orders": {},        # id -> order (dict)
    "version": {},       # id -> int
    "cache": {},         # id -> encoded JSON bytes
    "next_version": 1,
    "received": {},      # idempotency key -> times received
    "applied": {},       # order id -> [event names] applied, in order
    "alerts": [],
    "alert_keys": set(),
    "requests": {},
    "mode": "ok",
    "target": "all",
    "after": 0,
    "retry_after": "2",
    "delay_ms": 0,
    "token": None,
}


def load_orders(path):
    with open(path, "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))
    for o in doc["orders"]:
        put_order(o)


def put_order(o):
    STATE["orders"][o["id"]] = o
    STATE["version"][o["id"]] = STATE["next_version"]
    STATE["next_version"] += 1
    STATE["cache"][o["id"]] = json.dumps(o, ensure_ascii=False,
                                         separators=(",", ":")).encode()


def bump_time(ts):
    # "2026-11-22T08:00:00Z" -> one hour later (good enough: tests only)
    t = time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ",
                         time.gmtime(time.mktime(t) - time.timezone + 3600))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeoms/1"

    def log_message(self, fmt, *args):  # quiet: nothing to stderr
        pass

    # ---- helpers -------------------------------------------------------
    def send(self, status, body=b"", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def count(self, kind):
        STATE["requests"][kind] = STATE["requests"].get(kind, 0) + 1

    def target_of(self, path):
        if path.startswith("/orders/"):
            return "events"
        if path.startswith("/alerts"):
            return "alerts"
        return "pull"

    def hostile(self, kind):
        """Serve the mode if it applies to this request; True if it did."""
        with LOCK:
            mode, target = STATE["mode"], STATE["target"]
            if mode == "ok" or target not in ("all", kind):
                return False
            if STATE["after"] > 0:
                STATE["after"] -= 1
                return False
            ra = STATE["retry_after"]
        if mode == "429":
            self.send(429, b'{"error":"slow down"}', {"Retry-After": ra})
        elif mode == "500":
            self.send(500, b'{"error":"boom"}')
        elif mode == "401":
            self.send(401, b'{"error":"who are you"}')
        elif mode == "403":
            self.send(403, b'{"error":"no"}')
        elif mode == "redirect-http":
            port = self.server.server_address[1]
            self.send(302, b"", {"Location":
                                 "http://127.0.0.1:%d%s" % (port, self.path)})
        elif mode == "wipe":
            self.send(200, b'{"wipe":true,"orders":[],"cursor":"w",'
                      b'"has_more":false}')
        elif mode in ("truncated", "wrong-types", "invalid-utf8"):
            body = self.page_body(*self.page_args())
            if mode == "truncated":
                body = body[: len(body) // 2]
            elif mode == "wrong-types":
                doc = json.loads(body)
                if doc["orders"]:
                    doc["orders"][-1]["items"][0]["qty"] = "two"
                    doc["orders"][0]["ship_by"] = 12345
                body = json.dumps(doc).encode()
            else:
                body = body.replace(b'"ship_to":{"name":"',
                                    b'"ship_to":{"name":"\xc3\x28\xff', 1)
            self.send(200, body)
        elif mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"A" * (1 << 20)
            head = b'{"orders":[],"cursor":"x","has_more":false,"pad":"'
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
                for _ in range(100):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b'2\r\n"}\r\n0\r\n\r\n')
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass
            self.close_connection = True
        elif mode == "slowloris":
            body = self.page_body(*self.page_args())
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass
            self.close_connection = True
        else:
            return False
        return True

    def authorised(self):
        tok = STATE["token"]
        if tok is None:
            return True
        if self.headers.get("Authorization") == "Bearer " + tok:
            return True
        self.send(401, b'{"error":"bad token"}')
        return False

    def page_args(self):
        q = parse_qs(urlsplit(self.path).query)
        since = q.get("since", ["v0"])[0]
        limit = int(q.get("limit", ["500"])[0])
        try:
            since_v = int(since[1:]) if since.startswith("v") else 0
        except ValueError:
            since_v = 0
        return since_v, limit

    def page_body(self, since_v, limit):
        with LOCK:
            newer = sorted((v, i) for i, v in STATE["version"].items()
                           if v > since_v)
            page = newer[:limit]
            parts = [STATE["cache"][i] for _, i in page]
            cursor = "v%d" % (page[-1][0] if page else since_v)
            more = len(newer) > limit
        return (b'{"orders":[' + b",".join(parts) + b'],"cursor":"' +
                cursor.encode() + b'","has_more":' +
                (b"true" if more else b"false") + b"}")

    def delay(self):
        d = STATE["delay_ms"]
        if d:
            time.sleep(d / 1000.0)

    # ---- methods -------------------------------------------------------
    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/_stats":
            with LOCK:
                body = json.dumps({
                    "received": STATE["received"],
                    "applied": STATE["applied"],
                    "alerts": STATE["alerts"],
                    "requests": STATE["requests"],
                    "orders": {i: o["updated_at"]
                               for i, o in STATE["orders"].items()},
                    "statuses": {i: o["status"]
                                 for i, o in STATE["orders"].items()},
                }).encode()
            return self.send(200, body)
        if path != "/orders":
            return self.send(404, b'{"error":"no such path"}')
        with LOCK:
            self.count("pull")
        if not self.authorised() or self.hostile("pull"):
            return None
        self.delay()
        return self.send(200, self.page_body(*self.page_args()))

    def do_POST(self):
        path = urlsplit(self.path).path
        body = self.read_body()
        if path == "/_control":
            return self.control(json.loads(body))
        kind = self.target_of(path)
        with LOCK:
            self.count(kind)
        if not self.authorised() or self.hostile(kind):
            return None
        self.delay()
        try:
            doc = json.loads(body)
        except ValueError:
            return self.send(400, b'{"error":"not json"}')
        if kind == "alerts":
            with LOCK:
                key = doc.get("key")
                if key in STATE["alert_keys"]:
                    return self.send(409, b'{"error":"have it"}')
                STATE["alert_keys"].add(key)
                STATE["alerts"].append(doc)
            return self.send(201, b'{"ok":true}')
        parts = path.split("/")
        if len(parts) != 4 or parts[3] != "events":
            return self.send(404, b'{"error":"no such path"}')
        oid = unquote(parts[2])
        key = doc.get("key")
        if key is None or self.headers.get("Idempotency-Key") != key:
            return self.send(400, b'{"error":"key"}')
        with LOCK:
            n = STATE["received"].get(key, 0)
            STATE["received"][key] = n + 1
            if n > 0:
                return self.send(409, b'{"error":"already applied"}')
            STATE["applied"].setdefault(oid, []).append(doc.get("event"))
        return self.send(201, b'{"ok":true}')

    def control(self, doc):
        with LOCK:
            for k in ("mode", "target", "after", "retry_after", "delay_ms"):
                if k in doc:
                    STATE[k] = doc[k]
            if "mode" in doc and "target" not in doc:
                STATE["target"] = "all"
            if "mode" in doc and "after" not in doc:
                STATE["after"] = 0
            if doc.get("reset_stats"):
                STATE["requests"] = {}
            up = doc.get("update")
            if up:
                for i in up["ids"]:
                    o = dict(STATE["orders"][i])
                    o["status"] = up["status"]
                    o["updated_at"] = bump_time(o["updated_at"])
                    if up["status"] == "delivered":
                        o["delivered_at"] = o["updated_at"]
                    put_order(o)
        self.send(200, b'{"ok":true}')


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # refused handshakes are what some tests are about


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--orders")
    ap.add_argument("--token")
    ap.add_argument("--tls-max")
    ap.add_argument("--client-ca")
    a = ap.parse_args()
    if a.orders:
        load_orders(a.orders)
    if a.token:
        with open(a.token) as f:
            STATE["token"] = f.read().strip()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if a.tls_max:
        warnings.simplefilter("ignore", DeprecationWarning)
        v = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
             "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = v[a.tls_max]
        try:  # let OpenSSL 3 offer the old protocols at all
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except ssl.SSLError:
            pass
    ctx.load_cert_chain(a.cert, a.key)
    if a.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(a.client_ca)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    # The handshake runs in the connection's thread, not in accept().
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
