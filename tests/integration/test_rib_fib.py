"""closbgpd as a router: two FRR upstreams announce the same prefixes, closbgpd
installs one kernel route per prefix on a shared nexthop group with both
gateways (ECMP, multipath-relax across ASes), re-advertises to a downstream
FRR with its AS prepended and itself as next hop; a restart adopts the kernel
routes instead of flushing them; a lost link shrinks the group at once.

    up1 FRR (65001) --link1--.
                             closbgpd (65000, kernel FIB on) --link3-- down FRR (65003)
    up2 FRR (65002) --link2--'
"""
import re
import time

import pytest

from lib import addr, closbgp, frr, report
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, UP1_AS, UP2_AS, DOWN_AS = 65000, 65001, 65002, 65003
L1, L2, L3 = addr.link(1), addr.link(2), addr.link(3)
V4 = addr.v4_prefixes(50, first_octet=100, second_octet=64)
V6 = ["2001:db8:%x::/48" % (0x100 + i) for i in range(10)]
RTPROT = 210


FibClosbgpd = closbgp.FibClosbgpd


def upstream(asn, rid, link):
    return frr.bgp_config(asn, rid, neighbors=[
        {"address": link.a4, "remote_as": CLOS_AS},
        {"address": link.a6, "remote_as": CLOS_AS, "afi": "ipv6"}],
        networks=[(p, None) for p in V4], networks6=[(p, None) for p in V6])


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("ribfib")
    c_ns = t.add_node("clos")
    u1, u2, dn = t.add_node("up1"), t.add_node("up2"), t.add_node("down")
    t.add_link(c_ns, u1, v4=L1.v4, v6=L1.v6, if_a="up1", if_b="clos")
    t.add_link(c_ns, u2, v4=L2.v4, v6=L2.v6, if_a="up2", if_b="clos")
    t.add_link(c_ns, dn, v4=L3.v4, v6=L3.v6, if_a="down", if_b="clos")
    f1 = t.frr(u1, upstream(UP1_AS, "10.0.0.11", L1))
    f2 = t.frr(u2, upstream(UP2_AS, "10.0.0.12", L2))
    fd = t.frr(dn, frr.bgp_config(DOWN_AS, "10.0.0.13", neighbors=[
        {"address": L3.a4, "remote_as": CLOS_AS},
        {"address": L3.a6, "remote_as": CLOS_AS, "afi": "ipv6"}]))
    cfg = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L1.b4, UP1_AS), closbgp.neighbor(L1.b6, UP1_AS),
        closbgp.neighbor(L2.b4, UP2_AS), closbgp.neighbor(L2.b6, UP2_AS),
        closbgp.neighbor(L3.b4, DOWN_AS), closbgp.neighbor(L3.b6, DOWN_AS)])
    c = t._daemon(FibClosbgpd(c_ns, t.dir, cfg), True)
    return {"t": t, "clos": c, "ns": c_ns, "up1": f1, "up2": f2, "down": fd, "up2ns": u2}


def kernel_routes(ns, family="-4"):
    """{prefix: nhid} of our protocol's routes in ns."""
    out = ns.run(["ip", family, "-o", "route", "show", "proto", str(RTPROT)]).stdout
    routes = {}
    for line in out.splitlines():
        m = re.match(r"(\S+) nhid (\d+)", line)
        if m:
            routes[m.group(1)] = int(m.group(2))
    return routes


def group_members(ns, nhid):
    out = ns.run(["ip", "nexthop", "show", "id", str(nhid)]).stdout
    m = re.search(r"group (\S+)", out)
    return m.group(1).split("/") if m else []


def all_on_one_group(ns, family, prefixes, width):
    routes = kernel_routes(ns, family)
    if set(routes) != set(prefixes):
        return False
    ids = set(routes.values())
    return len(ids) == 1 and len(group_members(ns, ids.pop())) == width


