#!/usr/bin/env python3
"""Benchmark BGP speaker: a feeder, a sink, or both, in one select loop.

    speaker.py SPEC.json

SPEC: {"name": str, "hold": 180, "sessions": [SESSION, ...]} with SESSION
{"id", "role": "feed"|"sink", "mode": "connect"|"listen", "local", "peer",
"local_as", "peer_as", "router_id", "afi": "ipv4"|"ipv6", "nexthop",
"prefixes": N and optionally "communities": ["A:B", ...] (feed only)}, and
for a sink optionally "expect": N and "aggregates": M (M of the N are the
DUT's aggregates: prefixes shorter than the fed /24 and /48, bgpwire.py).

Commands on stdin, one per line: announce, withdraw, status, quit.
Events on stdout, one JSON object per line, each with "ev" and "t"
(time.monotonic(), which is CLOCK_MONOTONIC and so comparable between the
processes of one machine):
  established {id}            a session reached Established
  ready                       every session is Established
  sent {phase, t_first, ...}  every feed session has handed the phase's
                              UPDATEs to the kernel (t_first: first byte)
  full {count, t_first_rx}    the sinks hold the expected number of prefixes
  empty                       the sinks hold none again (after full)
  fed_full, agg_full          with "aggregates": the fed prefixes, the
  fed_empty, agg_empty        aggregates complete / gone (as benchsink)
  status {...}                counters (every second and on `status`)
  error {id, reason}          NOTIFICATION, connection loss, bad message

Feed sessions pre-encode their UPDATEs (4096-byte messages, NLRI chunks
shared by every session of a family) before reporting ready, so `announce`
costs only socket writes. Sink sessions keep one set of encoded prefixes per
family, shared by all sink sessions of the process.
"""
import json
import os
import selectors
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bgpwire as w  # noqa: E402

now = time.monotonic
MAX_LOOPS = 100_000_000       # the loop is also bounded by `deadline`
RECV = 1 << 20


def emit(ev, **kw):
    kw["ev"] = ev
    kw.setdefault("t", now())
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


