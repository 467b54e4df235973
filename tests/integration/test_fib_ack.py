"""FIB acknowledgement (issue 13): a route the kernel refuses is never advertised.

    FRR up (65001) --- closbgpd (65301, kernel FIB on) --- FRR down (65401)

up announces 203.0.113.0/24 normally and 198.51.100.0/24 with a third-party
next hop on the link, 10.0.1.3, the broadcast address of the /30, which
closbgpd's kernel holds as such (a broadcast route in its local table):
Linux refuses a route through it ("Nexthop has invalid gateway"). closbgpd selects the path (the
next hop is on a connected network), the kernel refuses its route, and
down never receives the prefix, while the good one arrives. When the
broadcast route goes, the FIB's retry installs the route and only then is
it advertised.
"""
import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, UP_AS, DOWN_AS = 65301, 65001, 65401
LU, LD = addr.link(1), addr.link(2)  # closbgpd is the .1 end
GOOD, BAD = "203.0.113.0/24", "198.51.100.0/24"


def third_party_nh():
    """The link's (a /30) broadcast address."""
    return LU.a4.rsplit(".", 1)[0] + ".3"


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("fiback")
    c_ns, u_ns, d_ns = t.add_node("clos"), t.add_node("up"), t.add_node("down")
    t.add_link(c_ns, u_ns, v4=LU.v4, if_a="up", if_b="clos")
    t.add_link(c_ns, d_ns, v4=LD.v4, if_a="down", if_b="clos")
    # the kernel of closbgpd's namespace takes .3 on the up link for the
    # broadcast address it is: no route may go through it
    c_ns.run(["ip", "route", "replace", "broadcast", third_party_nh(), "dev", "up", "table",
              "local"])
    up = t.frr(u_ns, frr.bgp_config(
        UP_AS, "10.0.0.2",
        neighbors=[{"address": LU.a4, "remote_as": CLOS_AS,
                    "extra": ["route-map third-party out"]}],
        networks=[(GOOD, None), (BAD, None)]) +
        "ip prefix-list bad seq 5 permit %s\n!\n" % BAD +
        "route-map third-party permit 10\n match ip address prefix-list bad\n"
        " set ip next-hop %s\nexit\n!\nroute-map third-party permit 20\nexit\n!\n"
        % third_party_nh())
    down = t.frr(d_ns, frr.bgp_config(DOWN_AS, "10.0.0.3", neighbors=[
        {"address": LD.a4, "remote_as": CLOS_AS}]))
    c = t._daemon(closbgp.FibClosbgpd(c_ns, t.dir, closbgp.device_config(
        "10.0.0.1", CLOS_AS, neighbors=[closbgp.neighbor(LU.b4, UP_AS),
                                        closbgp.neighbor(LD.b4, DOWN_AS)])), True)
    return {"clos": c, "ns": c_ns, "up": up, "down": down}


def fib_state(net, prefix):
    rows = [r for r in net["clos"].ctl_json("show", "fib").get("routes", [])
            if r.get("prefix") == prefix]
    return rows[0].get("state") if rows else None


def test_refused_route_is_never_advertised(net):
    c, down = net["clos"], net["down"]
    c.wait_established(LU.b4)
    c.wait_established(LD.b4)
    wait_until(lambda: GOOD in down.routes(), 30, "down has %s" % GOOD)
    # the path is there, selected, and its kernel route refused
    paths = wait_until(lambda: c.routes(BAD) or None, 10, "closbgpd has %s" % BAD)
    assert paths[0]["next_hop"] == third_party_nh(), paths
    wait_until(lambda: fib_state(net, BAD) == "failed", 10, "%s refused by the kernel" % BAD)
    assert BAD not in down.routes(), down.routes()[BAD]
    assert "Nexthop has invalid gateway" in c.log_text() or "install %s" % BAD in c.log_text()


def test_advertised_once_the_kernel_takes_it(net):
    c, down = net["clos"], net["down"]
    net["ns"].run(["ip", "route", "del", "broadcast", third_party_nh(), "dev", "up", "table",
                   "local"])
    # the FIB retries a refused route every second (5 times)
    wait_until(lambda: fib_state(net, BAD) == "installed", 15, "%s installed on retry" % BAD)
    wait_until(lambda: BAD in down.routes(), 10, "down has %s once it is installed" % BAD)
