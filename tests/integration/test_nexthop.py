"""RFC 4271 9.1.2.1: a path whose NEXT_HOP is not reachable is not used.
FRR sends one prefix with its own address as next hop and one with a next
hop on no network closbgpd is connected to (an outbound route-map sets it);
closbgpd (kernel FIB on) keeps both in the Adj-RIB-In, uses and installs the
first only.

    FRR (65002) --link1-- closbgpd (65001, FIB on)
"""
import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until
from test_rib_fib import FibClosbgpd, kernel_routes

pytestmark = pytest.mark.closbgp

L = addr.link(1)
GOOD, BAD = "198.18.1.0/24", "198.18.2.0/24"


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("nexthop")
    c_ns, f_ns = t.add_node("clos"), t.add_node("frr")
    t.add_link(c_ns, f_ns, v4=L.v4)
    conf = frr.bgp_config(65002, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": 65001, "extra": ["route-map NH out"]}],
        networks=[(GOOD, None), (BAD, None)])
    conf += ("ip prefix-list BADP seq 5 permit %s\n"
             "route-map NH permit 10\n match ip address prefix-list BADP\n"
             " set ip next-hop 192.0.2.99\n"
             "route-map NH permit 20\n!\n" % BAD)
    f = t.frr(f_ns, conf)
    c = t._daemon(FibClosbgpd(c_ns, t.dir, closbgp.device_config(
        "10.0.0.1", 65001, neighbors=[closbgp.neighbor(L.b4, 65002)])), True)
    return {"clos": c, "frr": f, "ns": c_ns}


def test_unreachable_next_hop_not_used(net):
    c, ns = net["clos"], net["ns"]
    c.wait_established(L.b4, 30)
    recv = wait_until(lambda: (lambda r: r if GOOD in r and BAD in r else None)(
        {x["prefix"]: x for x in c.ctl_json("show", "routes", "received")["routes"]}),
        30, "both prefixes received")
    assert recv[BAD]["next_hop"] == "192.0.2.99", recv[BAD]
    assert recv[BAD]["valid"] is False and recv[GOOD]["valid"] is True, recv
    wait_until(lambda: GOOD in kernel_routes(ns, "-4"), 30, "reachable prefix installed")
    loc = {x["prefix"] for x in c.ctl_json("show", "routes")["routes"]}
    assert GOOD in loc and BAD not in loc, loc
    assert BAD not in kernel_routes(ns, "-4")
