"""closbgpd <-> closbgpd, both sides active and started together: the
connections cross (each side connects while accepting the other's), and
RFC 4271 6.8 collision resolution must leave exactly one session, kept on
the connection opened by the speaker with the higher BGP Identifier.

    closbgpd a (65001, id 10.0.0.1) --- closbgpd b (65002, id 10.0.0.2)
"""
import pytest

from lib import addr, closbgp
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

L = addr.link(1)


@pytest.fixture(scope="module")
def pair(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("pair")
    a_ns, b_ns = t.add_node("a"), t.add_node("b")
    t.add_link(a_ns, b_ns, v4=L.v4, v6=L.v6)
    a = t.closbgpd(a_ns, closbgp.device_config("10.0.0.1", 65001, neighbors=[
        closbgp.neighbor(L.b4, 65002), closbgp.neighbor(L.b6, 65002)],
        networks=[{"prefix": "192.0.2.0/24"}]), start=False)
    b = t.closbgpd(b_ns, closbgp.device_config("10.0.0.2", 65002, neighbors=[
        closbgp.neighbor(L.a4, 65001), closbgp.neighbor(L.a6, 65001)],
        networks=[{"prefix": "198.51.100.0/24"}, {"prefix": "2001:db8:2::/48"}]),
        start=False)
    # Start both before waiting for either: their connections cross.
    a.start(wait=False)
    b.start(wait=False)
    wait_until(a._ready, 15, "closbgpd a up")
    wait_until(b._ready, 15, "closbgpd b up")
    return a, b


def test_both_established_once(pair):
    a, b = pair
    for peer in (L.b4, L.b6):
        a.wait_established(peer, 30)
    for peer in (L.a4, L.a6):
        b.wait_established(peer, 30)
    for d, peer in ((a, L.b4), (a, L.b6), (b, L.a4), (b, L.a6)):
        assert d.peer(peer)["established_count"] == 1, d.peer(peer)


def test_routes_both_ways(pair):
    a, b = pair
    wait_until(lambda: "198.51.100.0/24" in a.routes_by_prefix(peer=L.b4), 30,
               "a has b's IPv4 route")
    wait_until(lambda: "2001:db8:2::/48" in a.routes_by_prefix(peer=L.b6), 30,
               "a has b's IPv6 route")
    r = wait_until(lambda: b.routes_by_prefix("192.0.2.0/24", peer=L.a4).get("192.0.2.0/24"),
                   30, "b has a's route")
    assert r["as_path"] == "65001" and r["next_hop"] == L.a4
