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
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import bgpfeed  # noqa: E402  (tests/lib/bgpfeed.py)
from bgpfeed import emit, w  # noqa: E402


def cease():
    body = bytes([6, 2])        # Cease / Administrative Shutdown
    return w.header(w.NOTIFICATION, len(body)) + body


class Session(bgpfeed.Session):
    def __init__(self, spec, hold):
        super().__init__(spec, hold, spec["afi"])
        self.want_open = True        # connect when idle
        self.want_routes = True      # announce once Established
        self.announced = False
        self.restore_at = None       # end of a flap's down time
        self.cycle = 0
        self.flaps = 0
        self.closing = False         # a drop we caused
        nl = bgpfeed.nlri_range(self.afi, spec["first"], spec["count"])
        self.announce_bytes = b"".join(w.announce_msgs(
            self.afi, spec["local_as"], spec["nexthop"],
            w.chunks(nl, w.announce_room(self.afi))))
        self.withdraw_bytes = b"".join(w.withdraw_msgs(
            self.afi, w.chunks(nl, w.withdraw_room(self.afi))))

    def can_connect(self):
        return self.want_open

    def on_established(self, sel, t):
        if self.want_routes:
            self.announce(sel)

    def lost(self, reason):
        if not self.closing:
            emit("error", id=self.id, reason=reason)

    def on_drop(self):
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

    def announce(self, sel):
        self.queue(sel, self.announce_bytes)
        self.announced = True

    def withdraw(self, sel):
        self.queue(sel, self.withdraw_bytes)
        self.announced = False

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


class SoakFeeder(bgpfeed.Feeder):
    def __init__(self, spec):
        hold = spec.get("hold", 30)
        super().__init__([Session(s, hold) for s in spec["sessions"]],
                         float(spec.get("max_seconds", 7200)))
        self.period = float(spec.get("period", 6.0))
        self.down = float(spec.get("down", 2.0))
        self.flapping = False
        self.targets = None
        self.final_sent = False
        self.next_flap = {}

    def command(self, cmd, arg, t):
        if cmd == "flap":
            self.flapping = True
            n = len(self.sessions)
            for i, x in enumerate(self.sessions):
                self.next_flap[x.id] = t + self.period * (i + 1) / n
        elif cmd == "final":
            self.flapping = False
            self.targets = json.loads(arg)
            self.final_sent = False
            for x in self.sessions:
                x.set_target(self.sel, self.targets.get(x.id, "up"))
        elif cmd == "status":
            self.next_status = 0.0

    def each(self, s, t):
        if self.flapping:
            s.restore(self.sel, t)
            if t >= self.next_flap[s.id]:
                self.next_flap[s.id] = t + self.period
                s.flap(self.sel, t, self.down)

    def ready(self):
        return all(s.state == "established" and s.announced and not s.outq
                   for s in self.sessions)

    def after(self, t):
        if self.targets is not None and not self.final_sent and all(
                s.at_target(self.targets.get(s.id, "up")) for s in self.sessions):
            self.final_sent = True
            emit("final_done", flaps={s.id: s.flaps for s in self.sessions})

    def status(self):
        return {"states": {s.id: s.state for s in self.sessions},
                "flaps": sum(s.flaps for s in self.sessions)}


if __name__ == "__main__":
    bgpfeed.main(SoakFeeder)
