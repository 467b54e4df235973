"""closbgpd <-> FRR: routes both ways.

FRR originates 10,000 IPv4 prefixes (`network` statements, no zebra needed)
with a community and a MED; closbgpd must hold all of them with the right
attributes. The time from Established to all 10,000 received is printed
(run with -s to see it). closbgpd originates two IPv4 prefixes and one IPv6
prefix (over the IPv6 session) with communities and large communities; FRR
must see them with AS_PATH = 65001 and next hop = closbgpd's address.
"""
import time

import pytest

from lib import addr, closbgp, frr, report
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
L = addr.link(1)
COUNT = 10000
FRR_PREFIXES = addr.v4_prefixes(COUNT)
CLOS_NETWORKS = [
    {"prefix": "192.0.2.0/24", "community": ["65001:100"], "large-community": ["65001:1:2"]},
    {"prefix": "198.51.100.0/24", "community": ["65001:200", "65001:201"]},
    {"prefix": "2001:db8:100::/48", "community": ["65001:300"],
     "large-community": ["65001:3:4"]},
]
TIMING = {}


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("frr-routes")
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=L.v4, v6=L.v6)
    # local_only_out: FRR would send closbgpd's own networks back to it
    # (AS_PATH "65002 65001"); keep the count exactly FRR's 10,000.
    conf = frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": CLOS_AS, "local_only_out": True},
        {"address": L.a6, "remote_as": CLOS_AS, "local_only_out": True}],
        networks=[(p, "ORIG") for p in FRR_PREFIXES])
    conf += frr.route_map("ORIG", community="65002:10", med=50)
    f = t.frr(b, conf)
    # All 10,000 loaded in FRR before closbgpd starts: the measurement below
    # is then closbgpd's intake (plus FRR's own UPDATE pacing).
    wait_until(lambda: f.local_routes_loaded(COUNT), 60, "FRR loaded %d networks" % COUNT, 0.2)
    c = t.closbgpd(a, closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L.b4, FRR_AS), closbgp.neighbor(L.b6, FRR_AS)],
        networks=CLOS_NETWORKS))
    # Poll fast to timestamp Established and the last prefix.
    wait_until(lambda: c.peer_state(L.b4) == "Established", 30,
               "closbgpd: %s Established" % L.b4, interval=0.02)
    t_est = time.monotonic()
    first = {}

    def received():
        n = c.peer(L.b4).get("prefixes_received", 0)
        if n and "t" not in first:
            first["t"] = time.monotonic()
        return n >= COUNT
    wait_until(received, 60, "closbgpd: %d prefixes from %s" % (COUNT, L.b4), interval=0.05)
    t_all = time.monotonic()
    TIMING.update(first=first.get("t", t_all) - t_est, all=t_all - t_est)
    report.note("closbgpd received %d IPv4 prefixes from FRR 8.4: Established -> first "
                "%.2fs, Established -> all %.2fs (poll granularity 0.05s)"
                % (COUNT, TIMING["first"], TIMING["all"]))
    return {"clos": c, "frr": f}


def test_10k_prefixes_counted(net):
    c = net["clos"]
    assert c.peer(L.b4)["prefixes_received"] == COUNT
    s = c.summary()
    assert s["prefixes_received"] >= COUNT
    assert [p for p in s["peers"] if p["address"] == L.b4][0]["prefixes_received"] == COUNT


def test_10k_prefixes_attributes(net):
    c = net["clos"]
    t0 = time.monotonic()
    routes = c.routes(peer=L.b4)
    report.note("closctl --json show routes (%d routes) took %.2fs"
                % (len(routes), time.monotonic() - t0))
    by_prefix = {r["prefix"]: r for r in routes}
    assert set(by_prefix) == set(FRR_PREFIXES)
    bad = [r for r in routes
           if r["as_path"] != "65002" or r["next_hop"] != L.b4 or r.get("med") != 50
           or r["communities"] != ["65002:10"] or r["origin"] != "igp"]
    assert not bad, "%d routes with wrong attributes, e.g. %s" % (len(bad), bad[:3])


def test_show_routes_one_prefix(net):
    c = net["clos"]
    routes = c.routes(FRR_PREFIXES[1234])
    assert len(routes) == 1
    r = routes[0]
    assert r["prefix"] == FRR_PREFIXES[1234]
    assert r["peer"] == L.b4 and r["next_hop"] == L.b4
    assert r["as_path"] == "65002" and r["med"] == 50
    assert r["communities"] == ["65002:10"]
    assert r.get("large_communities", []) == []
    assert r["atomic_aggregate"] is False


@pytest.mark.parametrize("net_index", [0, 1])
def test_frr_sees_closbgpd_ipv4(net, net_index):
    f = net["frr"]
    want = CLOS_NETWORKS[net_index]
    wait_until(lambda: f.route(want["prefix"]).get("paths"), 30,
               "FRR has %s" % want["prefix"])
    path = f.route(want["prefix"])["paths"][0]
    assert path["aspath"]["string"] == str(CLOS_AS)
    assert path["nexthops"][0]["ip"] == L.a4
    assert path["peer"]["peerId"] == L.a4
    assert path["community"]["list"] == want["community"]
    if "large-community" in want:
        assert path["largeCommunity"]["list"] == want["large-community"]
    else:
        assert "largeCommunity" not in path


def test_frr_sees_closbgpd_ipv6(net):
    f = net["frr"]
    want = CLOS_NETWORKS[2]
    wait_until(lambda: f.route(want["prefix"], "ipv6").get("paths"), 30,
               "FRR has %s" % want["prefix"])
    path = f.route(want["prefix"], "ipv6")["paths"][0]
    assert path["aspath"]["string"] == str(CLOS_AS)
    assert path["nexthops"][0]["ip"] == L.a6
    assert path["peer"]["peerId"] == L.a6
    assert path["community"]["list"] == want["community"]
    assert path["largeCommunity"]["list"] == want["large-community"]
    # the IPv6 prefix goes over the IPv6 session only
    assert want["prefix"] not in f.routes("ipv4")
    assert f.summary("ipv4")["peers"][L.a4]["pfxRcd"] == 2
