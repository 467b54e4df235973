#!/usr/bin/env python3
"""BGP speakers of the load test (issue 14): N sessions in one select loop,
each either a full-table feeder or a flooder.

    loadfeed.py SPEC.json

SPEC: {"hold": S, "max_seconds": S, "max_rounds": N,
"sessions": [{"id", "role": "table"|"flood", "local", "peer", "local_as",
"router_id", "nexthop", "first": I, "count": N, "batch": N}, ...]}.
IPv4 only: prefix i is the /24 number i from 32.0.0.0 (bgpwire.py).

Every session connects (the DUT is passive), sends OPEN with `hold`, and
KEEPALIVEs every hold/3 s of the negotiated hold time. It timestamps (at
recv()) every message it receives once Established: KEEPALIVEs and any
message (the gap that matters for its own hold timer).

Commands on stdin:
  go       every "table" session queues its whole table at once; every
           "flood" session starts churning: announce `batch` prefixes of its
           block, withdraw them, announce the next batch, ... a new round
           queued as soon as the previous one is in the socket (as fast as
           the DUT reads), bounded by `max_rounds` and `max_seconds`
  stop     the flooders stop queuing rounds (the last one is flushed)
  report   a "report" event with every timestamp and counter
  quit
Events on stdout, one JSON object per line ("ev", "t" = time.monotonic()):
  started, established {id}, ready (all Established once), status,
  error {id, reason} (a session lost: NOTIFICATION received or the
  connection closed), report {...}.
Every loop is bounded: the main loop by a count and by `max_seconds`.
"""
import json
import os
import selectors
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import bgpwire as w  # noqa: E402

now = time.monotonic
MAX_LOOPS = 50_000_000


def emit(ev, **kw):
    kw["ev"] = ev
    kw.setdefault("t", now())
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def nlri_range(first, count):
    pk = struct.Struct("!I").pack
    return [b"\x18" + pk(w.V4_BASE + ((first + i) << 8))[:3] for i in range(count)]


