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
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import bgpfeed  # noqa: E402  (tests/lib/bgpfeed.py)
from bgpfeed import emit, now, w  # noqa: E402


class Session(bgpfeed.Session):
    NOTIFICATION_SUFFIX = " received"

    def __init__(self, spec, hold):
        super().__init__(spec, hold, "ipv4")
        self.role = spec["role"]
        self.est_at = None
        self.ka_rx = []          # monotonic time of every KEEPALIVE received (Established)
        self.last_rx = None      # last message of any type
        self.max_rx_gap = 0.0    # largest gap between two received messages (any type)
        self.max_rx_gap_at = None
        self.msgs_rx = {}
        self.errors = []
        self.established_count = 0
        self.rounds = 0
        self.flooding = False
        self.table_sent = False
        nl = bgpfeed.nlri_range("ipv4", spec["first"], spec["count"])
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

    def received(self, t, mtype):
        if self.state == "established":
            if self.last_rx is not None and t - self.last_rx > self.max_rx_gap:
                self.max_rx_gap = t - self.last_rx
                self.max_rx_gap_at = t
            self.last_rx = t
            self.msgs_rx[mtype] = self.msgs_rx.get(mtype, 0) + 1
            if mtype == w.KEEPALIVE:
                self.ka_rx.append(t)

    def on_established(self, sel, t):
        self.established_count += 1
        self.est_at = self.last_rx = t

    def lost(self, reason):
        self.errors.append({"t": now(), "reason": reason})
        emit("error", id=self.id, reason=reason)

    def on_drop(self):
        self.announced = set()
        self.table_sent = False

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
                "outq": self.pending()}


class LoadFeeder(bgpfeed.Feeder):
    SELECT_TIMEOUT = 0.05

    def __init__(self, spec):
        hold = spec.get("hold", 9)
        super().__init__([Session(s, hold) for s in spec["sessions"]],
                         float(spec.get("max_seconds", 3600)))
        self.max_rounds = int(spec.get("max_rounds", 10_000_000))

    def command(self, cmd, arg, t):
        if cmd == "go":
            for x in self.sessions:
                x.go(self.sel)
            emit("going")
        elif cmd == "stop":
            for x in self.sessions:
                x.flooding = False
            emit("stopped", rounds={x.id: x.rounds for x in self.sessions
                                    if x.role == "flood"})
        elif cmd == "report":
            emit("report", max_loop=self.max_loop,
                 sessions=[x.report() for x in self.sessions])

    def each(self, s, t):
        s.flood(self.sel, self.max_rounds)

    def status(self):
        return {"states": {s.id: s.state for s in self.sessions},
                "outq": {s.id: s.pending() for s in self.sessions},
                "rounds": sum(s.rounds for s in self.sessions), "max_loop": self.max_loop}


if __name__ == "__main__":
    bgpfeed.main(LoadFeeder)