class Session:
    def __init__(self, spec, hold, shared):
        self.spec = spec
        self.id = spec["id"]
        self.role = spec["role"]
        self.afi = spec["afi"]
        self.hold = hold
        self.sock = None
        self.listener = None
        self.state = "idle"
        self.rx = b""
        self.outq = []           # list of memoryviews
        self.out_off = 0
        self.next_ka = 0.0
        self.next_connect = 0.0
        self.ka_interval = hold / 3.0
        self.shared = shared
        self.sent_phase = None
        if self.role == "feed":
            comms = tuple(spec.get("communities", ()))
            key = (self.afi, spec["prefixes"], comms)
            if key not in shared["chunks"]:
                nl = w.nlri_list(self.afi, spec["prefixes"])
                shared["chunks"][key] = (w.chunks(nl, w.announce_room(self.afi, comms)),
                                         w.chunks(nl, w.withdraw_room(self.afi)))
            ann, wdr = shared["chunks"][key]
            self.announce_bytes = b"".join(
                w.announce_msgs(self.afi, spec["local_as"], spec["nexthop"], ann, comms))
            self.withdraw_bytes = b"".join(w.withdraw_msgs(self.afi, wdr))

    # -- socket handling --------------------------------------------
    def family(self):
        return socket.AF_INET6 if ":" in self.spec["peer"] else socket.AF_INET

    def _tune(self, s):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # GTSM (RFC 5082): send with TTL 255 so ttl-security peers accept us.
        if self.family() == socket.AF_INET:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)

    def start(self, sel):
        if self.spec["mode"] == "listen":
            ls = socket.socket(self.family(), socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((self.spec["local"], self.spec.get("port", 179)))
            ls.listen(4)
            ls.setblocking(False)
            self.listener = ls
            sel.register(ls, selectors.EVENT_READ, ("accept", self))
            self.state = "listen"

    def try_connect(self, sel, t):
        if self.spec["mode"] != "connect" or self.state != "idle" or t < self.next_connect:
            return
        self.next_connect = t + 1.0
        s = socket.socket(self.family(), socket.SOCK_STREAM)
        self._tune(s)
        s.bind((self.spec["local"], 0))
        s.setblocking(False)
        try:
            s.connect((self.spec["peer"], self.spec.get("port", 179)))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        self.sock = s
        self.state = "connecting"
        sel.register(s, selectors.EVENT_WRITE, ("conn", self))

    def accept(self, sel):
        s, addr = self.listener.accept()
        if self.sock is not None:
            s.close()
            return
        self._tune(s)
        s.setblocking(False)
        self.sock = s
        sel.register(s, selectors.EVENT_READ, ("io", self))
        self._send_open(sel)

    def connected(self, sel):
        err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.drop(sel, None)
            return
        sel.modify(self.sock, selectors.EVENT_READ, ("io", self))
        self._send_open(sel)

    def _send_open(self, sel):
        self.state = "opensent"
        self.queue(sel, w.open_msg(self.spec["local_as"], self.hold,
                                   self.spec["router_id"], [self.afi]))

    def drop(self, sel, reason):
        if self.sock is not None:
            try:
                sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
        if reason and self.state == "established":
            emit("error", id=self.id, reason=reason)
        self.sock = None
        self.rx = b""
        self.outq = []
        self.out_off = 0
        self.state = "idle" if self.spec["mode"] == "connect" else "listen"

    def queue(self, sel, data):
        self.outq.append(memoryview(data))
        self.flush(sel)

    def pending(self):
        return sum(len(m) for m in self.outq) - self.out_off

    def flush(self, sel):
        """Write what the socket takes; watch for writability if more is left."""
        for _ in range(64):
            if not self.outq or self.sock is None:
                break
            m = self.outq[0]
            try:
                n = self.sock.send(m[self.out_off:self.out_off + (4 << 20)])
            except BlockingIOError:
                break
            except OSError as exc:
                self.drop(sel, "send: %s" % exc)
                return
            self.out_off += n
            if self.out_off >= len(m):
                self.outq.pop(0)
                self.out_off = 0
        if self.sock is not None:
            ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.outq else 0)
            sel.modify(self.sock, ev, ("io", self))

    def readable(self, sel, sp):
        try:
            data = self.sock.recv(RECV)
        except BlockingIOError:
            return
        except OSError as exc:
            self.drop(sel, "recv: %s" % exc)
            return
        if not data:
            self.drop(sel, "connection closed by peer")
            return
        buf = self.rx + data if self.rx else data
        off = 0
        end = len(buf)
        while end - off >= w.HDR:
            mlen, mtype = struct.unpack_from("!HB", buf, off + 16)
            if mlen < w.HDR or mlen > 65535:
                self.drop(sel, "bad message length %d" % mlen)
                return
            if end - off < mlen:
                break
            self.message(sel, sp, mtype, buf, off + w.HDR, off + mlen)
            if self.sock is None:
                return
            off += mlen
        self.rx = buf[off:] if off < end else b""

    def message(self, sel, sp, mtype, buf, start, end):
        if mtype == w.UPDATE:
            if self.role == "sink":
                sp.sink_update(buf[start:end])
            return
        if mtype == w.OPEN:
            asn, hold, rid = w.parse_open(buf[start:end])
            if asn != self.spec["peer_as"]:
                emit("error", id=self.id, reason="peer AS %d, expected %d"
                     % (asn, self.spec["peer_as"]))
            neg = min(hold, self.hold)
            self.ka_interval = neg / 3.0 if neg else 3600.0
            self.queue(sel, w.keepalive())
            self.state = "openconfirm"
        elif mtype == w.KEEPALIVE:
            if self.state == "openconfirm":
                self.state = "established"
                self.next_ka = now() + self.ka_interval
                # An empty table first: End-of-RIB, so no DUT waits for it.
                self.queue(sel, w.eor(self.afi))
                emit("established", id=self.id)
        elif mtype == w.NOTIFICATION:
            code, sub = buf[start], buf[start + 1]
            self.state_reason = "NOTIFICATION %d/%d" % (code, sub)
            emit("error", id=self.id, reason="NOTIFICATION %d/%d" % (code, sub))
            self.drop(sel, None)

    def tick(self, sel, t):
        if self.state == "established" and t >= self.next_ka:
            self.next_ka = t + self.ka_interval
            self.queue(sel, w.keepalive())