class Session:
    def __init__(self, spec, hold):
        self.spec = spec
        self.id = spec["id"]
        self.role = spec["role"]
        self.hold = hold
        self.sock = None
        self.state = "idle"
        self.rx = b""
        self.outq = []
        self.out_off = 0
        self.next_ka = 0.0
        self.next_connect = 0.0
        self.ka_interval = hold / 3.0
        self.est_at = None
        self.ka_rx = []          # monotonic time of every KEEPALIVE received (Established)
        self.last_rx = None      # last message of any type
        self.max_rx_gap = 0.0    # largest gap between two received messages (any type)
        self.max_rx_gap_at = None
        self.msgs_rx = {}
        self.errors = []
        self.established_count = 0
        self.ka_tx = 0
        self.max_ka_tx_late = 0.0   # how late our own keepalive timer fired
        self.bytes_tx = 0
        self.rounds = 0
        self.flooding = False
        self.table_sent = False
        nl = nlri_range(spec["first"], spec["count"])
        if self.role == "table":
            self.announce_bytes = [b"".join(w.announce_msgs(
                "ipv4", spec["local_as"], spec["nexthop"], w.chunks(nl, w.announce_room("ipv4"))))]
            self.withdraw_bytes = []
        else:
            b = max(1, spec.get("batch", 2000))
            self.announce_bytes, self.withdraw_bytes = [], []
            for k in range(0, len(nl), b):
                part = nl[k:k + b]
                self.announce_bytes.append(b"".join(w.announce_msgs(
                    "ipv4", spec["local_as"], spec["nexthop"],
                    w.chunks(part, w.announce_room("ipv4")))))
                self.withdraw_bytes.append(b"".join(w.withdraw_msgs(
                    "ipv4", w.chunks(part, w.withdraw_room("ipv4")))))
        self.announced = set()     # flood batches currently announced

    def try_connect(self, sel, t):
        if self.state != "idle" or t < self.next_connect:
            return
        self.next_connect = t + 1.0
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)     # GTSM
        s.bind((self.spec["local"], 0))
        s.setblocking(False)
        try:
            s.connect((self.spec["peer"], 179))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        self.sock = s
        self.state = "connecting"
        sel.register(s, selectors.EVENT_WRITE, self)

    def connected(self, sel):
        if self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            self.drop(sel, None)
            return
        self.state = "opensent"
        sel.modify(self.sock, selectors.EVENT_READ, self)
        self.queue(sel, w.open_msg(self.spec["local_as"], self.hold,
                                   self.spec["router_id"], ["ipv4"]))

    def drop(self, sel, reason):
        if self.sock is not None:
            try:
                sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
        if reason and self.state == "established":
            self.errors.append({"t": now(), "reason": reason})
            emit("error", id=self.id, reason=reason)
        self.sock = None
        self.rx = b""
        self.outq = []
        self.out_off = 0
        self.state = "idle"
        self.announced = set()
        self.table_sent = False

    def queue(self, sel, data):
        self.outq.append(memoryview(data))
        self.flush(sel)

    def flush(self, sel):
        for _ in range(64):
            if not self.outq or self.sock is None:
                break
            m = self.outq[0]
            try:
                n = self.sock.send(m[self.out_off:])
            except BlockingIOError:
                break
            except OSError as exc:
                self.drop(sel, "send: %s" % exc)
                return
            self.out_off += n
            self.bytes_tx += n
            if self.out_off >= len(m):
                self.outq.pop(0)
                self.out_off = 0
        if self.sock is not None and self.state != "connecting":
            ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.outq else 0)
            sel.modify(self.sock, ev, self)

    def readable(self, sel):
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError as exc:
            self.drop(sel, "recv: %s" % exc)
            return
        t = now()
        if not data:
            self.drop(sel, "connection closed by peer")
            return
        buf = self.rx + data
        off = 0
        while len(buf) - off >= w.HDR:
            mlen, mtype = struct.unpack_from("!HB", buf, off + 16)
            if mlen < w.HDR or mlen > 65535:
                self.drop(sel, "bad message length %d" % mlen)
                return
            if len(buf) - off < mlen:
                break
            self.message(sel, t, mtype, buf[off + w.HDR:off + mlen])
            if self.sock is None:
                return
            off += mlen
        self.rx = buf[off:]

    def message(self, sel, t, mtype, body):
        if self.state == "established":
            if self.last_rx is not None and t - self.last_rx > self.max_rx_gap:
                self.max_rx_gap = t - self.last_rx
                self.max_rx_gap_at = t
            self.last_rx = t
            self.msgs_rx[mtype] = self.msgs_rx.get(mtype, 0) + 1
            if mtype == w.KEEPALIVE:
                self.ka_rx.append(t)
        if mtype == w.OPEN:
            _asn, hold, _ = w.parse_open(body)
            neg = min(hold, self.hold)
            self.ka_interval = neg / 3.0 if neg else 3600.0
            self.queue(sel, w.keepalive())
            self.state = "openconfirm"
        elif mtype == w.KEEPALIVE and self.state == "openconfirm":
            self.state = "established"
            self.established_count += 1
            self.est_at = self.last_rx = t
            self.next_ka = t + self.ka_interval
            self.queue(sel, w.eor("ipv4"))
            emit("established", id=self.id)
        elif mtype == w.NOTIFICATION:
            reason = "NOTIFICATION %d/%d received" % (body[0], body[1])
            if self.state == "established":
                self.errors.append({"t": t, "reason": reason})
                emit("error", id=self.id, reason=reason)
            self.state = "closing"
            self.drop(sel, None)

    def tick(self, sel, t):
        if self.state == "established" and t >= self.next_ka:
            self.max_ka_tx_late = max(self.max_ka_tx_late, t - self.next_ka)
            self.next_ka = t + self.ka_interval
            self.ka_tx += 1
            self.queue(sel, w.keepalive())

    def go(self, sel):
        if self.state != "established":
            return
        if self.role == "table" and not self.table_sent:
            self.table_sent = True
            for b in self.announce_bytes:
                self.queue(sel, b)
        elif self.role == "flood":
            self.flooding = True

    def flood(self, sel, max_rounds):
        """Queue rounds while the socket takes them whole (at most 256 per
        call): the send buffer stays full, the DUT's reading sets the pace."""
        for _ in range(256):
            if not self.flooding or self.state != "established" or self.outq:
                return
            if self.rounds >= max_rounds:
                self.flooding = False
                return
            self.flood_one(sel)

    def flood_one(self, sel):
        n = len(self.announce_bytes)
        k = (self.rounds // 2) % n
        if k in self.announced:
            self.queue(sel, self.withdraw_bytes[k])
            self.announced.discard(k)
        else:
            self.queue(sel, self.announce_bytes[k])
            self.announced.add(k)
        self.rounds += 1

    def report(self):
        return {"id": self.id, "role": self.role, "state": self.state,
                "established_at": self.est_at, "established_count": self.established_count,
                "ka_rx": self.ka_rx, "max_rx_gap": self.max_rx_gap,
                "max_rx_gap_at": self.max_rx_gap_at,
                "msgs_rx": {str(k): v for k, v in self.msgs_rx.items()},
                "errors": self.errors, "ka_tx": self.ka_tx, "max_ka_tx_late": self.max_ka_tx_late,
                "bytes_tx": self.bytes_tx, "rounds": self.rounds,
                "flood_batches_announced": sorted(self.announced),
                "outq": sum(len(m) for m in self.outq) - self.out_off}


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    hold = spec.get("hold", 9)
    max_rounds = int(spec.get("max_rounds", 10_000_000))
    sessions = [Session(s, hold) for s in spec["sessions"]]
    sel = selectors.DefaultSelector()
    sel.register(sys.stdin, selectors.EVENT_READ, None)
    deadline = now() + float(spec.get("max_seconds", 3600))
    ready_sent = False
    next_status = now() + 5.0
    stdin_buf = b""
    last_loop = now()
    max_loop = 0.0            # our own loop's longest iteration (measurement quality)
    emit("started", pid=os.getpid())
    for _ in range(MAX_LOOPS):
        t = now()
        max_loop = max(max_loop, t - last_loop)
        last_loop = t
        if t > deadline:
            emit("error", id="*", reason="feeder deadline reached")
            break
        for s in sessions:
            s.try_connect(sel, t)
            s.tick(sel, t)
            s.flood(sel, max_rounds)
        for key, mask in sel.select(timeout=0.05):
            s = key.data
            if s is None:
                chunk = os.read(sys.stdin.fileno(), 4096)
                if not chunk:
                    return
                stdin_buf += chunk
                while b"\n" in stdin_buf:
                    line, stdin_buf = stdin_buf.split(b"\n", 1)
                    cmd = line.decode().strip()
                    if cmd == "quit":
                        return
                    if cmd == "go":
                        for x in sessions:
                            x.go(sel)
                        emit("going")
                    elif cmd == "stop":
                        for x in sessions:
                            x.flooding = False
                        emit("stopped", rounds={x.id: x.rounds for x in sessions
                                                if x.role == "flood"})
                    elif cmd == "report":
                        emit("report", max_loop=max_loop,
                             sessions=[x.report() for x in sessions])
            elif s.sock is None:
                continue
            elif s.state == "connecting":
                s.connected(sel)
            else:
                if mask & selectors.EVENT_WRITE:
                    s.flush(sel)
                if s.sock is not None and mask & selectors.EVENT_READ:
                    s.readable(sel)
        if not ready_sent and all(s.state == "established" for s in sessions):
            ready_sent = True
            emit("ready")
        if t >= next_status:
            next_status = t + 5.0
            emit("status", states={s.id: s.state for s in sessions},
                 outq={s.id: sum(len(m) for m in s.outq) - s.out_off for s in sessions},
                 rounds=sum(s.rounds for s in sessions), max_loop=max_loop)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
