"""Link failure: with hold time 3s, taking the veth down (in either
namespace) makes both sides leave Established; restoring it brings the
session back. The times are printed at the end of the run."""
import time

import pytest

from lib import addr, closbgp, frr, report
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
HOLD, KEEPALIVE = 3, 1
L = addr.link(1)


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("link")
    a, b = t.add_node("clos"), t.add_node("frr")
    link = t.add_link(a, b, v4=L.v4)
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", hold=HOLD, keepalive=KEEPALIVE,
                                neighbors=[{"address": L.a4, "remote_as": CLOS_AS}],
                                networks=[("198.51.100.0/24", None)]))
    c = t.closbgpd(a, closbgp.device_config(
        "10.0.0.1", CLOS_AS, timers={"hold-time": HOLD, "keepalive": KEEPALIVE,
                                     "connect-retry": 1},
        neighbors=[closbgp.neighbor(L.b4, FRR_AS, hold=HOLD, keepalive=KEEPALIVE)],
        networks=[{"prefix": "192.0.2.0/24"}]))
    return {"clos": c, "frr": f, "link": link}


@pytest.mark.parametrize("side", [1, 0], ids=["down-in-frr-ns", "down-in-closbgpd-ns"])
def test_link_down_up(net, side):
    c, f, link = net["clos"], net["frr"], net["link"]
    c.wait_established(L.b4, timeout=30)
    f.wait_established(L.a4, timeout=30)
    wait_until(lambda: "198.51.100.0/24" in c.routes_by_prefix(peer=L.b4), 20, "route learned")
    count = c.peer(L.b4)["established_count"]

    t0 = time.monotonic()
    link.set_up(side, False)
    try:
        # Hold time plus margin: a keepalive may have just arrived.
        wait_until(lambda: c.peer_state(L.b4) != "Established", HOLD + 3,
                   "closbgpd leaves Established", interval=0.1)
        t_clos = time.monotonic() - t0
        # Nothing crosses the link: the hold timer (4/0) or closbgpd's own
        # link watch (when the link is down on its side) ends the session.
        err = c.peer(L.b4).get("last_error") or {}
        wait_until(lambda: f.peer_state(L.a4) != "Established", HOLD + 3,
                   "FRR leaves Established", interval=0.1)
        t_frr = time.monotonic() - t0
        # The session's routes go with it.
        wait_until(lambda: "198.51.100.0/24" not in c.routes_by_prefix(peer=L.b4), 10,
                   "closbgpd withdraws the routes of the lost session")
    finally:
        link.set_up(side, True)
    t1 = time.monotonic()
    c.wait_established(L.b4, timeout=30)
    f.wait_established(L.a4, timeout=30)
    t_up = time.monotonic() - t1
    assert c.peer(L.b4)["established_count"] == count + 1
    wait_until(lambda: "198.51.100.0/24" in c.routes_by_prefix(peer=L.b4), 20, "route relearned")
    report.note("link down in %s ns (hold %ds): closbgpd left Established after %.1fs "
                "(last_error %s), FRR after %.1fs; Established again %.1fs after link up"
                % ("FRR" if side else "closbgpd", HOLD, t_clos, err.get("name"), t_frr, t_up))