class Speaker:
    def __init__(self, spec):
        self.spec = spec
        self.shared = {"chunks": {}}
        hold = spec.get("hold", 180)
        self.sessions = [Session(s, hold, self.shared) for s in spec["sessions"]]
        self.sel = selectors.DefaultSelector()
        self.tables = {1: set(), 2: set()}
        self.expected = spec.get("expect", 0)
        self.aggs = spec.get("aggregates", 0)
        self.short = {1: set(), 2: set()} if self.aggs else None
        self.agg_seen = self.fed_seen = False
        self.rx_updates = self.rx_ann = self.rx_wdr = 0
        self.t_first_rx = None
        self.t_last_rx = None
        self.full_seen = False
        self.ready_sent = False
        self.phase = None
        self.phase_t_first = None

    def count(self):
        return len(self.tables[1]) + len(self.tables[2])

    def sink_update(self, body):
        na, nw = w.parse_update(body, self.tables, self.short)
        self.rx_updates += 1
        if not (na or nw):
            return
        t = now()
        self.rx_ann += na
        self.rx_wdr += nw
        if self.t_first_rx is None:
            self.t_first_rx = t
        self.t_last_rx = t
        c = self.count()
        if self.aggs:
            self.parts(t, c)
        if not self.full_seen and self.expected and c >= self.expected:
            self.full_seen = True
            emit("full", t=t, count=c, t_first_rx=self.t_first_rx,
                 rx_updates=self.rx_updates, rx_announced=self.rx_ann)
        elif self.full_seen and c == 0:
            self.full_seen = False
            emit("empty", t=t, t_first_rx=self.t_first_rx,
                 rx_updates=self.rx_updates, rx_withdrawn=self.rx_wdr)

    def parts(self, t, c):
        """The fed prefixes and the aggregates complete or gone (benchsink's
        sink_parts)."""
        nagg = len(self.short[1]) + len(self.short[2])
        if not self.agg_seen and nagg >= self.aggs:
            self.agg_seen = True
            emit("agg_full", t=t, count=nagg)
        elif self.agg_seen and nagg == 0:
            self.agg_seen = False
            emit("agg_empty", t=t)
        if not self.fed_seen and c - nagg >= self.expected - self.aggs:
            self.fed_seen = True
            emit("fed_full", t=t, count=c - nagg)
        elif self.fed_seen and c - nagg == 0:
            self.fed_seen = False
            emit("fed_empty", t=t)

    def status(self):
        extra = {"aggregates": len(self.short[1]) + len(self.short[2])} if self.aggs else {}
        emit("status", count=self.count(), v4=len(self.tables[1]), v6=len(self.tables[2]),
             rx_updates=self.rx_updates, rx_announced=self.rx_ann, rx_withdrawn=self.rx_wdr,
             t_first_rx=self.t_first_rx, t_last_rx=self.t_last_rx,
             sessions={s.id: s.state for s in self.sessions},
             pending=sum(s.pending() for s in self.sessions), **extra)

    def command(self, line):
        cmd = line.strip()
        if cmd in ("announce", "withdraw"):
            self.rx_updates = self.rx_ann = self.rx_wdr = 0
            self.t_first_rx = self.t_last_rx = None
            self.phase = cmd
            self.phase_t_first = now()
            for s in self.sessions:
                if s.role == "feed" and s.state == "established":
                    s.queue(self.sel, s.announce_bytes if cmd == "announce" else s.withdraw_bytes)
            return True
        if cmd == "status":
            self.status()
            return True
        return cmd != "quit"

    def check_sent(self):
        if self.phase is None:
            return
        if any(s.role == "feed" and s.outq for s in self.sessions):
            return
        emit("sent", phase=self.phase, t_first=self.phase_t_first)
        self.phase = None

    def run(self):
        sel = self.sel
        for s in self.sessions:
            s.start(sel)
        sel.register(sys.stdin, selectors.EVENT_READ, ("stdin", None))
        deadline = now() + self.spec.get("max_seconds", 7200)
        next_status = now() + 1.0
        stdin_buf = b""
        for _ in range(MAX_LOOPS):
            t = now()
            if t > deadline:
                emit("error", id="*", reason="speaker deadline reached")
                break
            for s in self.sessions:
                s.try_connect(sel, t)
                s.tick(sel, t)
            for key, mask in sel.select(timeout=0.2):
                kind, sess = key.data
                if kind == "stdin":
                    chunk = os.read(sys.stdin.fileno(), 4096)
                    if not chunk:
                        return
                    stdin_buf += chunk
                    while b"\n" in stdin_buf:
                        line, stdin_buf = stdin_buf.split(b"\n", 1)
                        if not self.command(line.decode()):
                            return
                elif kind == "accept":
                    sess.accept(sel)
                elif kind == "conn":
                    sess.connected(sel)
                elif sess.sock is not None:
                    if mask & selectors.EVENT_WRITE:
                        sess.flush(sel)
                    if sess.sock is not None and mask & selectors.EVENT_READ:
                        sess.readable(sel, self)
            self.check_sent()
            if not self.ready_sent and all(s.state == "established" for s in self.sessions):
                self.ready_sent = True
                emit("ready")
            if t >= next_status:
                next_status = t + 1.0
                self.status()


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    sp = Speaker(spec)
    emit("started", pid=os.getpid())
    try:
        sp.run()
    finally:
        for s in sp.sessions:
            if s.sock is not None:
                s.sock.close()


if __name__ == "__main__":
    main()
