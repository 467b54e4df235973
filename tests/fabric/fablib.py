"""A closgen-generated fabric deployed with tools/closlab, and what the
fabric tests and tools/demo ask of it: sessions, BGP routes (closctl or
FRR's vtysh, normalised), kernel ECMP widths, server pings, link failure.

Every wait is a bounded poll (no fixed sleeps); every ping is bounded in
count and time.  Also a small CLI for tools/demo:

    fablib.py gen     --input J --out DIR [--frr N,N] [--name LAB]
    fablib.py wait    -t FILE [--timeout S]       all sessions Established
    fablib.py summary -t FILE                     sessions, routes, ECMP
    fablib.py pingmesh -t FILE                    every server to every other
    fablib.py ecmp    -t FILE --rsw NODE          kernel route + closctl/vtysh
    fablib.py linkfail -t FILE [--rsw NODE]       ping flow across a link failure
    fablib.py backupfail -t FILE                  rsw-1-1 -- fsw-1-1 fails: fsw-1-1 takes
                                                  its backup paths, nothing outside pod 1 hears
    fablib.py drain -t FILE [--node NODE]         drain and undrain a closbgpd switch under
                                                  ping flows through it; packets lost
"""
import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from lib import cleanup  # noqa: E402  (inert unless cleanup.install() was called)

CLOSLAB = os.path.join(TOP, "tools", "closlab")
POD_AGGREGATE = "65520:102"
# closgen's standard route types (topo/fabric.c), community -> name
ROUTE_TYPES = {"65520:101": "rack_prefix", "65520:102": "pod_aggregate", "65520:103": "infra",
               "65520:104": "vip", "65520:105": "backup_path",
               "65520:106": "completed_backup_path"}
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


MEASURED = []  # printed by conftest.py in pytest's terminal summary


def note(text):
    MEASURED.append(text)
    print("\nclosbgp-fabric: " + text)


def build_dir():
    return os.environ.get("CLOSBGP_BUILD", os.path.join(TOP, "build"))


def closgen_bin():
    return os.environ.get("CLOSGEN", os.path.join(build_dir(), "topo", "closgen"))


