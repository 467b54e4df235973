"""closbgpd <-> BIRD 2: one IPv4 session, routes both ways, checked on both
sides. BIRD exports a static route into BGP with a community and a large
community; closbgpd originates a network with both."""
import pytest

from lib import addr, birdconf, closbgp
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, BIRD_AS = 65001, 65003
L = addr.link(1)


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("bird")
    a, b = t.add_node("clos"), t.add_node("bird")
    t.add_link(a, b, v4=L.v4)
    bd = t.bird(b, birdconf.bgp_session(
        "10.0.0.2", L.b4, BIRD_AS, L.a4, CLOS_AS, statics=["198.51.100.0/24"],
        community="65003,1", large_community="65003,1,2", name="clos"))
    c = t.closbgpd(a, closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L.b4, BIRD_AS, description="bird")], networks=[
        {"prefix": "192.0.2.0/24", "community": ["65001:100"],
         "large-community": ["65001:1:2"]}]))
    return {"clos": c, "bird": bd}


def test_established(net):
    c, bd = net["clos"], net["bird"]
    c.wait_established(L.b4)
    bd.wait_established("clos")
    p = c.peer(L.b4)
    assert p["remote_id"] == "10.0.0.2"
    assert p["capabilities"]["as4"] and p["capabilities"]["ipv4_unicast"]


def test_bird_route_on_closbgpd(net):
    c = net["clos"]
    r = wait_until(lambda: c.routes_by_prefix(peer=L.b4).get("198.51.100.0/24"), 30,
                   "closbgpd has BIRD's 198.51.100.0/24")
    assert r["peer"] == L.b4 and r["next_hop"] == L.b4
    assert r["as_path"] == str(BIRD_AS)
    assert r["communities"] == ["65003:1"]
    assert r["large_communities"] == ["65003:1:2"]


def test_closbgpd_route_on_bird(net):
    bd = net["bird"]
    r = wait_until(lambda: bd.routes(protocol="clos").get("192.0.2.0/24"), 30,
                   "BIRD has 192.0.2.0/24")
    assert r["as_path"] == str(CLOS_AS)
    assert r["next_hop"] == L.a4
    assert r["community"] == "(65001,100)"
    assert r["large_community"].replace(" ", "") == "(65001,1,2)"
