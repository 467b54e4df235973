"""Harness self-test: the same scenarios as the closbgpd tests, run between
real daemons only (FRR <-> FRR, FRR <-> BIRD, FRR <-> GoBGP), so that the
harness is known to work independently of closbgpd. Cheap: one topology.

    hub (FRR 65001) --- frr2 (FRR 65002, IPv4 + IPv6 sessions)
                    --- bird (BIRD 65003)
                    --- gobgp (GoBGP 65004)
"""
import pytest

from lib import birdconf, frr, gobgp
from lib.poll import wait_json, wait_until

HUB_AS, FRR2_AS, BIRD_AS, GOBGP_AS = 65001, 65002, 65003, 65004


@pytest.fixture(scope="module")
def net(module_topo_factory):
    t = module_topo_factory("harness")
    hub, f2, bd, gb = (t.add_node(n) for n in ("hub", "frr2", "bird", "gobgp"))
    t.add_link(hub, f2, v4=("10.0.1.1/30", "10.0.1.2/30"),
               v6=("fd00:1::1/64", "fd00:1::2/64"))
    t.add_link(hub, bd, v4=("10.0.2.1/30", "10.0.2.2/30"))
    t.add_link(hub, gb, v4=("10.0.3.1/30", "10.0.3.2/30"))
    hub_conf = frr.bgp_config(HUB_AS, "10.0.0.1", neighbors=[
        {"address": "10.0.1.2", "remote_as": FRR2_AS, "hold": 3, "keepalive": 1},
        {"address": "fd00:1::2", "remote_as": FRR2_AS},
        {"address": "10.0.2.2", "remote_as": BIRD_AS},
        {"address": "10.0.3.2", "remote_as": GOBGP_AS},
    ], networks=[("192.0.2.0/24", "ORIG")], networks6=[("2001:db8:1::/48", "ORIG")])
    hub_conf += frr.route_map("ORIG", community="65001:100",
                              large_community="65001:1:2", med=42)
    f2_conf = frr.bgp_config(FRR2_AS, "10.0.0.2", neighbors=[
        {"address": "10.0.1.1", "remote_as": HUB_AS, "hold": 3, "keepalive": 1},
        {"address": "fd00:1::1", "remote_as": HUB_AS},
    ])
    n = {"hub": t.frr(hub, hub_conf), "frr2": t.frr(f2, f2_conf)}
    n["bird"] = t.bird(bd, birdconf.bgp_session(
        "10.0.0.3", "10.0.2.2", BIRD_AS, "10.0.2.1", HUB_AS, statics=["198.51.100.0/24"],
        community="65003,1", large_community="65003,1,2", name="hub"))
    n["gobgp"] = t.gobgp(gb, gobgp.config(GOBGP_AS, "10.0.0.4", neighbors=[
        {"address": "10.0.3.1", "remote_as": HUB_AS}]))
    n["topo"] = t
    return n


def test_sessions_established(net):
    hub = net["hub"]
    for addr in ("10.0.1.2", "fd00:1::2", "10.0.2.2", "10.0.3.2"):
        hub.wait_established(addr)
    net["frr2"].wait_established("10.0.1.1")
    net["frr2"].wait_established("fd00:1::1")
    net["bird"].wait_established("hub")
    net["gobgp"].wait_established("10.0.3.1")
    caps = hub.neighbor("10.0.1.2")["neighborCapabilities"]
    assert caps["4byteAs"] == "advertisedAndReceived"
    assert caps["multiprotocolExtensions"]["ipv4Unicast"]["advertisedAndReceived"]


def test_frr_routes_and_attributes(net):
    f2 = net["frr2"]
    wait_until(lambda: "192.0.2.0/24" in f2.routes(), 20, "frr2 has 192.0.2.0/24")
    path = f2.route("192.0.2.0/24")["paths"][0]
    assert path["aspath"]["string"] == "65001"
    assert path["nexthops"][0]["ip"] == "10.0.1.1"
    assert path["community"]["string"] == "65001:100"
    assert path["largeCommunity"]["string"] == "65001:1:2"
    assert path["metric"] == 42
    wait_until(lambda: "2001:db8:1::/48" in f2.routes("ipv6"), 20, "frr2 has the v6 prefix")
    p6 = f2.route("2001:db8:1::/48", "ipv6")["paths"][0]
    assert p6["nexthops"][0]["ip"] == "fd00:1::1"


