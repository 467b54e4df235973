"""Device states LIVE / WARM / DRAINED (issue 13) against real FRR.

    member FRR (65401, confed 65100) --- closbgpd (65301, confed 65100) --- outside FRR (65000)

closbgpd originates a production prefix (route type rack_prefix) and an
infrastructure one (infra). Its export chains: LIVE and WARM send both,
DRAINED only infra. Outside LIVE every path carries the drain signal:
the outside (eBGP) neighbour sees our AS prepended and GRACEFUL_SHUTDOWN,
the member (confederation) sees LOCAL_PREF 0. Checked on the FRR side:

- a cold start with initial drained and a state file comes up DRAINED:
  only infra, with the signal;
- undrain --wait ends LIVE: both prefixes, no signal;
- drain goes WARM at once (both prefixes, with the signal), DRAINED after
  drain-time (production withdrawn, infra kept); --wait returns then;
- the state file keeps DRAINED: a restarted closbgpd comes back drained;
- state warm, a reload changing the prepend while WARM (no session reset);
- closctl misuse exits 2 with usage.

The tests of this module share one topology and run in file order.
"""
import os
import time

import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, MEMBER_AS, OUTSIDE_AS, CONFED_ID = 65301, 65401, 65000, 65100
LM, LO = addr.link(1), addr.link(2)  # closbgpd is the .1 end
PROD, INFRA, PLAIN = "192.0.2.0/24", "198.18.0.0/24", "203.0.113.0/24"
RACK, INFRA_C = "65520:101", "65520:103"
DRAIN_TIME = 2


def clos_config(prepend=3):
    cfg = closbgp.device_config(
        "10.0.0.1", CLOS_AS,
        confederation={"identifier": CONFED_ID, "member-as": [MEMBER_AS]},
        neighbors=[closbgp.neighbor(LM.b4, MEMBER_AS, **{"peer_group": "all"}),
                   closbgp.neighbor(LO.b4, OUTSIDE_AS, **{"peer_group": "all"})],
        networks=[{"prefix": PROD, "route-type": ["rack_prefix"]},
                  {"prefix": INFRA, "route-type": ["infra"]},
                  # no community at all: the drain signal adds the first one
                  {"prefix": PLAIN}],
        peer_groups=[{"name": "all", "policy": {
            "export": ["send-all"], "export-drained": ["send-infra"]}}])
    cfg["closbgp-device:bgp"].update({
        "route-type": [{"name": "rack_prefix", "community": RACK},
                       {"name": "infra", "community": INFRA_C}],
        "policy": [
            {"name": "send-all", "statement": [
                {"name": "all", "actions": {"result": "accept"}}]},
            {"name": "send-infra", "statement": [
                {"name": "infra", "match": {"route-type": ["infra"]},
                 "actions": {"result": "accept"}}]}],
        "device-state": {"initial": "drained", "state-file": "device.state",
                         "drain-time": DRAIN_TIME, "as-path-prepend": prepend},
    })
    return cfg


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("devstate")
    c_ns, m_ns, o_ns = t.add_node("clos"), t.add_node("member"), t.add_node("outside")
    t.add_link(c_ns, m_ns, v4=LM.v4)
    t.add_link(c_ns, o_ns, v4=LO.v4)
    member = t.frr(m_ns, frr.bgp_config(
        MEMBER_AS, "10.0.0.2",
        extra=["bgp confederation identifier %d" % CONFED_ID,
               "bgp confederation peers %d" % CLOS_AS],
        neighbors=[{"address": LM.a4, "remote_as": CLOS_AS}]))
    outside = t.frr(o_ns, frr.bgp_config(
        OUTSIDE_AS, "10.0.0.3", neighbors=[{"address": LO.a4, "remote_as": CONFED_ID}]))
    c = t.closbgpd(c_ns, clos_config())
    return {"clos": c, "member": member, "outside": outside}


def path(router, prefix):
    """router's best path for prefix, {} when it has none."""
    paths = router.route(prefix).get("paths") or []
    return paths[0] if paths else {}


def signal_of(net, prefix):
    """(outside AS_PATH, GRACEFUL_SHUTDOWN at the outside, member
    LOCAL_PREF) of prefix, None where a side has no path."""
    o, m = path(net["outside"], prefix), path(net["member"], prefix)
    return (o.get("aspath", {}).get("string") if o else None,
            "gracefulShutdown" in o.get("community", {}).get("list", []) if o else None,
            m.get("locPrf") if m else None)


LIVE_SIGNAL = (str(CONFED_ID), False, 100)


def drained_signal(prepend=3):
    return (" ".join([str(CONFED_ID)] * (prepend + 1)), True, 0)


