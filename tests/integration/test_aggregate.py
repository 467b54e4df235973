"""Aggregates with a minimum of contributors (issue 12) against real FRR.

    FRR rack (65401) --- closbgpd (65301, kernel FIB on) --- FRR spine (65001)

rack announces rack prefixes (route type rack_prefix) and one prefix of
another route type inside the pod aggregate. closbgpd originates
10.128.0.0/16 while at least 2 rack prefixes are present, fd00:100::/48
while at least 1 is, and 10.200.0.0/16 always; spine receives them with
ATOMIC_AGGREGATE, AGGREGATOR and the pod_aggregate community, closbgpd's
kernel holds each active aggregate as a blackhole. The rack withdrawing
one prefix takes the IPv4 aggregate below its minimum: withdrawn at the
spine and from the kernel; back when the prefix returns. A SIGHUP raising
the minimum withdraws it without a session reset.

The tests of this module share one topology and run in file order.
"""
import json

import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, RACK_AS, SPINE_AS = 65301, 65401, 65001
LR, LS = addr.link(1), addr.link(2)  # closbgpd is the .1 end
RACK, POD, INFRA = "65520:101", "65520:102", "65520:103"
AGG4, AGG6, ALWAYS = "10.128.0.0/16", "fd00:100::/48", "10.200.0.0/16"
RACKS4 = ["10.128.1.0/24", "10.128.2.0/24"]
OTHER4 = "10.128.9.0/24"  # inside the aggregate, but route type infra
RACK6 = "fd00:100:0:1::/64"


def rack_config():
    return frr.bgp_config(RACK_AS, "10.0.0.2", neighbors=[
        {"address": LR.a4, "remote_as": CLOS_AS},
        {"address": LR.a6, "remote_as": CLOS_AS, "afi": "ipv6"}],
        networks=[(p, "rack") for p in RACKS4] + [(OTHER4, "infra")],
        networks6=[(RACK6, "rack")]) + frr.route_map("rack", community=RACK) + \
        frr.route_map("infra", community=INFRA)


def clos_config(min4=2):
    cfg = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(LR.b4, RACK_AS), closbgp.neighbor(LR.b6, RACK_AS),
        closbgp.neighbor(LS.b4, SPINE_AS), closbgp.neighbor(LS.b6, SPINE_AS)])
    cfg["closbgp-device:bgp"].update({
        "route-type": [{"name": "rack_prefix", "community": RACK},
                       {"name": "pod_aggregate", "community": POD},
                       {"name": "infra", "community": INFRA}],
        "aggregate": [
            {"prefix": AGG4, "route-type": ["pod_aggregate"], "min-more-specifics": min4,
             "contributor-route-type": "rack_prefix"},
            {"prefix": AGG6, "route-type": ["pod_aggregate"], "min-more-specifics": 1,
             "contributor-route-type": "rack_prefix"},
            {"prefix": ALWAYS, "community": ["65301:7"]}],
    })
    return cfg


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("aggregate")
    c_ns, r_ns, s_ns = t.add_node("clos"), t.add_node("rack"), t.add_node("spine")
    t.add_link(c_ns, r_ns, v4=LR.v4, v6=LR.v6, if_a="rack", if_b="clos")
    t.add_link(c_ns, s_ns, v4=LS.v4, v6=LS.v6, if_a="spine", if_b="clos")
    rack = t.frr(r_ns, rack_config())
    spine = t.frr(s_ns, frr.bgp_config(SPINE_AS, "10.0.0.3", neighbors=[
        {"address": LS.a4, "remote_as": CLOS_AS},
        {"address": LS.a6, "remote_as": CLOS_AS, "afi": "ipv6"}]))
    c = t._daemon(closbgp.FibClosbgpd(c_ns, t.dir, clos_config()), True)
    return {"clos": c, "ns": c_ns, "rack": rack, "spine": spine}


def spine_path(net, prefix):
    """The spine's best path for prefix ({} when it has none)."""
    afi = "ipv6" if ":" in prefix else "ipv4"
    paths = net["spine"].route(prefix, afi).get("paths") or []
    return paths[0] if paths else {}


def kernel_route(net, prefix):
    """Our protocol's kernel route for prefix in closbgpd's namespace, or None."""
    fam = "-6" if ":" in prefix else "-4"
    out = net["ns"].run(["ip", fam, "-j", "route", "show", "exact", prefix, "proto", "210"],
                        check=False).stdout
    rows = [r for r in json.loads(out or "[]") if r.get("dst") == prefix]
    return rows[0] if rows else None


