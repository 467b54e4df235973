"""closbgpd --log-format json against an FRR peer (docs/logging.md):

- every line closbgpd writes on stderr is one JSON object with ts (RFC 3339,
  UTC, milliseconds), level, module, event and msg, and peer when the
  message is about a peer;
- the session coming up is the event peer.established, with the peer's
  address;
- SIGHUP with a bad configuration is the event config.reload_rejected
  (level error), a good one config.reloaded; the session stays up.

The tests of this module share one topology and run in file order.
"""
import json
import re

import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
L = addr.link(1)
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LEVELS = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"}


class JsonClosbgpd(closbgp.Closbgpd):
    """closbgpd -n with --log-format json."""

    def start(self, timeout=15, wait=True):
        self.proc = self.ns.popen([closbgp.binaries()[0], "-c", self.conf, "-s", self.sock,
                                   "-n", "--log-level", self.log_level,
                                   "--log-format", "json"], self.log)
        if wait:
            wait_until(self._ready, timeout, "closbgpd %s control socket" % self.name)
        return self


def config():
    return closbgp.device_config("10.0.0.1", CLOS_AS,
                                 neighbors=[closbgp.neighbor(L.b4, FRR_AS)])


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("logging")
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=L.v4)
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": CLOS_AS}]))
    c = t._daemon(JsonClosbgpd(a, t.dir, config()), True)
    return {"clos": c, "frr": f}


def records(c, offset=0):
    """The JSON objects of the log from byte `offset`; fails on any line
    that is not one (the last line may be still being written: it is
    written with one write(2), so a complete file never ends mid-line)."""
    text = c.log_text()[offset:]
    assert text == "" or text.endswith("\n"), "a line cut short: %r" % text[-200:]
    out = []
    for line in text.splitlines():
        try:
            r = json.loads(line)
        except ValueError as exc:
            raise AssertionError("not a JSON line (%s): %r" % (exc, line))
        assert isinstance(r, dict), line
        out.append(r)
    return out


def find(c, event, offset=0, **fields):
    for r in records(c, offset):
        if r.get("event") == event and all(r.get(k) == v for k, v in fields.items()):
            return r
    return None


def test_established_event(net):
    c, f = net["clos"], net["frr"]
    c.wait_established(L.b4)
    f.wait_established(L.a4)
    r = wait_until(lambda: find(c, "peer.established", peer=L.b4), 10,
                   "closbgpd logs peer.established for %s" % L.b4)
    assert r["level"] == "notice" and r["module"] == "peer", r
    assert r["msg"].startswith("session established (AS %d" % FRR_AS), r
    assert TS.match(r["ts"]), r
    # the FSM transitions are events too, with the peer
    assert find(c, "peer.state_change", peer=L.b4), c.log_tail()


def test_reload_rejected_event(net):
    c = net["clos"]
    c.wait_established(L.b4)
    count = c.peer(L.b4)["established_count"]
    good = config()
    bad = json.loads(json.dumps(good))
    bad["closbgp-device:bgp"]["local-as"] = "not-a-number"
    offset = len(c.log_text())
    c.write_config(bad)
    try:
        c.reload()
        r = wait_until(lambda: find(c, "config.reload_rejected", offset), 10,
                       "closbgpd logs config.reload_rejected")
    finally:
        c.write_config(good)
    assert r["level"] == "error" and r["module"] == "config", r
    assert "peer" not in r, r
    assert "local-as" in r["msg"], r
    assert c.running, c.log_tail()
    assert c.peer_state(L.b4) == "Established"
    assert c.peer(L.b4)["established_count"] == count


def test_reloaded_event(net):
    c = net["clos"]
    offset = len(c.log_text())
    c.reload()
    r = wait_until(lambda: find(c, "config.reloaded", offset), 10,
                   "closbgpd logs config.reloaded")
    assert r["level"] == "notice" and c.conf in r["msg"], r


def test_every_line_is_json(net):
    c = net["clos"]
    recs = records(c)
    assert len(recs) >= 5, c.log_tail()
    for r in recs:
        assert set(r) <= {"ts", "level", "module", "peer", "event", "msg"}, r
        assert {"ts", "level", "module", "event", "msg"} <= set(r), r
        assert TS.match(r["ts"]), r
        assert r["level"] in LEVELS, r
        assert r["event"] == r["module"] or r["event"].startswith(r["module"] + "."), r
        assert all(isinstance(v, str) for v in r.values()), r
    # messages about the peer name it; at debug level there are plenty
    assert any(r.get("peer") == L.b4 for r in recs)
