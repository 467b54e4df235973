"""BGP session plumbing of the soak and load feeders: N connecting sessions
in one select loop, driven by commands on stdin, reporting JSON events on
stdout.

Session is one session to a passive DUT: it connects (again, a second
after a failure), sends OPEN, answers the DUT's OPEN with a KEEPALIVE,
sends End-of-RIB once Established and a KEEPALIVE every third of the
negotiated hold time; its output is a queue flushed as the socket takes it
(backpressure: the DUT's reading sets the pace). The wire format is
tests/bench/bgpwire.py's. Subclasses add what their test sends, through
the hooks `can_connect`, `received`, `on_established`, `lost`, `on_drop`.

Feeder is the loop: stdin commands (a line "CMD ARG"; `quit` ends it),
socket events, a `status` event every 5 s; subclasses add `command`,
`each` (per session and loop turn), `after` (per loop turn) and `status`.
The loop is bounded by MAX_LOOPS and by `max_seconds`.
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
    """One event on stdout: {"ev": ev, "t": time.monotonic(), ...}."""
    kw["ev"] = ev
    kw.setdefault("t", now())
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def nlri_range(afi, first, count):
    """Encoded NLRI of the prefixes first .. first+count-1 of a family, in
    bgpwire.py's numbering (/24s from 32.0.0.0, /48s from 2a00::)."""
    if afi == "ipv4":
        pk = struct.Struct("!I").pack
        return [b"\x18" + pk(w.V4_BASE + ((first + i) << 8))[:3] for i in range(count)]
    pk = struct.Struct("!Q").pack
    return [b"\x30" + pk((w.V6_BASE + first + i) << 16)[:6] for i in range(count)]


class Session:
    # appended to "NOTIFICATION c/s" in the reason of a lost session
    NOTIFICATION_SUFFIX = ""

    def __init__(self, spec, hold, afi):
        self.spec = spec
        self.id = spec["id"]
        self.afi = afi
        self.hold = hold
        self.sock = None
        self.state = "idle"
        self.rx = b""
        self.outq = []           # memoryviews
        self.out_off = 0
        self.next_ka = 0.0
        self.next_connect = 0.0
        self.ka_interval = hold / 3.0
        self.ka_tx = 0
        self.max_ka_tx_late = 0.0   # how late our own keepalive timer fired
        self.bytes_tx = 0

    # -- hooks ------------------------------------------------------------
    def can_connect(self):
        return True

    def received(self, t, mtype):
        """Every message, before it is handled."""

    def on_established(self, sel, t):
        pass

    def lost(self, reason):
        """An Established session dropped (by the peer, or an I/O error)."""
        emit("error", id=self.id, reason=reason)

    def on_drop(self):
        pass

    # -- the session --------------------------------------------------------
    def family(self):
        return socket.AF_INET6 if ":" in self.spec["peer"] else socket.AF_INET

    def try_connect(self, sel, t):
        if not self.can_connect() or self.state != "idle" or t < self.next_connect:
            return
        self.next_connect = t + 1.0
        s = socket.socket(self.family(), socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.family() == socket.AF_INET:     # GTSM (RFC 5082)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
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
                                   self.spec["router_id"], [self.afi]))

    def drop(self, sel, reason):
        """Close the socket; `reason` (None for a drop we caused) is
        reported if the session was Established."""
        if self.sock is not None:
            try:
                sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
        if reason and self.state == "established":
            self.lost(reason)
        self.sock = None
        self.rx = b""
        self.outq = []
        self.out_off = 0
        self.state = "idle"
        self.on_drop()

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
        t = now()               # every message of this read: received now
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
        self.received(t, mtype)
        if mtype == w.OPEN:
            _asn, hold, _ = w.parse_open(body)
            neg = min(hold, self.hold)
            self.ka_interval = neg / 3.0 if neg else 3600.0
            self.queue(sel, w.keepalive())
            self.state = "openconfirm"
        elif mtype == w.KEEPALIVE and self.state == "openconfirm":
            self.state = "established"
            self.next_ka = t + self.ka_interval
            self.queue(sel, w.eor(self.afi))
            emit("established", id=self.id)
            self.on_established(sel, t)
        elif mtype == w.NOTIFICATION:
            if self.state == "established":
                self.lost("NOTIFICATION %d/%d%s" % (body[0], body[1], self.NOTIFICATION_SUFFIX))
            self.state = "closing"
            self.drop(sel, None)

    def tick(self, sel, t):
        if self.state == "established" and t >= self.next_ka:
            self.max_ka_tx_late = max(self.max_ka_tx_late, t - self.next_ka)
            self.next_ka = t + self.ka_interval
            self.ka_tx += 1
            self.queue(sel, w.keepalive())


class Feeder:
    SELECT_TIMEOUT = 0.1
    STATUS_EVERY = 5.0

    def __init__(self, sessions, max_seconds):
        self.sessions = sessions
        self.max_seconds = max_seconds
        self.sel = selectors.DefaultSelector()
        self.ready_sent = False
        self.next_status = 0.0
        self.max_loop = 0.0       # our own loop's longest iteration (measurement quality)

    # -- hooks ------------------------------------------------------------
    def command(self, cmd, arg, t):
        pass

    def each(self, s, t):
        """Per session and loop turn, after connect and keepalive."""

    def ready(self):
        return all(s.state == "established" for s in self.sessions)

    def after(self, t):
        """Per loop turn, after the ready check."""

    def status(self):
        return {"states": {s.id: s.state for s in self.sessions}}

    # -- the loop -----------------------------------------------------------
    def stdin(self, t):
        """Read and run commands; False on EOF or `quit`."""
        chunk = os.read(sys.stdin.fileno(), 4096)
        if not chunk:
            return False
        self.stdin_buf += chunk
        while b"\n" in self.stdin_buf:
            line, self.stdin_buf = self.stdin_buf.split(b"\n", 1)
            cmd, _, arg = line.decode().strip().partition(" ")
            if cmd == "quit":
                return False
            self.command(cmd, arg, t)
        return True

    def run(self):
        sel = self.sel
        sel.register(sys.stdin, selectors.EVENT_READ, None)
        deadline = now() + self.max_seconds
        self.next_status = now() + self.STATUS_EVERY
        self.stdin_buf = b""
        last_loop = now()
        emit("started", pid=os.getpid())
        for _ in range(MAX_LOOPS):
            t = now()
            self.max_loop = max(self.max_loop, t - last_loop)
            last_loop = t
            if t > deadline:
                emit("error", id="*", reason="feeder deadline reached")
                break
            for s in self.sessions:
                s.try_connect(sel, t)
                s.tick(sel, t)
                self.each(s, t)
            for key, mask in sel.select(timeout=self.SELECT_TIMEOUT):
                s = key.data
                if s is None:
                    if not self.stdin(t):
                        return
                elif s.sock is None:
                    continue
                elif s.state == "connecting":
                    s.connected(sel)
                else:
                    if mask & selectors.EVENT_WRITE:
                        s.flush(sel)
                    if s.sock is not None and mask & selectors.EVENT_READ:
                        s.readable(sel)
            if not self.ready_sent and self.ready():
                self.ready_sent = True
                emit("ready")
            self.after(t)
            if t >= self.next_status:
                self.next_status = t + self.STATUS_EVERY
                emit("status", **self.status())


def main(make_feeder):
    """feeder.py SPEC.json: make_feeder(spec) builds the Feeder, then runs it."""
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    try:
        make_feeder(spec).run()
    except KeyboardInterrupt:
        pass