def blackholed(net, prefix):
    """True if the kernel drops packets for prefix at closbgpd: a blackhole
    route, or one through a blackhole nexthop object."""
    r = kernel_route(net, prefix)
    if not r:
        return False
    if r.get("type") == "blackhole":
        return True
    nh = r.get("nhid")
    if nh is None:
        return False
    out = net["ns"].run(["ip", "-j", "nexthop", "show", "id", str(nh)], check=False).stdout
    rows = json.loads(out or "[]")
    return bool(rows) and rows[0].get("blackhole", False) is not False


def test_established(net):
    c = net["clos"]
    for a in (LR.b4, LR.b6, LS.b4, LS.b6):
        c.wait_established(a)


def test_aggregates_originated_with_their_attributes(net):
    p = wait_until(lambda: spine_path(net, AGG4) or None, 30, "spine has %s" % AGG4)
    assert p.get("atomicAggregate") is True, p
    assert p.get("aggregatorAs") == CLOS_AS and p.get("aggregatorId") == "10.0.0.1", p
    assert p.get("community", {}).get("list") == [POD], p
    assert p.get("aspath", {}).get("string") == str(CLOS_AS), p
    p6 = wait_until(lambda: spine_path(net, AGG6) or None, 30, "spine has %s" % AGG6)
    assert p6.get("atomicAggregate") is True, p6
    always = wait_until(lambda: spine_path(net, ALWAYS) or None, 30, "spine has %s" % ALWAYS)
    assert always.get("community", {}).get("list") == ["65301:7"], always
    # the contributors go to the spine too (no policy here)
    for prefix in RACKS4 + [OTHER4]:
        assert spine_path(net, prefix), prefix


def test_active_aggregates_are_kernel_blackholes(net):
    for prefix in (AGG4, AGG6, ALWAYS):
        wait_until(lambda: blackholed(net, prefix), 15, "%s is a blackhole" % prefix)
    # a packet for an absent more-specific is dropped here
    r = net["ns"].run(["ip", "route", "get", "10.128.77.1"], check=False)
    assert r.returncode != 0 or "blackhole" in r.stdout or "unreachable" in r.stdout, r.stdout
    # the contributors themselves are routed normally through the rack
    rt = kernel_route(net, RACKS4[0])
    assert rt and not blackholed(net, RACKS4[0]), rt
    # closctl shows the aggregate as our own path
    r = net["clos"].routes_by_prefix(AGG4)[AGG4]
    assert r["best"] and r["as_path"] == "", r


def test_below_minimum_withdrawn_and_back(net):
    rack, c = net["rack"], net["clos"]
    established = c.peer(LS.b4)["established_count"]
    # the infra-typed 10.128.9.0/24 is present throughout and never counts
    rack.configure("address-family ipv4 unicast", "no network %s route-map rack" % RACKS4[1],
                   asn=RACK_AS)
    wait_until(lambda: not spine_path(net, AGG4), 30, "spine lost %s" % AGG4)
    wait_until(lambda: kernel_route(net, AGG4) is None, 15, "%s left the kernel" % AGG4)
    assert spine_path(net, OTHER4) and spine_path(net, RACKS4[0])
    assert spine_path(net, AGG6) and spine_path(net, ALWAYS)  # untouched
    rack.configure("address-family ipv4 unicast", "network %s route-map rack" % RACKS4[1],
                   asn=RACK_AS)
    wait_until(lambda: spine_path(net, AGG4), 30, "spine has %s again" % AGG4)
    wait_until(lambda: blackholed(net, AGG4), 15, "%s is a blackhole again" % AGG4)
    assert c.peer(LS.b4)["established_count"] == established


def test_reload_raises_the_minimum_without_reset(net):
    c = net["clos"]
    established = c.peer(LS.b4)["established_count"]
    c.write_config(clos_config(min4=3))
    c.reload()
    wait_until(lambda: not spine_path(net, AGG4), 30, "spine lost %s after the reload" % AGG4)
    assert spine_path(net, AGG6)
    c.write_config(clos_config(min4=2))
    c.reload()
    wait_until(lambda: spine_path(net, AGG4), 30, "spine has %s after the second reload" % AGG4)
    assert c.peer(LS.b4)["established_count"] == established
