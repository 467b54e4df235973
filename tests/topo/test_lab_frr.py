"""closgen's output run for real: the small fabric (2 planes x 2 SSWs,
2 pods x 2 RSWs) with every switch on FRR 8.4 (bgpd without zebra), built
in network namespaces from closgen's explicit form (links, addresses) and
frr.conf files, using the integration-test harness (tests/integration/lib).

Checks, by polling JSON state (no fixed sleeps):
- every generated session (IPv4 and IPv6, one per link) is Established;
- rsw-1-1 reaches the other pod's aggregate over both FSWs (ECMP), with the
  pod_aggregate community, seen through the confederation identifier
  (65102) and never the other pod's member ASes;
- rsw-1-1 reaches its pod neighbour's rack prefix over both FSWs, the
  path staying inside the confederation ("(65301 65402)");
- ssw-1-1 sees pod 1 as AS 65101 (confederation identifier).

A second lab runs the FSWs and RSWs on closbgpd (closbgpd.json as
generated) against FRR SSWs: sessions up, pod 1 seen by the spine as 65101.

Run as root with Debian's python3 (CLOSBGP_BUILD: build dir with closbgpd
and closctl, for the mixed lab):
    CLOSGEN=build/topo/closgen CLOSBGP_BUILD=build \
        /usr/bin/python3 -m pytest -v tests/topo/test_lab_frr.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

from lib import cleanup, closbgp, frr, topo  # noqa: E402
from lib.poll import wait_until  # noqa: E402

cleanup.install()  # SIGTERM ends the run like Ctrl-C; leftovers removed at exit

CLOSGEN = os.environ.get("CLOSGEN", os.path.join(TOP, "build", "topo", "closgen"))
YANG = os.path.join(TOP, "topo", "yang")
SWITCHES = ["ssw-1-1", "ssw-1-2", "ssw-2-1", "ssw-2-2"] + [
    "%s-%d-%d" % (t, p, i) for t in ("fsw", "rsw") for p in (1, 2) for i in (1, 2)]


def bgp_only(conf):
    """frr.conf without zebra's interface blocks (bgpd runs with -Z)."""
    out, skip = [], False
    for line in conf.splitlines():
        if line.startswith("interface "):
            skip = True
        elif skip and line == "exit":
            skip = False
            continue
        if not skip and line != "service integrated-vtysh-config":
            out.append(line)
    return "\n".join(out) + "\n"


def make_lab(frr_switches):
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    if not os.access(CLOSGEN, os.X_OK) or not os.access(frr.BGPD, os.X_OK):
        pytest.skip("closgen or FRR bgpd not available")
    work = tempfile.mkdtemp(prefix="closgen-lab-")
    out = os.path.join(work, "out")
    subprocess.run([CLOSGEN, "-Y", YANG, "-i", os.path.join(HERE, "input", "small.json"),
                    "-o", out, "--explicit", "--frr", ",".join(frr_switches)], check=True)
    fabric = json.load(open(os.path.join(out, "fabric.json")))["closbgp-fabric:fabric"]
    t = topo.Topology("closgen-lab", work)  # clos-it-p<PID>t<N>-<node>
    try:
        yield build(t, fabric, out)
    finally:
        t.stop()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def lab():
    yield from make_lab(SWITCHES)


@pytest.fixture(scope="module")
def mixed_lab():
    """SSWs on FRR, FSWs and RSWs on closbgpd (skipped when not built)."""
    if not closbgp.available():
        pytest.skip("closbgpd/closctl not built (set CLOSBGP_BUILD)")
    yield from make_lab([s for s in SWITCHES if s.startswith("ssw")])