def test_bird_routes_both_ways(net):
    hub, bd = net["hub"], net["bird"]
    wait_until(lambda: "198.51.100.0/24" in hub.routes(), 20, "hub has BIRD's prefix")
    path = hub.route("198.51.100.0/24")["paths"][0]
    assert path["aspath"]["string"] == "65003"
    assert path["community"]["string"] == "65003:1"
    assert path["largeCommunity"]["string"] == "65003:1:2"
    r = wait_until(lambda: bd.routes(protocol="hub").get("192.0.2.0/24"), 20,
                   "BIRD has 192.0.2.0/24")
    assert r["as_path"] == "65001"
    assert r["next_hop"] == "10.0.2.1"
    assert r["community"] == "(65001,100)"
    assert r["large_community"].replace(" ", "") == "(65001,1,2)"


def test_gobgp_routes_both_ways(net):
    hub, gb = net["hub"], net["gobgp"]
    gb.add_route("203.0.113.0/24", "community", "65004:1", "large-community", "65004:1:2")
    wait_until(lambda: "203.0.113.0/24" in hub.routes(), 20, "hub has GoBGP's prefix")
    path = hub.route("203.0.113.0/24")["paths"][0]
    assert path["aspath"]["string"] == "65004"
    assert path["community"]["string"] == "65004:1"
    assert path["largeCommunity"]["string"] == "65004:1:2"
    wait_until(lambda: "192.0.2.0/24" in gb.rib(), 20, "GoBGP has 192.0.2.0/24")
    attrs = {a["type"]: a for a in gb.rib()["192.0.2.0/24"][0]["attrs"]}
    assert attrs[2]["as_paths"][0]["asns"] == [65001]                 # AS_PATH
    assert attrs[3]["nexthop"] == "10.0.3.1"                          # NEXT_HOP
    assert attrs[8]["communities"] == [65001 << 16 | 100]             # COMMUNITIES
    assert attrs[32]["value"][0] == {"ASN": 65001, "LocalData1": 1, "LocalData2": 2}


def test_notification_bad_peer_as(net):
    hub, f2 = net["hub"], net["frr2"]
    f2.configure("neighbor fd00:1::1 remote-as 65099", asn=FRR2_AS)
    try:
        wait_json(lambda: hub.neighbor("fd00:1::2"),
                  {"lastErrorCodeSubcode": "0202",
                   "lastNotificationReason": "OPEN Message Error/Bad Peer AS"},
                  30, "hub received Bad Peer AS")
        wait_json(lambda: f2.neighbor("fd00:1::1"), {"lastErrorCodeSubcode": "0202"},
                  30, "frr2 sent Bad Peer AS")
    finally:
        f2.configure("neighbor fd00:1::1 remote-as %d" % HUB_AS, asn=FRR2_AS)
    hub.wait_established("fd00:1::2", timeout=40)
    # what test_daemon.py expects FRR to show after closbgpd's SIGTERM
    hub.configure("neighbor fd00:1::2 shutdown", asn=HUB_AS)
    try:
        wait_json(lambda: f2.neighbor("fd00:1::1"),
                  {"lastErrorCodeSubcode": "0602",
                   "lastNotificationReason": "Cease/Administrative Shutdown",
                   "lastResetDueTo": "BGP Notification received"},
                  15, "frr2 received Cease/Administrative Shutdown")
    finally:
        hub.configure("no neighbor fd00:1::2 shutdown", asn=HUB_AS)
    hub.wait_established("fd00:1::2", timeout=40)


