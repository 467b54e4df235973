#!/usr/bin/env python3
"""Flapping BGP feeder of the soak test: N sessions in one select loop.

    soakfeed.py SPEC.json

SPEC: {"hold": S, "period": S, "down": S, "max_seconds": S,
"sessions": [{"id", "afi": "ipv4"|"ipv6", "local", "peer", "local_as",
"peer_as", "router_id", "nexthop", "first": I, "count": N}, ...]}.
Session k announces the prefixes first .. first+count-1 of its family
(bgpwire.py's numbering: /24s from 32.0.0.0, /48s from 2a00::), so
sessions with disjoint ranges hold disjoint prefixes. Every session
connects (the DUT is passive) and re-connects on its own.

Commands on stdin, one per line:
  flap       start flapping: every `period` seconds (sessions staggered by
             period/N) a session goes down for `down` seconds, by turns:
             withdraw all + re-announce, Cease NOTIFICATION + close +
             reconnect, withdraw all + re-announce, TCP close without
             NOTIFICATION + reconnect
  final J    stop flapping and go to the final state J (JSON {id: "up" |
             "withdrawn" | "closed"}); `final_done` once reached and flushed
  status     a status event now
  quit
Events on stdout, one JSON object per line ("ev", "t" = time.monotonic()):
  established {id}, ready (all Established once), status {...},
  final_done {...}, error {id, reason} (a loss the feeder did not cause).
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


def nlri_range(afi, first, count):
    if afi == "ipv4":
        pk = struct.Struct("!I").pack
        return [b"\x18" + pk(w.V4_BASE + ((first + i) << 8))[:3] for i in range(count)]
    pk = struct.Struct("!Q").pack
    return [b"\x30" + pk((w.V6_BASE + first + i) << 16)[:6] for i in range(count)]


def cease():
    body = bytes([6, 2])        # Cease / Administrative Shutdown
    return w.header(w.NOTIFICATION, len(body)) + body


class Session:
    def __init__(self, spec, hold):
        self.spec = spec
        self.id = spec["id"]
        self.afi = spec["afi"]
        self.hold = hold
        self.sock = None
        self.state = "idle"
        self.rx = b""
        self.outq = []
        self.out_off = 0
        self.next_ka = 0.0
        self.next_connect = 0.0
        self.ka_interval = hold / 3.0
        self.want_open = True        # connect when idle
        self.want_routes = True      # announce once Established
        self.announced = False
        self.restore_at = None       # end of a flap's down time
        self.cycle = 0
        self.flaps = 0
        self.closing = False         # a drop we caused
        nl = nlri_range(self.afi, spec["first"], spec["count"])
        self.announce_bytes = b"".join(w.announce_msgs(
            self.afi, spec["local_as"], spec["nexthop"],
            w.chunks(nl, w.announce_room(self.afi))))
        self.withdraw_bytes = b"".join(w.withdraw_msgs(
            self.afi, w.chunks(nl, w.withdraw_room(self.afi))))

    def family(self):
        return socket.AF_INET6 if ":" in self.spec["peer"] else socket.AF_INET

    def try_connect(self, sel, t):
        if not self.want_open or self.state != "idle" or t < self.next_connect:
            return
        self.next_connect = t + 1.0
        s = socket.socket(self.family(), socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.family() == socket.AF_INET:     # GTSM
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
        if self.sock is not None:
            try:
                sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
        if reason and not self.closing and self.state == "established":
            emit("error", id=self.id, reason=reason)
        self.sock = None
        self.rx = b""
        self.outq = []
        self.out_off = 0
        self.state = "idle"
        self.announced = False
        self.closing = False

    def close(self, sel, notify):
        """Our own close: with a Cease NOTIFICATION (flushed best effort,
        blocking for at most 1 s) or without."""
        self.closing = True
        if notify and self.sock is not None and self.state == "established":
            try:
                self.sock.setblocking(True)
                self.sock.settimeout(1.0)
                if self.outq:
                    self.sock.sendall(self.outq[0][self.out_off:])
                    for m in self.outq[1:]:
                        self.sock.sendall(m)
                self.sock.sendall(cease())
            except OSError:
                pass
        self.drop(sel, None)

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
            self.message(sel, mtype, buf[off + w.HDR:off + mlen])
            if self.sock is None:
                return
            off += mlen
        self.rx = buf[off:]

    def message(self, sel, mtype, body):
        if mtype == w.OPEN:
            asn, hold, _ = w.parse_open(body)
            neg = min(hold, self.hold)
            self.ka_interval = neg / 3.0 if neg else 3600.0
            self.queue(sel, w.keepalive())
            self.state = "openconfirm"
        elif mtype == w.KEEPALIVE and self.state == "openconfirm":
            self.state = "established"
            self.next_ka = now() + self.ka_interval
            self.queue(sel, w.eor(self.afi))
            emit("established", id=self.id)
            if self.want_routes:
                self.announce(sel)
        elif mtype == w.NOTIFICATION:
            reason = "NOTIFICATION %d/%d" % (body[0], body[1])
            if self.state == "established":
                emit("error", id=self.id, reason=reason)
            self.drop(sel, None)

    def announce(self, sel):
        self.queue(sel, self.announce_bytes)
        self.announced = True

    def withdraw(self, sel):
        self.queue(sel, self.withdraw_bytes)
        self.announced = False

    def tick(self, sel, t):
        if self.state == "established" and t >= self.next_ka:
            self.next_ka = t + self.ka_interval
            self.queue(sel, w.keepalive())

    # -- flapping ------------------------------------------------------
    def flap(self, sel, t, down):
        """Take the session down, one of four ways by turns."""
        if self.state != "established" or not self.announced:
            return False
        way = self.cycle % 4
        self.cycle += 1
        self.flaps += 1
        self.restore_at = t + down
        if way in (0, 2):
            self.withdraw(sel)
            self.want_routes = False
        else:
            self.close(sel, notify=(way == 1))
            self.want_open = False
        return True

    def restore(self, sel, t):
        if self.restore_at is None or t < self.restore_at:
            return
        self.restore_at = None
        self.want_open = self.want_routes = True
        self.next_connect = 0.0
        if self.state == "established" and not self.announced:
            self.announce(sel)

    def set_target(self, sel, target):
        self.restore_at = None
        if target == "closed":
            self.want_open = False
            if self.sock is not None:
                self.close(sel, notify=True)
            return
        self.want_open = True
        self.next_connect = 0.0
        self.want_routes = target == "up"
        if self.state == "established":
            if self.want_routes and not self.announced:
                self.announce(sel)
            elif not self.want_routes and self.announced:
                self.withdraw(sel)

    def at_target(self, target):
        if target == "closed":
            return self.sock is None
        return (self.state == "established" and not self.outq
                and self.announced == (target == "up"))


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    hold = spec.get("hold", 30)
    period = float(spec.get("period", 6.0))
    down = float(spec.get("down", 2.0))
    sessions = [Session(s, hold) for s in spec["sessions"]]
    sel = selectors.DefaultSelector()
    sel.register(sys.stdin, selectors.EVENT_READ, None)
    deadline = now() + float(spec.get("max_seconds", 7200))
    flapping = False
    targets = None
    final_sent = False
    ready_sent = False
    next_flap = {}
    next_status = now() + 5.0
    stdin_buf = b""
    emit("started", pid=os.getpid())
    for _ in range(MAX_LOOPS):
        t = now()
        if t > deadline:
            emit("error", id="*", reason="feeder deadline reached")
            break
        for s in sessions:
            s.try_connect(sel, t)
            s.tick(sel, t)
            if flapping:
                s.restore(sel, t)
                if t >= next_flap[s.id]:
                    next_flap[s.id] = t + period
                    s.flap(sel, t, down)
        for key, mask in sel.select(timeout=0.1):
            s = key.data
            if s is None:
                chunk = os.read(sys.stdin.fileno(), 4096)
                if not chunk:
                    return
                stdin_buf += chunk
                while b"\n" in stdin_buf:
                    line, stdin_buf = stdin_buf.split(b"\n", 1)
                    cmd, _, arg = line.decode().strip().partition(" ")
                    if cmd == "quit":
                        return
                    if cmd == "flap":
                        flapping = True
                        n = len(sessions)
                        for i, x in enumerate(sessions):
                            next_flap[x.id] = t + period * (i + 1) / n
                    elif cmd == "final":
                        flapping = False
                        targets = json.loads(arg)
                        final_sent = False
                        for x in sessions:
                            x.set_target(sel, targets.get(x.id, "up"))
                    elif cmd == "status":
                        next_status = 0.0
            elif s.sock is None:
                continue
            elif s.state == "connecting":
                s.connected(sel)
            else:
                if mask & selectors.EVENT_WRITE:
                    s.flush(sel)
                if s.sock is not None and mask & selectors.EVENT_READ:
                    s.readable(sel)
        if not ready_sent and all(s.state == "established" and s.announced and not s.outq
                                  for s in sessions):
            ready_sent = True
            emit("ready")
        if targets is not None and not final_sent and all(
                s.at_target(targets.get(s.id, "up")) for s in sessions):
            final_sent = True
            emit("final_done", flaps={s.id: s.flaps for s in sessions})
        if t >= next_status:
            next_status = t + 5.0
            emit("status", states={s.id: s.state for s in sessions},
                 flaps=sum(s.flaps for s in sessions))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
