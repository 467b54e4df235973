"""closbgpd <-> FRR: sessions over IPv4 and over IPv6 (global addresses)
reach Established on both sides, with the expected capabilities."""
import pytest

from lib import addr, closbgp, frr

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
L = addr.link(1)


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("frr-session")
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=L.v4, v6=L.v6)
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": CLOS_AS},
        {"address": L.a6, "remote_as": CLOS_AS}]))
    c = t.closbgpd(a, closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L.b4, FRR_AS, description="frr-v4"),
        closbgp.neighbor(L.b6, FRR_AS, description="frr-v6")]))
    return {"clos": c, "frr": f}


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_established_both_sides(net, family):
    c, f = net["clos"], net["frr"]
    peer_addr, clos_addr = (L.b4, L.a4) if family == "ipv4" else (L.b6, L.a6)
    c.wait_established(peer_addr)
    f.wait_established(clos_addr)
    summary = f.summary(family)
    assert summary["peers"][clos_addr]["state"] == "Established"
    assert summary["peers"][clos_addr]["remoteAs"] == CLOS_AS

    p = c.peer(peer_addr)
    assert p["remote_as"] == FRR_AS and p["local_as"] == CLOS_AS
    assert p["remote_id"] == "10.0.0.2"
    assert p["hold_time"] == 9 and p["keepalive"] == 3
    # >= 1: with both sides connecting, a collision (RFC 4271 6.8) may
    # have brought a second OPEN on the connection that was closed
    assert p["messages_received"]["open"] >= 1
    assert p["messages_sent"]["open"] >= 1
    assert p["messages_received"]["keepalive"] >= 1
    assert p["established_count"] == 1
    assert p["description"] == "frr-" + ("v4" if family == "ipv4" else "v6")
    caps = p["capabilities"]
    assert caps["as4"] and caps["route_refresh"]
    assert caps["%s_unicast" % family]

    fc = f.neighbor(clos_addr)["neighborCapabilities"]
    assert fc["4byteAs"] == "advertisedAndReceived"
    assert fc["routeRefresh"].startswith("advertisedAndReceived")
    assert fc["multiprotocolExtensions"]["%sUnicast" % family]["advertisedAndReceived"]


def test_summary(net):
    c = net["clos"]
    c.wait_established(L.b4)
    c.wait_established(L.b6)
    s = c.summary()
    assert s["router_id"] == "10.0.0.1"
    assert s["local_as"] == CLOS_AS
    assert s["confed_id"] == 0
    assert s["peers_configured"] == 2
    assert s["peers_established"] == 2
    assert {p["address"] for p in s["peers"]} == {L.b4, L.b6}
    assert all(p["state"] == "Established" and p["remote_as"] == FRR_AS for p in s["peers"])