def wait_signal(net, prefix, want, timeout=20):
    return wait_until(lambda: signal_of(net, prefix) == want or None, timeout,
                      "%s: %s (now %s)" % (prefix, want, signal_of(net, prefix)))


def state(net):
    return net["clos"].ctl_json("show", "state")


def test_cold_start_drained(net):
    c = net["clos"]
    c.wait_established(LM.b4)
    c.wait_established(LO.b4)
    wait_signal(net, INFRA, drained_signal())
    assert signal_of(net, PROD) == (None, None, None)
    st = state(net)
    assert st["state"] == "drained" and st["target"] == "drained", st
    assert not st["initial_table_wait"], st
    assert st["state_file"].endswith("device.state"), st
    assert all(g["drain_signal"] and g["export_chain"] == "send-infra"
               for g in st["groups"]), st


def test_undrain_wait(net):
    c = net["clos"]
    res = c.ctl("undrain", "--wait", "--timeout", "20")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("live after"), res.stdout
    st = state(net)
    assert st["state"] == "live" and st["transitions"] >= 2, st  # via WARM
    wait_signal(net, PROD, LIVE_SIGNAL)
    wait_signal(net, INFRA, LIVE_SIGNAL)
    assert "drained -> warm" in c.log_text() and "warm -> live" in c.log_text()


def test_drain_moves_traffic_first_then_withdraws(net):
    c = net["clos"]
    t0 = time.monotonic()
    res = c.ctl("--json", "drain")
    assert res.returncode == 0, res.stderr
    # WARM at once: everything still advertised, with the signal
    wait_signal(net, PROD, drained_signal(), timeout=DRAIN_TIME)
    wait_signal(net, PLAIN, drained_signal(), timeout=DRAIN_TIME)
    st = state(net)
    assert st["state"] == "warm" and st["target"] == "drained", st
    assert time.monotonic() - t0 < DRAIN_TIME
    # DRAINED after drain-time: production withdrawn, infra kept
    wait_until(lambda: signal_of(net, PROD) == (None, None, None) or None, 10,
               "production prefix withdrawn")
    assert time.monotonic() - t0 >= DRAIN_TIME - 0.2
    assert signal_of(net, INFRA) == drained_signal()
    assert state(net)["state"] == "drained"


def test_drain_wait_returns_when_drained(net):
    c = net["clos"]
    assert c.ctl("undrain", "--wait").returncode == 0
    wait_signal(net, PROD, LIVE_SIGNAL)
    t0 = time.monotonic()
    res = c.ctl("drain", "--wait", "--timeout", "20")
    took = time.monotonic() - t0
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("drained after"), res.stdout
    assert DRAIN_TIME - 0.2 <= took < DRAIN_TIME + 5, took
    assert state(net)["state"] == "drained"


def test_state_file_survives_restart(net):
    c = net["clos"]
    with open(os.path.join(c.dir, "device.state")) as f:
        assert f.read().strip() == "drained"
    ups = net["outside"].neighbor(LO.a4).get("connectionsEstablished", 0)
    assert c.stop() == 0
    c.start()
    c.wait_established(LO.b4)
    c.wait_established(LM.b4)
    wait_until(lambda: net["outside"].neighbor(LO.a4).get("connectionsEstablished", 0) > ups
               or None, 30, "outside saw the new session")
    st = wait_until(lambda: (lambda s: s if not s["initial_table_wait"] else None)(state(net)),
                    20, "initial table in")
    assert st["state"] == "drained", st
    wait_signal(net, INFRA, drained_signal())
    assert signal_of(net, PROD) == (None, None, None)


def test_warm_and_reload_of_the_signal(net):
    c = net["clos"]
    res = c.ctl("state", "warm", "--wait")
    assert res.returncode == 0 and res.stdout.startswith("warm after"), res
    wait_signal(net, PROD, drained_signal())
    ups = c.peer(LO.b4).get("established_count")
    c.write_config(clos_config(prepend=1))
    c.reload()
    wait_signal(net, PROD, drained_signal(prepend=1))
    wait_signal(net, INFRA, drained_signal(prepend=1))
    assert c.peer(LO.b4).get("established_count") == ups
    assert c.ctl("undrain", "--wait").returncode == 0
    wait_signal(net, PROD, LIVE_SIGNAL)


@pytest.mark.parametrize("args", [
    ("state", "bogus"), ("state",), ("drain", "now"), ("show", "state", "--wait"),
    ("undrain", "--timeout", "0"), ("undrain", "--timeout")])
def test_closctl_misuse(net, args):
    res = net["clos"].ctl(*args)
    assert res.returncode == 2, (args, res)
    assert "usage: closctl" in res.stderr