def test_ecmp_group_in_kernel(net):
    c, ns = net["clos"], net["ns"]
    for peer in (L1.b4, L2.b4, L3.b4, L1.b6, L2.b6, L3.b6):
        c.wait_established(peer, 60)
    start = time.time()
    wait_until(lambda: all_on_one_group(ns, "-4", V4, 2), 60,
               "%d IPv4 routes on one 2-way nexthop group" % len(V4))
    wait_until(lambda: all_on_one_group(ns, "-6", V6, 2), 60,
               "%d IPv6 routes on one 2-way nexthop group" % len(V6))
    report.note("kernel ECMP: %d IPv4 + %d IPv6 routes on shared 2-way groups %.2fs after "
                "sessions up" % (len(V4), len(V6), time.time() - start))
    # IPv6 gateways are the upstreams' link-local addresses on the right links.
    gid = set(kernel_routes(ns, "-6").values()).pop()
    out = ns.run(["ip", "-6", "nexthop", "show"]).stdout
    for member in group_members(ns, gid):
        line = [l for l in out.splitlines() if l.startswith("id %s " % member)][0]
        assert "via fe80::" in line or "via fd00:" in line, line
    # closctl: the Loc-RIB shows both upstream paths in the ECMP set, one best,
    # and the FIB the shared group with both gateways on their interfaces.
    p = V4[0]
    paths = c.ctl_json("show", "routes", p)["routes"]
    assert sorted(r["peer"] for r in paths) == sorted([L1.b4, L2.b4]), paths
    assert all(r["prefix"] == p and r["multipath"] and r["source"] == "ebgp" for r in paths), paths
    assert [r["best"] for r in paths] == [True, False], paths
    # FIB acknowledgement: the RIB knows the prefix is programmed.
    wait_until(lambda: all(r["fib"] == "installed" for r in c.ctl_json("show", "routes", p)["routes"]),
               10, "Loc-RIB marks %s installed" % p)
    fib = c.ctl_json("show", "fib")
    by_prefix = {r["prefix"]: r for r in fib["routes"]}
    assert set(V4) | set(V6) <= set(by_prefix)
    r = by_prefix[p]
    assert r["group"] is True and r["state"] == "installed", r
    assert r["nexthop_id"] == kernel_routes(ns, "-4")[p]
    assert sorted((n["gateway"], n["interface"]) for n in r["nexthops"]) == \
        sorted([(L1.b4, "up1"), (L2.b4, "up2")]), r
    st = fib["stats"]
    assert st["routes"] >= len(V4) + len(V6) and st["installed"] >= len(V4) + len(V6), st
    assert st["groups"] >= 2 and st["nexthop_objects"] is True, st


def test_readvertised_downstream(net):
    fd = net["down"]
    want = {p: None for p in V4}

    def down_has_all():
        routes = fd.routes()
        return all(p in routes for p in want) and routes
    routes = wait_until(down_has_all, 60, "downstream FRR has every prefix")
    for p in V4:
        best = [r for r in routes[p] if r.get("bestpath") or r.get("best")] or routes[p]
        path = best[0]
        assert path.get("path") in ("%d %d" % (CLOS_AS, UP1_AS), "%d %d" % (CLOS_AS, UP2_AS)), path
        hops = [n.get("ip") for n in path.get("nexthops", [])]
        assert L3.a4 in hops, path


def test_restart_keeps_kernel_routes(net):
    c, ns = net["clos"], net["ns"]
    wait_until(lambda: learned_from_both(c), 60, "closbgpd learned every prefix from both")
    wait_until(lambda: all_on_one_group(ns, "-4", V4, 2), 60, "routes installed")
    before = kernel_routes(ns, "-4")
    assert c.stop() == 0
    # Still there with the daemon gone: nothing was flushed.
    assert kernel_routes(ns, "-4") == before
    c.start()
    # Routes never disappear during the restart and converge to the same group.
    seen_missing = []

    def converged():
        now = kernel_routes(ns, "-4")
        if set(now) != set(before):
            seen_missing.append(len(now))
        return now == before and "removed" not in c.log_text().split("started:")[-1] \
            and c.peer_state(L1.b4) == "Established"
    wait_until(converged, 60, "same kernel routes after restart")
    wait_until(lambda: learned_from_both(c), 60, "closbgpd re-learned every prefix from both")
    wait_until(lambda: "stale kernel routes" in c.log_text().split("started:")[-1], 60,
               "stale sweep after End-of-RIB from every peer")
    assert kernel_routes(ns, "-4") == before
    assert not seen_missing, "routes were withdrawn during restart: %s" % seen_missing[:5]
    assert "from a previous run" in c.log_text()


def learned_from_both(c):
    peers = c.peers()
    return all(peers.get(a, {}).get("prefixes_received") == len(V4) for a in (L1.b4, L2.b4))


def test_link_loss_shrinks_group(net):
    c, ns = net["clos"], net["ns"]
    wait_until(lambda: learned_from_both(c), 60, "closbgpd learned every prefix from both")
    wait_until(lambda: all_on_one_group(ns, "-4", V4, 2), 60, "routes installed on 2-way group")
    wait_until(lambda: all(p in net["down"].routes() for p in V4), 60, "downstream has all")
    gid = set(kernel_routes(ns, "-4").values()).pop()
    start = time.time()
    net["up2ns"].link_set("clos", False)
    try:
        wait_until(lambda: len(group_members(ns, gid)) == 1 and
                   set(kernel_routes(ns, "-4")) == set(V4), 10,
                   "group shrunk to one member, routes kept")
        shrink = time.time() - start
        wait_until(lambda: c.peer_state(L2.b4) != "Established", 10, "session over link2 closed")
        report.note("link loss: nexthop group shrunk in %.2fs; session closed in %.2fs "
                    "(hold time 9s)" % (shrink, time.time() - start))
        assert net["down"].routes().get(V4[0]), "downstream lost the prefix"
    finally:
        net["up2ns"].link_set("clos", True)
    wait_until(lambda: all_on_one_group(ns, "-4", V4, 2), 90, "2-way ECMP back after link up")