def run(cmd, check=True, timeout=60):
    return subprocess.run(cmd, check=check, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_until(fn, timeout, what, interval=0.25):
    """fn() until truthy (exceptions count as not yet); bounded by time."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - reported below
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %ds waiting for %s; last: %s"
                                 % (timeout, what, str(last)[:1500]))
        time.sleep(interval)


def generate(input_json, out, frr_nodes=(), name=None):
    """closgen -i INPUT -o OUT [--frr ...]; returns the .clab.yml path.
    `name` renames the lab (namespaces clos-<name>-<node>)."""
    cmd = [closgen_bin(), "-Y", os.path.join(TOP, "topo", "yang"), "-i", input_json, "-o", out]
    if frr_nodes:
        cmd += ["--frr", ",".join(frr_nodes)]
    run(cmd, timeout=120)
    files = [f for f in os.listdir(out) if f.endswith(".clab.yml")]
    assert len(files) == 1, files
    path = os.path.join(out, files[0])
    if name:
        text = open(path).read()
        text = re.sub(r"^name: .*$", "name: %s" % name, text, count=1, flags=re.M)
        new = os.path.join(out, name + ".clab.yml")
        with open(new, "w") as f:
            f.write(text)
        if new != path:
            os.unlink(path)
        path = new
    return path


class Lab:
    """A generated fabric: topology file, closgen output next to it."""

    def __init__(self, clab):
        self.clab = os.path.abspath(clab)
        self.out = os.path.dirname(self.clab)
        self.topo = yaml.safe_load(open(self.clab))
        self.name = self.topo["name"]
        self.labdir = os.path.join(self.out, "clab-%s" % self.name)
        self.nodes = self.topo["topology"]["nodes"]
        self.links = [tuple(l["endpoints"]) for l in self.topo["topology"]["links"]]

    # --- inventory --------------------------------------------------------
    def kind(self, node):
        image = self.nodes[node].get("image", "")
        return "frr" if "frr" in image else "closbgp" if "closbgp" in image else "host"

    def switches(self, tier=None):
        return [n for n in self.nodes if self.kind(n) != "host"
                and (tier is None or n.startswith(tier + "-"))]

    def servers(self):
        return [n for n in self.nodes if self.kind(n) == "host"]

    def ns(self, node):
        return "clos-%s-%s" % (self.name, node)

    def interfaces(self, node):
        return json.load(open(os.path.join(self.out, node, "interfaces.json")))

    def host(self, server):
        return json.load(open(os.path.join(self.out, server, "host.json")))

    def server_addrs(self, server, afi):
        h = self.host(server)
        return h["ipv4" if afi == "ipv4" else "ipv6"].split("/")[0]

    def expected_peers(self, node):
        cfg = json.load(open(os.path.join(self.out, node, "closbgpd.json")))
        return sorted(n["address"] for n in cfg["closbgp-device:bgp"]["neighbor"])

    def peer_link(self, node, ifname):
        """(peer node, peer interface) of node:ifname."""
        for a, b in self.links:
            if a == "%s:%s" % (node, ifname):
                return tuple(b.split(":"))
            if b == "%s:%s" % (node, ifname):
                return tuple(a.split(":"))
        raise KeyError("%s:%s" % (node, ifname))

    def pod(self, node):
        return int(node.split("-")[1])

    def rack_prefixes(self, rsw):
        """(ipv4, ipv6) rack prefixes of an RSW (from its br0)."""
        for i in self.interfaces(rsw)["interfaces"]:
            if i["name"] == "br0":
                return (str(ipaddress.ip_interface(i["ipv4"]).network),
                        str(ipaddress.ip_interface(i["ipv6"]).network))
        raise KeyError(rsw)

    def originated(self, node):
        """[(prefix, route type)] a switch originates, networks and aggregates
        (its closgen device config, written for FRR switches too):
        `route-type` names, or the community."""
        cfg = json.load(open(os.path.join(self.out, node, "closbgpd.json")))["closbgp-device:bgp"]
        out = []
        for n in cfg.get("network", []) + cfg.get("aggregate", []):
            types = list(n.get("route-type", []))
            types += [ROUTE_TYPES[c] for c in n.get("community", []) if c in ROUTE_TYPES]
            out.append((n["prefix"], types[0] if types else None))
        return out

    def intended_rsw_routes(self, rsw):
        """What the standard policy intent lets into an RSW's kernel table:
        the other racks of its pod, every pod aggregate, every other
        switch's infrastructure prefixes; never another pod's racks."""
        want = set()
        for node in self.switches():
            if node == rsw:
                continue
            for prefix, rtype in self.originated(node):
                if rtype == "rack_prefix" and self.pod(node) == self.pod(rsw):
                    want.add(prefix)
                elif rtype in ("pod_aggregate", "infra"):
                    want.add(prefix)
        return want - {p for p, _ in self.originated(rsw)}

    def kernel_bgp_routes(self, node):
        """Prefixes in the node's main table put there by BGP (FRR's zebra:
        proto bgp; closbgpd: proto 210), both families."""
        out = set()
        for fam in ("-4", "-6"):
            r = self.nsrun(node, "ip", fam, "-j", "route", "show", check=False)
            for x in json.loads(r.stdout or "[]"):
                if str(x.get("protocol")) in ("bgp", "186", "210") and x.get("dst") != "default":
                    dst = x["dst"]
                    out.add(dst if "/" in dst else dst + ("/128" if ":" in dst else "/32"))
        return out

    def pod_aggregates(self):
        """{pod: (ipv4, ipv6)} from closgen's FSW configs (network or aggregate,
        pod_aggregate)."""
        out = {}
        for fsw in self.switches("fsw"):
            cfg = json.load(open(os.path.join(self.out, fsw, "closbgpd.json")))["closbgp-device:bgp"]
            # the pod_aggregate route type (closgen's default community 65520:102)
            nets = [n["prefix"] for n in cfg.get("network", []) + cfg.get("aggregate", [])
                    if POD_AGGREGATE in n.get("community", [])]
            v4 = [p for p in nets if ":" not in p]
            v6 = [p for p in nets if ":" in p]
            if v4 and v6:
                out[self.pod(fsw)] = (v4[0], v6[0])
        return out

    def predicted_routes(self):
        """{switch: {"ipv4": N, "ipv6": M}}: closgen's prediction from the policy
        intent (DIR/routes.json, docs/topology.md)."""
        return json.load(open(os.path.join(self.out, "routes.json")))

    def route_counts(self, node):
        """(IPv4, IPv6) prefixes the switch holds with a usable path (its own
        included): closctl's Loc-RIB, FRR's valid paths (Lab.routes)."""
        routes = self.routes(node)
        v4 = sum(1 for p in routes if ":" not in p)
        return v4, len(routes) - v4

    def fsw_count(self, pod):
        return len([f for f in self.switches("fsw") if self.pod(f) == pod])

    def expected_remote(self, rsw):
        """Prefixes an RSW must reach over all FSWs of its pod: the other racks
        of its pod and the other pods' aggregates, both families."""
        want = []
        for other in self.switches("rsw"):
            if other != rsw and self.pod(other) == self.pod(rsw):
                want += list(self.rack_prefixes(other))
        for pod, aggs in self.pod_aggregates().items():
            if pod != self.pod(rsw):
                want += list(aggs)
        return want

    # --- lifecycle ----------------------------------------------------------
    def closlab(self, *args, timeout=300):
        env = dict(os.environ, CLOSBGP_BUILD=build_dir())
        return subprocess.run([PY, CLOSLAB] + list(args), env=env, text=True, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def deploy(self):
        # destroyed at exit if no fixture does it (tests call cleanup.install())
        self._undo = cleanup.register("lab " + self.name, self.destroy)
        r = self.closlab("deploy", "-t", self.clab, "--reconfigure")
        if r.returncode != 0:
            raise RuntimeError("closlab deploy failed:\n" + r.stdout[-4000:])
        return r.stdout

    def destroy(self):
        with cleanup.shielded():
            r = self.closlab("destroy", "-t", self.clab, "--cleanup")
        if r.returncode == 0:
            cleanup.unregister(getattr(self, "_undo", None))
        return r

    # --- commands in nodes ---------------------------------------------------
    def nsrun(self, node, *cmd, check=True, timeout=30):
        return run(["ip", "netns", "exec", self.ns(node)] + list(cmd), check=check, timeout=timeout)

    def closctl(self, node, *args):
        sock = os.path.join(self.labdir, node, "closbgpd.sock")
        r = run([os.path.join(build_dir(), "tools", "closctl"), "-s", sock, "--json"] + list(args))
        return json.loads(r.stdout)

    def vtysh(self, node, command, as_json=True):
        vty = os.path.join(self.labdir, node, "frr")
        r = self.nsrun(node, "vtysh", "--vty_socket", vty, "-c", command)
        return json.loads(r.stdout) if as_json else r.stdout

    # --- BGP state, normalised ----------------------------------------------
    def sessions(self, node):
        """{peer address: state}"""
        if self.kind(node) == "closbgp":
            return {p["address"]: p["state"] for p in self.closctl(node, "show", "summary")["peers"]}
        d = self.vtysh(node, "show bgp summary json")
        out = {}
        for af in ("ipv4Unicast", "ipv6Unicast"):
            for addr, p in d.get(af, {}).get("peers", {}).items():
                out[addr] = p.get("state")
        return out

    def sessions_down(self, node):
        """Expected peers of node not Established (list)."""
        got = self.sessions(node)
        return [a for a in self.expected_peers(node) if got.get(a) != "Established"]

    def all_established(self, nodes=None):
        bad = {}
        for n in nodes or self.switches():
            down = self.sessions_down(n)
            if down:
                bad[n] = down
        return bad

    def routes(self, node):
        """{prefix: [{"as_path", "best", "multipath", "next_hop", "communities"}]}
        (usable paths only: valid for FRR; closctl's Loc-RIB view)."""
        out = {}
        if self.kind(node) == "closbgp":
            for r in self.closctl(node, "show", "routes")["routes"]:
                out.setdefault(r["prefix"], []).append({
                    "as_path": r["as_path"], "best": r["best"], "multipath": r["multipath"],
                    "next_hop": r["next_hop"], "communities": sorted(r.get("communities", []))})
            return out
        for afi in ("ipv4", "ipv6"):
            d = self.vtysh(node, "show bgp %s unicast json" % afi)
            for prefix, paths in d.get("routes", {}).items():
                for p in paths:
                    if not p.get("valid"):
                        continue
                    nh = (p.get("nexthops") or [{}])[0].get("ip", "")
                    out.setdefault(prefix, []).append({
                        "as_path": p.get("path", ""), "best": bool(p.get("bestpath")),
                        "multipath": bool(p.get("multipath") or p.get("bestpath")),
                        "next_hop": nh, "communities": []})
        return out

    def kernel_route(self, node, prefix):
        """Kernel route (ip -j route show exact PREFIX) or None."""
        fam = "-6" if ":" in prefix else "-4"
        r = self.nsrun(node, "ip", fam, "-j", "route", "show", "exact", prefix, check=False)
        if r.returncode != 0 or not r.stdout.strip():
            return None
        rows = [x for x in json.loads(r.stdout) if x.get("dst") == prefix]
        # the one the kernel uses: a standby route is one metric behind
        return min(rows, key=lambda x: x.get("metric", 0)) if rows else None

    def ecmp_width(self, node, prefix):
        rt = self.kernel_route(node, prefix)
        if rt is None:
            return 0
        return len(rt["nexthops"]) if "nexthops" in rt else 1

    def ecmp_devs(self, node, prefix):
        rt = self.kernel_route(node, prefix) or {}
        hops = rt.get("nexthops") or ([rt] if rt else [])
        return sorted(h.get("dev", "?") for h in hops)

    # --- traffic ---------------------------------------------------------------
    def ping(self, src, dst_addr, count=1, wait=1, interval=None, timeout=None):
        cmd = ["ping", "-n", "-q", "-c", str(count), "-W", str(wait)]
        if interval:
            cmd += ["-i", str(interval)]
        if ":" in dst_addr:
            cmd.insert(1, "-6")
        r = self.nsrun(src, *cmd, dst_addr, check=False,
                       timeout=timeout or (count * (interval or 1) + wait + 10))
        m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
        sent, recv = (int(m.group(1)), int(m.group(2))) if m else (count, 0)
        return sent, recv

    def pingmesh(self, afis=("ipv4", "ipv6")):
        """ping -c 1 -W 1 from every server to every other; returns failures."""
        fails = []
        servers = self.servers()
        for afi in afis:
            for s in servers:
                for d in servers:
                    if s == d:
                        continue
                    addr = self.server_addrs(d, afi)
                    _, recv = self.ping(s, addr)
                    if recv != 1:
                        # one retry: the first packet may wait for neighbour discovery
                        _, recv = self.ping(s, addr)
                    if recv != 1:
                        fails.append((afi, s, d, addr))
        return fails

    def tx_packets(self, node, ifname):
        r = self.nsrun(node, "ip", "-j", "-s", "link", "show", ifname)
        return json.loads(r.stdout)[0]["stats64"]["tx"]["packets"]

    def keep_addr_on_down(self, node, ifname):
        """Keep the configured IPv6 addresses when the link goes down, as a
        switch (or zebra) does: with the kernel default (0) `ip link set
        down` flushes the global IPv6 address the lab's exec lines set, and
        the IPv6 session of that link could never come back."""
        self.nsrun(node, "sysctl", "-q", "-w", "net.ipv6.conf.%s.keep_addr_on_down=1" % ifname)

    def set_link(self, node, ifname, up):
        self.nsrun(node, "ip", "link", "set", ifname, "up" if up else "down")


def tier(node):
    return node.split("-")[0]


def route_counts_as_predicted(lab, timeout=60):
    """Poll (bounded) until every switch holds, per family, as many prefixes
    as closgen's routes.json predicts. Returns {tier: {"switches": n,
    "ipv4": [counts], "ipv6": [counts], "predicted": (ipv4, ipv6) counts}}
    (distinct values, sorted); raises naming every switch that differs."""
    want = lab.predicted_routes()
    got = {}

    def match():
        got.clear()
        for n in lab.switches():
            got[n] = lab.route_counts(n)
        return all(got[n] == (want[n]["ipv4"], want[n]["ipv6"]) for n in got)
    try:
        wait_until(match, timeout, "prefixes per switch as predicted", interval=0.5)
    except AssertionError:
        bad = {n: {"measured": got.get(n), "predicted": (want[n]["ipv4"], want[n]["ipv6"]),
                   "daemon": lab.kind(n)}
               for n in lab.switches() if got.get(n) != (want[n]["ipv4"], want[n]["ipv6"])}
        raise AssertionError("prefixes per switch (IPv4, IPv6) differ from closgen's "
                             "prediction after %ds: %s" % (timeout, bad)) from None
    out = {}
    for n in lab.switches():
        t = out.setdefault(tier(n), {"switches": 0, "ipv4": set(), "ipv6": set(),
                                     "predicted": set()})
        t["switches"] += 1
        t["ipv4"].add(got[n][0])
        t["ipv6"].add(got[n][1])
        t["predicted"].add((want[n]["ipv4"], want[n]["ipv6"]))
    return {k: {"switches": v["switches"], "ipv4": sorted(v["ipv4"]), "ipv6": sorted(v["ipv6"]),
                "predicted": sorted(v["predicted"])} for k, v in out.items()}


def format_tiers(per_tier):
    """"ssw 4 x 16/16, ..." (switches x IPv4/IPv6 prefixes each) in tier order."""
    order = {"ssw": 0, "fsw": 1, "rsw": 2}
    parts = []
    for t in sorted(per_tier, key=lambda x: order.get(x, 9)):
        v = per_tier[t]
        parts.append("%s %d x %s/%s" % (t, v["switches"], "|".join(map(str, v["ipv4"])),
                                        "|".join(map(str, v["ipv6"]))))
    return ", ".join(parts)


def uplinks(lab, rsw):
    """RSW interfaces towards FSWs: [(ifname, fsw, fsw ifname)]."""
    out = []
    for i in lab.interfaces(rsw)["interfaces"]:
        peer = i.get("peer", "")
        if peer.startswith("fsw-"):
            out.append((i["name"], peer, i["peer-interface"]))
    return out


def start_flow(lab, src, addr, count, interval):
    """A bounded ping flow src -> addr in a thread, running for a moment
    before this returns; (thread, result dict: "flow" = (sent, received))."""
    result = {}

    def flow():
        result["flow"] = lab.ping(src, addr, count=count, interval=interval, wait=1,
                                  timeout=count * interval * 3 + 30)
    t = threading.Thread(target=flow)
    t.start()
    time.sleep(min(2.0, count * interval / 4))  # let the flow run before the failure
    return t, result


def link_failure(lab, src, dst, rsw, afi="ipv4", count=1000, interval=0.01, log=print):
    """A ping flow src->dst (bounded: count packets every interval s) while
    the RSW uplink carrying it goes down; then measure routing recovery.
    Returns a dict of measurements; the link stays down (call restore_link)."""
    addr = lab.server_addrs(dst, afi)
    ups = uplinks(lab, rsw)
    # find the uplink this flow hashes onto: 20 probe packets, compare counters
    before = {u[0]: lab.tx_packets(rsw, u[0]) for u in ups}
    lab.ping(src, addr, count=20, interval=0.01, wait=1)
    delta = {u[0]: lab.tx_packets(rsw, u[0]) - before[u[0]] for u in ups}
    ifname, fsw, fsw_if = max(ups, key=lambda u: delta[u[0]])
    log("flow %s -> %s (%s) leaves %s through %s (towards %s); tx deltas %s"
        % (src, dst, addr, rsw, ifname, fsw, delta))
    prefixes = lab.expected_remote(rsw)
    widths_before = {p: lab.ecmp_width(rsw, p) for p in prefixes}
    lab.keep_addr_on_down(rsw, ifname)
    lab.keep_addr_on_down(fsw, fsw_if)
    t, result = start_flow(lab, src, addr, count, interval)
    t_down = time.monotonic()
    lab.set_link(rsw, ifname, False)
    log("link %s:%s -- %s:%s set down" % (rsw, ifname, fsw, fsw_if))
    want = {p: w - 1 for p, w in widths_before.items()}
    wait_until(lambda: all(lab.ecmp_width(rsw, p) == w for p, w in want.items()), 60,
               "%s: kernel routes one next hop narrower" % rsw, interval=0.05)
    result["fib_reconverged_s"] = time.monotonic() - t_down

    def peers_gone():  # the IPv4 and IPv6 session of the failed link
        return len(lab.sessions_down(rsw)) == 2
    wait_until(peers_gone, 60, "%s: the 2 sessions of %s down" % (rsw, ifname), interval=0.1)
    result["sessions_down_s"] = time.monotonic() - t_down
    t.join(timeout=count * interval * 3 + 60)
    sent, recv = result["flow"]
    result.update(link=(rsw, ifname, fsw, fsw_if), sent=sent, received=recv, lost=sent - recv,
                  outage_ms=(sent - recv) * interval * 1000, widths_before=widths_before)
    return result


def updates_received(lab, node):
    """{peer address: UPDATE messages received from it} of node."""
    if lab.kind(node) == "closbgp":
        return {p["address"]: p["messages_received"]["update"]
                for p in lab.closctl(node, "show", "peers")["peers"]}
    d = lab.vtysh(node, "show bgp neighbors json")
    return {a: n.get("messageStats", {}).get("updatesRecv", 0) for a, n in d.items()
            if isinstance(n, dict)}


def updates_outside(lab, pod):
    """{"switch<-peer": UPDATEs received} of every session of every switch
    outside pod (SSWs and the other pods' FSWs and RSWs)."""
    out = {}
    for n in lab.switches():
        if n.startswith("ssw-") or lab.pod(n) != pod:
            for peer, count in updates_received(lab, n).items():
                out["%s<-%s" % (n, peer)] = count
    return out


def updates_since(before, after):
    """{session: UPDATEs} of the sessions whose count moved."""
    return {k: after.get(k, 0) - v for k, v in before.items() if after.get(k, 0) != v}


def link_between(lab, a, b):
    """(a's ifname, b's ifname) of the first link a -- b."""
    for i in lab.interfaces(a)["interfaces"]:
        if i.get("peer") == b:
            return i["name"], i["peer-interface"]
    raise AssertionError("no link %s -- %s" % (a, b))


def flow_source_via(lab, dst, fsw, fsw_if, candidates, afi="ipv4"):
    """A server of candidates whose flow to dst enters through fsw (its
    counter on fsw_if moves with 20 probe pings), or None."""
    addr = lab.server_addrs(dst, afi)
    for src in candidates:
        before = lab.tx_packets(fsw, fsw_if)
        lab.ping(src, addr, count=20, interval=0.01, wait=1)
        if lab.tx_packets(fsw, fsw_if) - before >= 20:
            return src
    return None


def backup_failover(lab, rsw, fsw, dst, src, afi="ipv4", count=800, interval=0.01, log=print):
    """Fail rsw -- fsw at rsw's end (fsw sees the carrier go) under a ping
    flow src -> dst (a server of rsw) entering the pod through fsw: fsw
    moves the rack prefix to its backup paths (the other RSWs). Counts the
    packets lost, the time until fsw's kernel route has left the link, and
    the UPDATEs received outside the pod. The link stays down."""
    rsw_if, fsw_if = link_between(lab, rsw, fsw)
    rack = lab.rack_prefixes(rsw)[0 if afi == "ipv4" else 1]
    addr = lab.server_addrs(dst, afi)
    pod = lab.pod(rsw)
    outside0 = updates_outside(lab, pod)
    lab.keep_addr_on_down(rsw, rsw_if)
    lab.keep_addr_on_down(fsw, fsw_if)
    t, result = start_flow(lab, src, addr, count, interval)
    t_down = time.monotonic()
    lab.set_link(rsw, rsw_if, False)
    log("link %s:%s -- %s:%s set down at %s" % (rsw, rsw_if, fsw, fsw_if, rsw))
    wait_until(lambda: fsw_if not in lab.ecmp_devs(fsw, rack) and lab.ecmp_width(fsw, rack) > 0,
               30, "%s: %s off %s" % (fsw, rack, fsw_if), interval=0.02)
    result["fib_moved_s"] = time.monotonic() - t_down
    result["backup_devs"] = lab.ecmp_devs(fsw, rack)
    t.join(timeout=count * interval * 3 + 60)
    time.sleep(3.0)  # let any UPDATE the failure caused arrive
    outside1 = updates_outside(lab, pod)
    sent, recv = result["flow"]
    result.update(link=(rsw, rsw_if, fsw, fsw_if), sent=sent, received=recv, lost=sent - recv,
                  updates_outside=updates_since(outside0, outside1))
    return result


def restore_link(lab, rsw, ifname, timeout=90):
    t_up = time.monotonic()
    lab.set_link(rsw, ifname, True)
    wait_until(lambda: not lab.all_established(), timeout,
               "every session Established again", interval=0.25)
    sessions_s = time.monotonic() - t_up
    wait_until(lambda: all(lab.ecmp_width(rsw, p) == lab.fsw_count(lab.pod(rsw))
                           for p in lab.expected_remote(rsw)), timeout,
               "%s: full ECMP again" % rsw, interval=0.25)
    return {"sessions_s": sessions_s, "routes_s": time.monotonic() - t_up}


# --- daemon restarts (graceful restart, RFC 4724) ---------------------------------

_CLOSLAB = None


def closlab_tool():
    """tools/closlab as a module: daemons are started again with its own
    command lines (frr_argv, start_frr_daemon, start_closbgp)."""
    global _CLOSLAB
    if _CLOSLAB is None:
        import importlib.machinery
        import importlib.util
        loader = importlib.machinery.SourceFileLoader("closlab_tool", CLOSLAB)
        spec = importlib.util.spec_from_loader("closlab_tool", loader)
        _CLOSLAB = importlib.util.module_from_spec(spec)
        loader.exec_module(_CLOSLAB)
    return _CLOSLAB


def daemon_pid(lab, node, daemon):
    """PID of daemon (closbgpd, zebra, bgpd) of node from the lab's PID file,
    checked to live in the node's namespace (never a reused PID); or None."""
    cl = closlab_tool()
    pidf = (os.path.join(lab.labdir, node, "frr", daemon + ".pid") if lab.kind(node) == "frr"
            else os.path.join(lab.labdir, node, "closbgpd.pid"))
    pid = cl.read_pid(pidf)
    if pid and cl.pid_alive(pid) and cl.pid_in_ns(pid, lab.ns(node)):
        return pid
    return None


def stop_daemon(lab, node, daemon, sig, timeout=10):
    """Send sig to node's daemon (by its PID file) and wait until it is
    gone; returns (pid, seconds until gone)."""
    pid = daemon_pid(lab, node, daemon)
    assert pid, "%s: no %s running" % (node, daemon)
    t0 = time.monotonic()
    os.kill(pid, sig)
    cl = closlab_tool()
    wait_until(lambda: not cl.pid_alive(pid), timeout, "%s: %s (%d) gone" % (node, daemon, pid),
               interval=0.02)
    try:  # closbgpd started by start_daemon is our child: reap it
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    return pid, time.monotonic() - t0


def start_daemon(lab, node, daemon):
    """Start node's daemon again exactly as closlab deploy does (same
    command line, PID file, log); FRR's bgpd then gets the node's
    configuration through vtysh, as at deploy."""
    cl = closlab_tool()
    clab = cl.load(lab.clab)
    n = clab.nodes[node]
    env_build = os.environ.get("CLOSBGP_BUILD")
    os.environ["CLOSBGP_BUILD"] = build_dir()
    try:
        if daemon == "closbgpd":
            errors = []
            cl.start_closbgp(clab, n, errors)
            assert not errors, errors
        else:
            cl.start_frr_daemon(n, daemon)
            if daemon == "bgpd":
                r = cl.apply_frr_conf(n)
                assert r.returncode == 0, (r.stdout + r.stderr)[-800:]
    finally:
        if env_build is None:
            del os.environ["CLOSBGP_BUILD"]
    return daemon_pid(lab, node, daemon)


def neighbours(lab, node):
    """Switches that have a session with node."""
    out = set()
    for i in lab.interfaces(node)["interfaces"]:
        peer = i.get("peer", "")
        if peer in lab.nodes and lab.kind(peer) != "host":
            out.add(peer)
    return sorted(out)


def addresses_of(lab, node, peer):
    """The session addresses of peer as node's configuration names them."""
    cfg = json.load(open(os.path.join(lab.out, node, "closbgpd.json")))
    return {n["address"].split("%")[0] for n in cfg["closbgp-device:bgp"]["neighbor"]
            if n.get("description") == peer}


def paths_from(lab, node, peer):
    """{"paths": n, "stale": n} of node's paths learned from peer (closbgpd:
    closctl show routes, next hop = peer's address; FRR: show bgp json,
    peerId)."""
    addrs = addresses_of(lab, node, peer)
    n = stale = 0
    if lab.kind(node) == "closbgp":
        for r in lab.closctl(node, "show", "routes")["routes"]:
            if r.get("next_hop") in addrs or r.get("next_hop_link_local") in addrs:
                n += 1
                stale += bool(r.get("stale"))
        return {"paths": n, "stale": stale}
    for afi in ("ipv4", "ipv6"):
        d = lab.vtysh(node, "show bgp %s unicast json" % afi)
        for paths in d.get("routes", {}).values():
            for x in paths:
                if x.get("peerId") in addrs:
                    n += 1
                    stale += bool(x.get("stale"))
    return {"paths": n, "stale": stale}


def helpers_view(lab, node):
    """{neighbour: paths_from(neighbour, node)} for every neighbour of node."""
    return {h: paths_from(lab, h, node) for h in neighbours(lab, node)}


def frr_debug_gr(lab):
    """debug bgp graceful-restart on every FRR switch (its frr.log)."""
    for n in lab.switches():
        if lab.kind(n) == "frr":
            lab.vtysh(n, "debug bgp graceful-restart", as_json=False)


def find_key(obj, key):
    """Every value of key anywhere in a JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                yield v
            yield from find_key(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from find_key(v, key)


def flow_source_through(lab, node, dst, candidates, afi="ipv4", towards="ssw-"):
    """A server of candidates whose packets to dst leave node towards the
    tier `towards` (tx counters of those interfaces move by >= 20 with 20
    probe pings), or None."""
    addr = lab.server_addrs(dst, afi)
    ifs = [i["name"] for i in lab.interfaces(node)["interfaces"]
           if i.get("peer", "").startswith(towards)]
    for src in candidates:
        before = sum(lab.tx_packets(node, i) for i in ifs)
        lab.ping(src, addr, count=20, interval=0.01, wait=1)
        if sum(lab.tx_packets(node, i) for i in ifs) - before >= 20:
            return src
    return None


def start_seq_flow(lab, src, addr, count, interval=0.01):
    """start_flow with receive times: a bounded ping flow (ping -D -O) in a
    thread; result["flow"] = (sent, received), result["rx"] = {icmp_seq:
    receive time (time.time())}. lost_between() places the losses."""
    result = {}

    def flow():
        cmd = ["ping", "-n", "-D", "-O", "-c", str(count), "-W", "1", "-i", str(interval)]
        if ":" in addr:
            cmd.insert(1, "-6")
        r = lab.nsrun(src, *cmd, addr, check=False, timeout=count * interval * 3 + 30)
        rx = {}
        for line in r.stdout.splitlines():
            m = re.match(r"\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+) ", line)
            if m:
                rx[int(m.group(2))] = float(m.group(1))
        m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
        result["flow"] = (int(m.group(1)), int(m.group(2))) if m else (count, len(rx))
        result["rx"] = rx
    t = threading.Thread(target=flow)
    t.start()
    time.sleep(min(2.0, count * interval / 4))
    return t, result


def lost_windows(result):
    """[(first lost seq, count, last reply before (time), first reply after)]
    of a start_seq_flow result."""
    rx, (sent, _) = result["rx"], result["flow"]
    out, run = [], []
    for seq in range(1, sent + 1):
        if seq not in rx:
            run.append(seq)
            continue
        if run:
            before = max((rx[s] for s in rx if s < run[0]), default=0.0)
            out.append((run[0], len(run), before, rx[seq]))
            run = []
    if run:
        before = max((rx[s] for s in rx if s < run[0]), default=0.0)
        out.append((run[0], len(run), before, float("inf")))
    return out


def lost_between(result, t_from, t_to):
    """Packets lost in a gap that began (last reply before it) within
    [t_from, t_to) (time.time())."""
    return sum(n for _, n, before, _ in lost_windows(result) if t_from <= before < t_to)


def event_time(line):
    """time.time() of an `ip -ts monitor` line ("[2026-12-06T20:19:09.490477] ...")."""
    import datetime
    m = re.match(r"\[([0-9T:.-]+)\]", line)
    return datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").timestamp()


class RouteMonitor:
    """`ip -o monitor route` in node's namespace (bounded by timeout):
    the kernel route changes made there meanwhile."""

    def __init__(self, lab, node, timeout=300):
        self.proc = subprocess.Popen(["ip", "netns", "exec", lab.ns(node), "timeout",
                                      str(timeout), "ip", "-ts", "-o", "monitor", "route"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(0.3)

    def stop(self, proto="closbgp"):
        """Stop it (by its PID); the events of routes of proto (closbgp,
        bgp), each "[time] [Deleted] route ...", with -ts times."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=10)
        names = {"closbgp": ("closbgp", "210"), "bgp": ("bgp", "186")}[proto]
        return [l for l in out.splitlines() if any(" proto %s " % n in l + " " for n in names)]


# --- CLI for tools/demo ---------------------------------------------------------

def _summary(lab):
    fmt = "%-9s %-8s %9s %8s %8s  %s"
    print(fmt % ("switch", "daemon", "sessions", "v4 pfx", "v6 pfx", "kernel ECMP width (remote prefixes)"))
    for n in lab.switches():
        sess = lab.sessions(n)
        est = sum(1 for s in sess.values() if s == "Established")
        routes = lab.routes(n)
        v4 = sum(1 for p in routes if ":" not in p)
        v6 = len(routes) - v4
        widths = ""
        if n.startswith("rsw-"):
            w = sorted({lab.ecmp_width(n, p) for p in lab.expected_remote(n)})
            widths = "/".join(str(x) for x in w) + " (want %d)" % lab.fsw_count(lab.pod(n))
        print(fmt % (n, lab.kind(n), "%d/%d" % (est, len(lab.expected_peers(n))), v4, v6, widths))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="fablib.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--input", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--frr", default="")
    g.add_argument("--name")
    for c in ("wait", "summary", "pingmesh", "ecmp", "linkfail", "backupfail", "drain"):
        p = sub.add_parser(c)
        p.add_argument("-t", required=True)
        p.add_argument("--timeout", type=int, default=180)
        p.add_argument("--rsw")
        p.add_argument("--prefix")
        p.add_argument("--src")
        p.add_argument("--dst")
        p.add_argument("--node", default="fsw-1-1")
    a = ap.parse_args(argv)
    if a.cmd == "gen":
        print(generate(a.input, a.out, [x for x in a.frr.split(",") if x], a.name))
        return 0
    lab = Lab(a.t)
    if a.cmd == "wait":
        t0 = time.monotonic()
        wait_until(lambda: not lab.all_established(), a.timeout, "every session Established", 0.5)
        t1 = time.monotonic()
        print("all %d sessions Established after %.1f s"
              % (sum(len(lab.expected_peers(n)) for n in lab.switches()), t1 - t0))
        rsws = lab.switches("rsw")
        wait_until(lambda: all(lab.ecmp_width(r, p) > 0 for r in rsws
                               for p in lab.expected_remote(r)), a.timeout,
                   "every RSW has a kernel route to every other rack / pod", 0.5)
        print("every RSW has kernel routes to every other rack and pod after %.1f s"
              % (time.monotonic() - t0))
    elif a.cmd == "summary":
        _summary(lab)
    elif a.cmd == "pingmesh":
        n = len(lab.servers())
        fails = lab.pingmesh()
        total = 2 * n * (n - 1)
        print("%d servers, %d pings (IPv4 + IPv6, ping -c 1 -W 1): %d ok, %d failed"
              % (n, total, total - len(fails), len(fails)))
        for f in fails:
            print("  FAILED %s %s -> %s (%s)" % f)
        return 1 if fails else 0
    elif a.cmd == "ecmp":
        pfx = a.prefix or lab.expected_remote(a.rsw)[-2]
        fam = "-6" if ":" in pfx else "-4"
        print("$ ip %s route show %s        (in %s)" % (fam, pfx, lab.ns(a.rsw)))
        print(lab.nsrun(a.rsw, "ip", fam, "route", "show", "exact", pfx).stdout.rstrip())
        rt = lab.kernel_route(a.rsw, pfx) or {}
        if "nhid" in rt:
            print("$ ip nexthop show id %s" % rt["nhid"])
            print(lab.nsrun(a.rsw, "ip", "nexthop", "show", "id", str(rt["nhid"])).stdout.rstrip())
        if lab.kind(a.rsw) == "closbgp":
            sock = os.path.join(lab.labdir, a.rsw, "closbgpd.sock")
            for args in (["show", "routes", pfx], ["show", "fib"]):
                print("$ closctl %s" % " ".join(args))
                out = run([os.path.join(build_dir(), "tools", "closctl"), "-s", sock] + args).stdout
                if args[1] == "fib":
                    out = "\n".join(l for i, l in enumerate(out.splitlines())
                                    if i < 2 or pfx in l)
                print(out.rstrip())
        else:
            print("$ vtysh -c 'show bgp %s'" % pfx)
            print(lab.vtysh(a.rsw, "show bgp %s" % pfx, as_json=False).rstrip())
    elif a.cmd == "linkfail":
        rsw = a.rsw or next(r for r in lab.switches("rsw") if lab.kind(r) == "closbgp")
        src = a.src or next(s for s in lab.servers() if lab.host(s)["rack"] == rsw)
        dst = a.dst or next(s for s in lab.servers() if lab.pod(lab.host(s)["rack"]) != lab.pod(rsw))
        res = link_failure(lab, src, dst, rsw)
        rsw_, ifname, fsw, fsw_if = res["link"]
        print("ping flow: %d sent, %d received, %d lost (~%.0f ms of traffic at 10 ms spacing)"
              % (res["sent"], res["received"], res["lost"], res["outage_ms"]))
        print("%s kernel routes one next hop narrower after %.2f s; its 2 sessions over %s down after %.2f s"
              % (rsw, res["fib_reconverged_s"], ifname, res["sessions_down_s"]))
        pfx = lab.expected_remote(rsw)[-2]
        print("$ ip route show %s   (in %s, link down)" % (pfx, lab.ns(rsw)))
        print(lab.nsrun(rsw, "ip", "route", "show", "exact", pfx).stdout.rstrip())
        print("restoring %s:%s ..." % (rsw, ifname))
        back = restore_link(lab, rsw, ifname)
        print("after restore: every session Established in %.1f s, full ECMP on %s in %.1f s"
              % (back["sessions_s"], rsw, back["routes_s"]))
        print(lab.nsrun(rsw, "ip", "route", "show", "exact", pfx).stdout.rstrip())
    elif a.cmd == "backupfail":
        rsw, fsw = "rsw-1-1", "fsw-1-1"
        dst = next(s for s in lab.servers() if lab.host(s)["rack"] == rsw)
        rsw_if, fsw_if = link_between(lab, rsw, fsw)
        rack = lab.rack_prefixes(rsw)[0]
        show = lambda: print(lab.nsrun(fsw, "ip", "route", "show", "exact", rack).stdout.rstrip())
        print("$ ip route show %s   (in %s: the direct link to %s)" % (rack, lab.ns(fsw), rsw))
        show()
        src = flow_source_via(lab, dst, fsw, fsw_if,
                              [s for s in lab.servers() if lab.pod(s) != lab.pod(rsw)])
        if not src:
            print("no server of another pod reaches %s through %s" % (dst, fsw))
            return 1
        res = backup_failover(lab, rsw, fsw, dst, src, log=print)
        print("ping flow %s -> %s entering pod 1 through %s: %d sent, %d lost"
              % (src, dst, fsw, res["sent"], res["lost"]))
        print("%s's kernel route for %s left %s after %.3f s, now over %s (the backup paths)"
              % (fsw, rack, fsw_if, res["fib_moved_s"], ", ".join(res["backup_devs"])))
        show()
        print("UPDATEs received by the SSWs and pod 2 because of it: %d"
              % sum(res["updates_outside"].values()))
        before = updates_outside(lab, lab.pod(rsw))
        restore_link(lab, rsw, rsw_if)
        wait_until(lambda: lab.ecmp_devs(fsw, rack) == [fsw_if], 30, "primary path back")
        time.sleep(2.0)
        print("restored: %s back on %s; UPDATEs outside pod 1: %d"
              % (rack, fsw_if, sum(updates_since(before, updates_outside(lab, 1)).values())))
    elif a.cmd == "drain":
        node = a.node
        towards = "fsw-" if node.startswith("ssw") else "ssw-"
        print("$ closctl -s %s/closbgpd.sock drain --wait; closctl ... undrain --wait"
              % os.path.join(lab.labdir, node))
        res = drain_under_flows(lab, node, towards, 1, count=1000)
        c = res["cycles"][0]
        print("traffic off %s %.2f s after drain; DRAINED after %.2f s; undrain: LIVE after "
              "%.2f s, every neighbour's ECMP back after %.2f s"
              % (node, c["off"], c["drained"], c["live"], c["back"]))
        print("%d ping flows (10 ms), lost: %s" % (len(res["flows"]), ", ".join(
            "%s %d" % (k, v[0]) for k, v in res["lost"].items())))
        print(closctl_cmd(lab, node, "show", "state")[1].rstrip())
    return 0



# --- device states: drain and undrain (issue 13) -------------------------------------

def node_tx(lab, node):
    """Packets sent on all of node's interfaces (one `ip -s link` call)."""
    r = lab.nsrun(node, "ip", "-j", "-s", "link", "show")
    return sum(i["stats64"]["tx"]["packets"] for i in json.loads(r.stdout)
               if i.get("ifname") != "lo")


def tx_rate(lab, node, window=0.3):
    """Packets node sent in `window` seconds."""
    before = node_tx(lab, node)
    time.sleep(window)
    return node_tx(lab, node) - before


def closctl_cmd(lab, node, *args, timeout=60):
    """closctl ARGS on node; (exit code, stdout, stderr)."""
    sock = os.path.join(lab.labdir, node, "closbgpd.sock")
    r = run([os.path.join(build_dir(), "tools", "closctl"), "-s", sock] + list(args),
            check=False, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def ecmp_widths(lab, node):
    """{prefix: next hops} of node's BGP kernel routes (two `ip route` calls);
    of a prefix's routes the one with the lowest metric, which the kernel
    uses (closbgpd keeps a standby route one metric behind a route with a
    backup set)."""
    out, metric = {}, {}
    for fam in ("-4", "-6"):
        r = lab.nsrun(node, "ip", fam, "-j", "route", "show", check=False)
        for x in json.loads(r.stdout or "[]"):
            if str(x.get("protocol")) in ("bgp", "186", "210") and x.get("dst") != "default":
                m = x.get("metric", 0)
                if x["dst"] in metric and metric[x["dst"]] <= m:
                    continue
                metric[x["dst"]] = m
                out[x["dst"]] = len(x["nexthops"]) if "nexthops" in x else 1
    return out


def drain_cycle(lab, node, quiet=3):
    """drain then undrain node under flows through it: traffic has moved
    off when node sends at most `quiet` packets (BGP keepalives) in 0.3 s;
    it can come back when every neighbour's kernel routes have their ECMP
    width of before the drain again (whether a flow's hash picks node then
    is up to the neighbour). Returns the times (s) from each command:
    moved off, DRAINED, LIVE, neighbours' ECMP restored."""
    nbs = [n for n in neighbours(lab, node)]
    before = {n: ecmp_widths(lab, n) for n in nbs}
    out = {"wall": {"drain": time.time()}}
    t0 = time.monotonic()
    rc, _, err = closctl_cmd(lab, node, "drain")
    assert rc == 0, err
    wait_until(lambda: tx_rate(lab, node) <= quiet, 20, "%s: traffic moved off" % node,
               interval=0.0)
    out["off"] = time.monotonic() - t0
    rc, _, err = closctl_cmd(lab, node, "drain", "--wait", "--timeout", "30")
    assert rc == 0, err
    out["drained"] = time.monotonic() - t0
    out["wall"]["drained"] = out["wall"]["undrain"] = time.time()
    t0 = time.monotonic()
    rc, _, err = closctl_cmd(lab, node, "undrain", "--wait", "--timeout", "30")
    assert rc == 0, err
    out["live"] = time.monotonic() - t0
    wait_until(lambda: all(ecmp_widths(lab, n) == before[n] for n in nbs), 20,
               "%s: every neighbour's ECMP as before the drain" % node, interval=0.05)
    out["back"] = time.monotonic() - t0
    out["wall"]["back"] = time.time()
    return out


def phase_of(cycles, at):
    """Where wall time `at` falls in drain_cycle results: "cycle N drain
    +0.123 s" (the drain command until DRAINED) or "... undrain +..."."""
    for k, c in enumerate(cycles):
        w = c["wall"]
        if w["drain"] - 0.2 <= at < w["drained"]:
            return "cycle %d drain %+.3f s" % (k + 1, at - w["drain"])
        if w["undrain"] <= at < w["back"] + 1.0:
            return "cycle %d undrain %+.3f s" % (k + 1, at - w["undrain"])
    return "outside the cycles"


def flows_through(lab, node, towards, srv):
    """(source, destination) pairs, pod 1 -> pod 2 and pod 2 -> pod 1, whose
    packets go through node (leaving it towards `towards`, or towards the
    RSWs for traffic entering a pod through an FSW)."""
    out = []
    for a, b in ((1, 2), (2, 1)):
        way = towards if a == 1 or node.startswith("ssw") else "rsw-"
        # ECMP hashes each (source, destination) pair onto one path: try
        # destinations until some source's packets go through node
        for dst in srv[b]:
            src = flow_source_through(lab, node, dst, srv[a], towards=way)
            if src:
                out.append((src, dst))
                break
    return out


def drain_under_flows(lab, node, towards, cycles, count=4000):
    """drain_cycle `cycles` times under 10 ms ping flows: pod 1 -> pod 2 and
    pod 2 -> pod 1 through node (leaving it towards `towards`, or towards
    the RSWs for traffic entering a pod through an FSW), and one inside each
    pod. Returns {"cycles", "lost": {flow: (lost, [(n, phase)])}, "busy",
    "flows", "count", "state": show state at the end}."""
    srv = {p: [s for s in lab.servers() if s.startswith("srv-%d-" % p)] for p in (1, 2)}
    flows = [(srv[p][0], srv[p][-1]) for p in (1, 2)]  # inside each pod, over the FSWs
    running = [(src, dst) + start_seq_flow(lab, src, lab.server_addrs(dst, "ipv4"), count)
               for src, dst in flows]
    busy = 0
    # A neighbour may still re-install its ECMP groups after the previous
    # test (another member order hashes the pairs elsewhere): probe again,
    # with new flows, while none of the running ones goes through node.
    for attempt in range(3):
        for src, dst in flows_through(lab, node, towards, srv):
            flows.append((src, dst))
            running.append((src, dst) + start_seq_flow(lab, src, lab.server_addrs(dst, "ipv4"),
                                                       count))
        busy = tx_rate(lab, node)
        if busy >= 20:
            break
        time.sleep(1.0)
    assert busy >= 20, "no flow goes through %s (%d packets in 0.3 s)" % (node, busy)
    done = [drain_cycle(lab, node) for _ in range(cycles)]
    st = lab.closctl(node, "show", "state")
    lost = {}
    for src, dst, t, result in running:
        t.join(timeout=count * 0.01 * 3 + 60)
        sent, recv = result["flow"]
        key = "%s->%s" % (src, dst)
        while key in lost:  # the same pair probed again
            key += "'"
        lost[key] = (sent - recv, [
            (n, phase_of(done, before)) for _, n, before, _ in lost_windows(result)[:10]])
    return {"cycles": done, "lost": lost, "busy": busy, "flows": flows, "count": count,
            "state": st}


def drain_report(node, res):
    """One line: the times (min/median/max over the cycles) and the losses."""
    def stats(k):
        v = sorted(c[k] for c in res["cycles"])
        return "%.2f/%.2f/%.2f" % (v[0], v[len(v) // 2], v[-1])
    return ("drain/undrain of %s x%d under %d ping flows (10 ms, %d packets each; %d "
            "packets/0.3 s through it): traffic moved off %s s after drain, DRAINED after %s "
            "s, LIVE %s s after undrain, every neighbour's ECMP back after %s s "
            "(min/median/max); lost per flow %s; %d state transitions"
            % (node, len(res["cycles"]), len(res["flows"]), res["count"], res["busy"],
               stats("off"), stats("drained"), stats("live"), stats("back"), res["lost"],
               res["state"]["transitions"]))


if __name__ == "__main__":
    sys.exit(main())