def test_link_down_up(net):
    hub, f2, t = net["hub"], net["frr2"], net["topo"]
    link = t.links[0]
    link.set_up(1, False)
    try:
        wait_until(lambda: hub.peer_state("10.0.1.2") != "Established", 10,
                   "hub leaves Established after link down (hold 3s)")
    finally:
        link.set_up(1, True)
    hub.wait_established("10.0.1.2", timeout=30)
    f2.wait_established("10.0.1.1", timeout=30)


def test_confed_frr_only(topo_factory):
    """The confederation scenario of test_confed.py with FRR in closbgpd's
    place: validates the FRR confederation config and the expected paths."""
    t = topo_factory("harness-confed")
    c_ns, m_ns, o_ns = t.add_node("c"), t.add_node("member"), t.add_node("outside")
    t.add_link(c_ns, m_ns, v4=("10.0.1.1/30", "10.0.1.2/30"))
    t.add_link(c_ns, o_ns, v4=("10.0.2.1/30", "10.0.2.2/30"))
    confed = ["bgp confederation identifier 65100"]
    c = t.frr(c_ns, frr.bgp_config(65301, "10.0.0.1", extra=confed + [
        "bgp confederation peers 65401"], neighbors=[
        {"address": "10.0.1.2", "remote_as": 65401},
        {"address": "10.0.2.2", "remote_as": 65000}], networks=[("192.0.2.0/24", None)]))
    m = t.frr(m_ns, frr.bgp_config(65401, "10.0.0.2", extra=confed + [
        "bgp confederation peers 65301"], neighbors=[{"address": "10.0.1.1", "remote_as": 65301}],
        networks=[("198.51.100.0/24", None)]))
    o = t.frr(o_ns, frr.bgp_config(65000, "10.0.0.3", neighbors=[
        {"address": "10.0.2.1", "remote_as": 65100}]))
    wait_until(lambda: m.route("192.0.2.0/24").get("paths"), 30, "member has 192.0.2.0/24")
    aspath = m.route("192.0.2.0/24")["paths"][0]["aspath"]
    assert aspath["string"] == "(65301)"
    assert aspath["segments"][0]["type"] == "as-confed-sequence"
    wait_until(lambda: c.route("198.51.100.0/24").get("paths"), 30, "c has 198.51.100.0/24")
    assert c.route("198.51.100.0/24")["paths"][0]["aspath"]["string"] == "(65401)"
    wait_until(lambda: o.route("192.0.2.0/24").get("paths"), 30, "outside has 192.0.2.0/24")
    assert o.route("192.0.2.0/24")["paths"][0]["aspath"]["string"] == "65100"
    assert o.neighbor("10.0.2.1")["remoteAs"] == 65100


def test_frr_to_frr_10k_baseline(topo_factory):
    """Baseline for test_frr_routes.py: FRR -> FRR, 10,000 prefixes."""
    import time
    from lib import addr, report
    t = topo_factory("harness-10k")
    a, b = t.add_node("a"), t.add_node("b")
    t.add_link(a, b, v4=("10.0.1.1/30", "10.0.1.2/30"))
    conf = frr.bgp_config(65002, "10.0.0.2", neighbors=[
        {"address": "10.0.1.1", "remote_as": 65001}],
        networks=[(p, "ORIG") for p in addr.v4_prefixes(10000)])
    fb = t.frr(b, conf + frr.route_map("ORIG", community="65002:10", med=50))
    wait_until(lambda: fb.local_routes_loaded(10000), 60, "FRR loaded 10000 networks")
    fa = t.frr(a, frr.bgp_config(65001, "10.0.0.1", neighbors=[
        {"address": "10.0.1.2", "remote_as": 65002}]))
    wait_until(lambda: fa.peer_state("10.0.1.2") == "Established", 30, "Established", 0.02)
    t0 = time.monotonic()
    wait_until(lambda: fa.summary()["peers"]["10.0.1.2"]["pfxRcd"] == 10000, 60,
               "FRR a received 10000", 0.05)
    report.note("baseline: FRR 8.4 received 10000 IPv4 prefixes from FRR 8.4: "
                "Established -> all %.2fs" % (time.monotonic() - t0))
