"""closbgpd <-> GoBGP: one IPv4 session, routes both ways, checked on both
sides. GoBGP originates with `gobgp global rib add`."""
import pytest

from lib import addr, closbgp, gobgp
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, GOBGP_AS = 65001, 65004
L = addr.link(1)


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("gobgp")
    a, b = t.add_node("clos"), t.add_node("gobgp")
    t.add_link(a, b, v4=L.v4)
    gb = t.gobgp(b, gobgp.config(GOBGP_AS, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": CLOS_AS}]))
    c = t.closbgpd(a, closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L.b4, GOBGP_AS, description="gobgp")], networks=[
        {"prefix": "192.0.2.0/24", "community": ["65001:100"],
         "large-community": ["65001:1:2"]}]))
    gb.add_route("203.0.113.0/24", "community", "65004:1", "large-community", "65004:1:2")
    return {"clos": c, "gobgp": gb}


def test_established(net):
    c, gb = net["clos"], net["gobgp"]
    c.wait_established(L.b4)
    gb.wait_established(L.a4)
    assert c.peer(L.b4)["remote_id"] == "10.0.0.2"


def test_gobgp_route_on_closbgpd(net):
    c = net["clos"]
    r = wait_until(lambda: c.routes_by_prefix(peer=L.b4).get("203.0.113.0/24"), 30,
                   "closbgpd has GoBGP's 203.0.113.0/24")
    assert r["peer"] == L.b4 and r["next_hop"] == L.b4
    assert r["as_path"] == str(GOBGP_AS)
    assert r["communities"] == ["65004:1"]
    assert r["large_communities"] == ["65004:1:2"]


def test_closbgpd_route_on_gobgp(net):
    gb = net["gobgp"]
    paths = wait_until(lambda: gb.rib().get("192.0.2.0/24"), 30, "GoBGP has 192.0.2.0/24")
    attrs = {a["type"]: a for a in paths[0]["attrs"]}
    assert attrs[2]["as_paths"][0]["asns"] == [CLOS_AS]       # AS_PATH
    assert attrs[3]["nexthop"] == L.a4                         # NEXT_HOP
    assert attrs[8]["communities"] == [65001 << 16 | 100]      # COMMUNITIES
    assert attrs[32]["value"][0] == {"ASN": 65001, "LocalData1": 1, "LocalData2": 2}  # LARGE_COMMUNITY