def build(t, fabric, out):
    devs = {d["name"]: d for d in fabric["device"] if d["tier"] != "server"}
    nss = {name: t.add_node(name) for name in devs}
    for name, d in devs.items():
        nss[name].ip("link", "set", "lo", "up")
        nss[name].ip("addr", "add", d["loopback-ipv4"], "dev", "lo")
        nss[name].ip("addr", "add", d["loopback-ipv6"], "dev", "lo", "nodad")
    for link in fabric["link"]:
        a, b = link["a-device"], link["b-device"]
        if a not in devs or b not in devs:
            continue
        ia = {i["name"]: i for i in devs[a]["interface"]}[link["a-interface"]]
        ib = {i["name"]: i for i in devs[b]["interface"]}[link["b-interface"]]
        t.add_link(nss[a], nss[b], v4=(ia["ipv4"], ib["ipv4"]), v6=(ia["ipv6"], ib["ipv6"]),
                   if_a=ia["name"], if_b=ib["name"])
    daemons = {}
    for name in devs:
        path = os.path.join(out, name, "frr.conf")
        if os.path.exists(path):
            daemons[name] = t.frr(nss[name], bgp_only(open(path).read()))
        else:
            cfg = json.load(open(os.path.join(out, name, "closbgpd.json")))
            daemons[name] = t.closbgpd(nss[name], cfg)
    return {"frr": daemons, "out": out}


def expected_peers(out, name, afi):
    cfg = json.load(open(os.path.join(out, name, "closbgpd.json")))["closbgp-device:bgp"]
    return {n["address"] for n in cfg["neighbor"] if (":" in n["address"]) == (afi == "ipv6")}


@pytest.mark.parametrize("afi", ["ipv4", "ipv6"])
def test_all_sessions_established(lab, afi):
    for name, d in lab["frr"].items():
        want = expected_peers(lab["out"], name, afi)

        def up():
            peers = d.summary(afi).get("peers", {})
            return set(peers) == want and all(
                p.get("state") == "Established" for p in peers.values())
        wait_until(up, 60, "%s: %s sessions %s Established" % (name, afi, sorted(want)))


def paths_of(d, prefix, afi="ipv4"):
    return d.route(prefix, afi).get("paths", [])


def multipath_ok(paths, n):
    return len(paths) >= n and sum(1 for p in paths if p.get("multipath") or p.get("bestpath")) >= n


def test_other_pod_aggregate_over_both_fsws(lab):
    rsw = lab["frr"]["rsw-1-1"]
    paths = wait_until(lambda: (lambda p: p if multipath_ok(p, 2) else None)(
        paths_of(rsw, "10.129.0.0/16")), 60, "rsw-1-1: pod 2 aggregate via 2 FSWs")
    outside = sorted(p["aspath"]["string"].split(")")[-1].split() for p in paths)
    # our FSW's member AS in parentheses, then the spine plane and pod 2's
    # confederation identifier: pod 2's members (6530x/6540x) stay hidden
    assert outside == [["65001", "65102"], ["65002", "65102"]], outside
    for p in paths:
        assert "65520:102" in p.get("community", {}).get("string", ""), p


def test_pod_neighbour_rack_prefix_inside_confederation(lab):
    rsw = lab["frr"]["rsw-1-1"]
    paths = wait_until(lambda: (lambda p: p if multipath_ok(p, 2) else None)(
        paths_of(rsw, "10.128.1.0/24")), 60, "rsw-1-1: rack 2 prefix via 2 FSWs")
    strings = sorted(p["aspath"]["string"] for p in paths)
    assert "(65301 65402)" in strings and "(65302 65402)" in strings, strings


def test_spine_sees_confederation_identifier(lab):
    ssw = lab["frr"]["ssw-1-1"]
    paths = wait_until(lambda: paths_of(ssw, "10.128.0.0/16"), 60, "ssw-1-1: pod 1 aggregate")
    assert paths[0]["aspath"]["string"] == "65101", paths[0]["aspath"]


def test_mixed_lab_sessions_and_routes(mixed_lab):
    """closbgpd FSWs/RSWs configured by closgen peer with FRR SSWs."""
    for name, d in mixed_lab["frr"].items():
        want = expected_peers(mixed_lab["out"], name, "ipv4") | \
            expected_peers(mixed_lab["out"], name, "ipv6")
        if isinstance(d, frr.Frr):
            for a in sorted(want):
                d.wait_established(a, timeout=60)
        else:
            wait_until(lambda: all(d.peer_state(a) == "Established" for a in want), 60,
                       "closbgpd %s: peers %s Established" % (name, sorted(want)))
    ssw = mixed_lab["frr"]["ssw-1-1"]
    paths = wait_until(lambda: paths_of(ssw, "10.128.0.0/16"), 60, "ssw-1-1: pod 1 aggregate")
    assert paths[0]["aspath"]["string"] == "65101", paths[0]["aspath"]
    assert "65520:102" in paths[0].get("community", {}).get("string", ""), paths[0]
