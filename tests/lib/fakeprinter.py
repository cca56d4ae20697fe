#!/usr/bin/env python3
"""A raw label-printer stand-in for shell tests and the demo.

    fakeprinter.py --port-file F [--record FILE | --discard]
                   [--mode ok|refuse|stall|paper-out|paused|head-open]
                   [--max-conns N]

Binds 127.0.0.1 port 0 and writes the port it got to F (atomically, via
F.tmp and rename). Then, per mode:

  ok          accept connections one after another; answer "~HS" with a
              ready host status; record what arrives until the peer
              closes, then close.
  paper-out,  the same, but the ~HS answer reports paper out, pause or
  paused,     head open (the ZPL II Host Status Return: three
  head-open   <STX>...<ETX><CR><LF> strings).
  refuse      close the listening socket right after learning the port:
              connections are refused.
  stall       accept, shrink the receive buffer and never read, never
              answer ~HS (a printer that hangs mid-job). Note: a label
              smaller than the socket buffers is still taken (and
              acknowledged) by the kernel, so printer_send succeeds, as
              with a real printer; the stall shows as a write timeout
              only for more bytes than the buffers hold, and always with
              host_status = yes (no ~HS answer within the timeout).

With --record FILE every connection's bytes are appended to FILE when it
ends (one write per connection); --discard keeps nothing. Runs until
killed, or until --max-conns connections were served. Prints nothing but
errors; only ever listens on 127.0.0.1.
"""

import argparse
import os
import signal
import socket
import sys
import time

STX, ETX = "\x02", "\x03"


def host_status(paper_out=0, paused=0, head_up=0, ribbon_out=0):
    s1 = "030,%d,%d,1218,000,0,0,0,000,0,0,0" % (paper_out, paused)
    s2 = "001,0,%d,%d,0,2,6,0,00000000,1,000" % (head_up, ribbon_out)
    s3 = "1234,0"
    return "".join(STX + s + ETX + "\r\n" for s in (s1, s2, s3)).encode()


ANSWERS = {
    "ok": host_status(),
    "paper-out": host_status(paper_out=1),
    "paused": host_status(paused=1),
    "head-open": host_status(head_up=1),
}


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def serve(conn, mode, record):
    got = bytearray()
    answered = False
    conn.settimeout(60)
    while True:
        try:
            chunk = conn.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        got += chunk
        if not answered and b"~HS" in got:
            conn.sendall(ANSWERS[mode])
            answered = True
    if record is not None:
        with open(record, "ab") as f:
            f.write(bytes(got))
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--record")
    g.add_argument("--discard", action="store_true")
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "refuse", "stall", "paper-out", "paused",
                             "head-open"])
    ap.add_argument("--max-conns", type=int, default=0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.mode == "stall":
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ls.bind(("127.0.0.1", 0))
    port = ls.getsockname()[1]
    if a.mode == "refuse":
        ls.close()
        write_port(a.port_file, port)
        while True:
            time.sleep(3600)
    ls.listen(8)
    write_port(a.port_file, port)
    served = 0
    stalled = []
    while a.max_conns == 0 or served < a.max_conns:
        conn, _ = ls.accept()
        served += 1
        if a.mode == "stall":
            stalled.append(conn)  # never read, never close
            continue
        serve(conn, a.mode, None if a.discard else a.record)
    ls.close()


if __name__ == "__main__":
    main()
