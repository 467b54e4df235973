"""Benchmark topology and the devices under test (FRR, BIRD, closbgpd).

Topology (every DUT gets the same one):

    clos-bench-feed  --(feeders links 0..F-1)--  clos-bench-dut  --  clos-bench-sink

Feeder link i: DUT 10.1.i.0/31 + fd00:1:i::1/64, feeder 10.1.i.1 + fd00:1:i::2.
Sink link:     DUT 10.2.0.0/31 + fd00:2::1/64,   sink 10.2.0.1 + fd00:2::2.
eBGP: feeders AS 65001, DUT AS 65000, sink AS 65002. One session per link and
family (IPv4 over IPv4, IPv6 over IPv6). The DUT is passive: our speakers
connect, so no connect-retry timer delays the start. The DUT exports nothing
to the feeders (identical policy on every DUT) and everything to the sink.

With a policy (bench.py --policy; policy.py holds the statements) every
DUT gets an 11-statement import chain on each feeder session and a
12-statement export chain on the sink session. policy: None (none), "on",
or, closbgpd only, "nocache" (CLOSBGPD_POLICY_CACHE=0: no result cache)
and "perpath" (a prefix-set statement instead of the origin one in each
chain: closbgpd then evaluates every path, uncached; see policy.py).
policy "failover" (bench.py --failover): policy.py's FAILOVER_CHAINS, an
import chain only (backup_path paths at LOCAL_PREF 90, the rest at 100).

aggregates (bench.py --aggregate): a list of (prefix, min) the DUT
originates while at least min more-specifics are present: closbgpd's
`aggregate` list (contributor route type rack_prefix, tagged
pod_aggregate), FRR's `aggregate-address … route-map` (a route-map adding
pod_aggregate's community; FRR counts every more-specific and has no
minimum but 1). BIRD 2.0.12 has no BGP aggregation: its class says so
with AGGREGATES = False.

fib_ack (bench.py --fiback, issue 13): None (the DUT as configured
otherwise), True or False: closbgpd's `fib-acknowledgement` leaf (advertise
a route only once the kernel acknowledged it; default true), FRR's
`bgp suppress-fib-pending` (router bgp level; bgpd waits for zebra's
route-installed notification). BIRD 2.0.12 has no equivalent: its class
says so with FIB_ACK = False.

Namespaces and processes come from tests/integration/lib/netns.py; every
daemon is started with a known PID (`ip netns exec` execs it) and stopped by
that PID.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from lib import netns  # noqa: E402
from lib.poll import wait_until  # noqa: E402

import policy as pol  # noqa: E402  (tests/bench/policy.py)

NS_PREFIX = "clos-bench-"
FEED_AS, DUT_AS, SINK_AS = 65001, 65000, 65002
HOLD, KEEPALIVE = 180, 60


def chains(policy):
    """policy.py's chains for a DUT's policy variant."""
    return pol.FAILOVER_CHAINS if policy == "failover" else pol.CHAINS


class Topology:
    def __init__(self, feeders):
        self.feeders = feeders
        self.feed = netns.Namespace(NS_PREFIX + "feed")
        self.dut = netns.Namespace(NS_PREFIX + "dut")
        self.sink = netns.Namespace(NS_PREFIX + "sink")

    @staticmethod
    def feed_addrs(i):
        return {"dut4": "10.1.%d.0" % i, "feed4": "10.1.%d.1" % i,
                "dut6": "fd00:1:%x::1" % i, "feed6": "fd00:1:%x::2" % i}

    SINK = {"dut4": "10.2.0.0", "sink4": "10.2.0.1",
            "dut6": "fd00:2::1", "sink6": "fd00:2::2"}

    def create(self):
        cleanup()
        for ns in (self.feed, self.dut, self.sink):
            ns.create()
        for i in range(self.feeders):
            a = self.feed_addrs(i)
            netns.Link(self.feed, "eth%d" % i, self.dut, "feed%d" % i).create(
                v4=(a["feed4"] + "/31", a["dut4"] + "/31"),
                v6=(a["feed6"] + "/64", a["dut6"] + "/64"))
        s = self.SINK
        netns.Link(self.dut, "sink0", self.sink, "eth0").create(
            v4=(s["dut4"] + "/31", s["sink4"] + "/31"),
            v6=(s["dut6"] + "/64", s["sink6"] + "/64"))
        return self

    def delete(self):
        for ns in (self.feed, self.dut, self.sink):
            ns.delete()


def cleanup(log=lambda *_: None):
    """Delete every clos-bench-* namespace (and the processes inside)."""
    return netns.cleanup_leftovers(prefix=NS_PREFIX, log=log)


def _afis(families):
    return [f for f in ("ipv4", "ipv6") if f in families]


# -- FRR ---------------------------------------------------------------
FRR_DIR = os.environ.get("FRR_DIR", "/usr/lib/frr")
VTYSH = os.environ.get("VTYSH", "vtysh")


class FrrDut:
    """bgpd + zebra. FIB off: bgpd -n (--no_kernel: bgpd never hands routes
    to zebra; zebra still runs and serves next-hop tracking, as in a real
    deployment). FIB on: bgpd sends routes to zebra, zebra to the kernel."""
    name = "frr"
    AGGREGATES = True
    FIB_ACK = True              # bgp suppress-fib-pending

    def __init__(self, topo, workdir, fib, families, policy=None, aggregates=None,
                 fib_ack=None):
        self.topo, self.fib, self.families = topo, fib, families
        self.policy = policy
        self.aggregates = aggregates or []
        self.fib_ack = fib_ack
        self.dir = os.path.join(workdir, "frr")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o777)
        self.procs = []

    def config(self):
        L = ["frr defaults traditional", "hostname dut", "!",
             "route-map NONE deny 10", "!"]
        rm_in = rm_out = None
        if self.policy:
            pol_lines, rm_in, rm_out = pol.frr(chains(self.policy))
            L += pol_lines
        if self.aggregates:
            L += ["route-map AGGREGATE permit 10",
                  " set community %s" % pol.ROUTE_TYPES["pod_aggregate"], "!"]
        L += ["router bgp %d" % DUT_AS,
             " bgp router-id 10.255.0.1",
             " no bgp ebgp-requires-policy",
             " no bgp default ipv4-unicast",
             " bgp bestpath as-path multipath-relax"]
        if self.fib_ack:
            L.append(" bgp suppress-fib-pending")
        groups = []
        for afi in _afis(self.families):
            k = afi[-1]
            groups += [("FEED" + k, FEED_AS, afi), ("SINK" + k, SINK_AS, afi)]
        for g, asn, _ in groups:
            L += [" neighbor %s peer-group" % g, " neighbor %s remote-as %d" % (g, asn),
                  " neighbor %s passive" % g,
                  " neighbor %s timers %d %d" % (g, KEEPALIVE, HOLD)]
        for afi in _afis(self.families):
            k = afi[-1]
            for i in range(self.topo.feeders):
                L.append(" neighbor %s peer-group FEED%s" % (self.topo.feed_addrs(i)["feed" + k], k))
            L.append(" neighbor %s peer-group SINK%s" % (Topology.SINK["sink" + k], k))
        for afi in _afis(self.families):
            k = afi[-1]
            L += [" address-family %s unicast" % afi, "  maximum-paths 64",
                  "  neighbor FEED%s activate" % k, "  neighbor FEED%s route-map NONE out" % k,
                  "  neighbor SINK%s activate" % k]
            if rm_in:
                L.append("  neighbor FEED%s route-map %s in" % (k, rm_in))
            if rm_out:
                L.append("  neighbor SINK%s route-map %s out" % (k, rm_out))
            L += ["  aggregate-address %s route-map AGGREGATE" % p
                  for p, _ in self.aggregates if (":" in p) == (afi == "ipv6")]
            L.append(" exit-address-family")
        return "\n".join(L) + "\n!\n"

    def start(self):
        d = self.dir
        with open(os.path.join(d, "bgpd.conf"), "w") as f:
            f.write(self.config())
        with open(os.path.join(d, "zebra.conf"), "w") as f:
            f.write("hostname dut\n!\n")
        common = ["--vty_socket", d, "-z", os.path.join(d, "zserv.api"), "-P", "0",
                  "--log-level", "informational"]
        zebra = self.topo.dut.popen(
            [os.path.join(FRR_DIR, "zebra"), "-f", os.path.join(d, "zebra.conf"),
             "-i", os.path.join(d, "zebra.pid"), "-s", str(128 << 20),
             "--log", "file:" + os.path.join(d, "zebra.log")] + common,
            os.path.join(d, "zebra.stdout"))
        self.procs.append(zebra)
        wait_until(lambda: self._alive() and os.path.exists(os.path.join(d, "zserv.api")),
                   15, "zebra socket")
        argv = [os.path.join(FRR_DIR, "bgpd"), "-f", os.path.join(d, "bgpd.conf"),
                "-i", os.path.join(d, "bgpd.pid"),
                "--log", "file:" + os.path.join(d, "bgpd.log"), "-S"] + common
        if not self.fib:
            argv.append("-n")
        self.procs.append(self.topo.dut.popen(argv, os.path.join(d, "bgpd.stdout")))
        wait_until(lambda: self._alive() and os.path.exists(os.path.join(d, "bgpd.vty")),
                   15, "bgpd vty")
        return self

    def _alive(self):
        for p in self.procs:
            if p.poll() is not None:
                raise RuntimeError("FRR process %d exited with %s (see %s)"
                                   % (p.pid, p.returncode, self.dir))
        return True

    def route_attrs(self, prefix):
        """LOCAL_PREF and communities of the best path (policy check)."""
        out = self.topo.dut.run([VTYSH, "--vty_socket", self.dir, "-c",
                                 "show bgp ipv4 unicast %s json" % prefix], timeout=30).stdout
        paths = json.loads(out).get("paths") or []
        best = next((p for p in paths if (p.get("bestpath") or {}).get("overall")), paths[0])
        return {"local_pref": best.get("locPrf"),
                "communities": (best.get("community") or {}).get("string", "").split()}

    def fiback_config(self):
        """Whether the running bgpd has `bgp suppress-fib-pending` (FRR
        skips a configuration line it does not know and runs on)."""
        out = self.topo.dut.run([VTYSH, "--vty_socket", self.dir, "-c", "show running-config"],
                                timeout=30).stdout
        if "router bgp" not in out:
            raise RuntimeError("no running configuration from vtysh")
        return any(line.strip() == "bgp suppress-fib-pending" for line in out.splitlines())

    def pids(self):
        return [p.pid for p in self.procs]

    def stop(self):
        for p in reversed(self.procs):
            netns.stop_process(p, timeout=20)

    @staticmethod
    def version():
        try:
            out = subprocess.run([os.path.join(FRR_DIR, "bgpd"), "-v"], capture_output=True,
                                 text=True, timeout=10).stdout
            return out.splitlines()[0].strip()
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"


# -- BIRD --------------------------------------------------------------
BIRD = os.environ.get("BIRD", "bird")
BIRDC = os.environ.get("BIRDC", "birdc")


class BirdDut:
    """BIRD 2. FIB off: no kernel protocol. FIB on: kernel protocols per
    family exporting everything, `merge paths on limit 64` (ECMP). Its BGP
    sessions are single-hop, so `check link` is on (BIRD's default): a
    link losing carrier shuts the session over it down at once."""
    name = "bird"
    AGGREGATES = False          # no BGP aggregation in BIRD 2.0.12
    FIB_ACK = False             # nothing like FIB-acknowledged advertisement

    def __init__(self, topo, workdir, fib, families, policy=None, aggregates=None,
                 fib_ack=None):
        if aggregates:
            raise RuntimeError("BIRD 2.0.12 has no BGP aggregation")
        if fib_ack:
            raise RuntimeError("BIRD 2.0.12 has no FIB-acknowledged advertisement")
        self.topo, self.fib, self.families = topo, fib, families
        self.policy = policy
        self.dir = os.path.join(workdir, "bird")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = []

    def config(self):
        L = ["router id 10.255.0.1;", "log stderr { warning, error, fatal };",
             "protocol device { scan time 60; }"]
        imp, exp = "all", "all"
        if self.policy:
            filters, f_in, f_out = pol.bird(chains(self.policy))
            L += filters
            imp = "filter " + f_in if f_in else imp
            exp = "filter " + f_out if f_out else exp
        for afi in _afis(self.families):
            k = afi[-1]
            if self.fib:
                L.append("protocol kernel kernel%s { %s { import none; export all; }; "
                         "merge paths on limit 64; }" % (k, afi))
            L.append("template bgp feed%s { local as %d; neighbor as %d; passive on; "
                     "hold time %d; keepalive time %d; %s { import %s; export none; }; }"
                     % (k, DUT_AS, FEED_AS, HOLD, KEEPALIVE, afi, imp))
            for i in range(self.topo.feeders):
                a = self.topo.feed_addrs(i)
                L.append("protocol bgp f%d_%s from feed%s { local %s; neighbor %s; }"
                         % (i, k, k, a["dut" + k], a["feed" + k]))
            s = Topology.SINK
            L.append("protocol bgp sink_%s { local %s as %d; neighbor %s as %d; passive on; "
                     "hold time %d; keepalive time %d; %s { import none; export %s; }; }"
                     % (k, s["dut" + k], DUT_AS, s["sink" + k], SINK_AS, HOLD, KEEPALIVE, afi,
                        exp))
        return "\n".join(L) + "\n"

    def start(self):
        conf = os.path.join(self.dir, "bird.conf")
        with open(conf, "w") as f:
            f.write(self.config())
        sock = os.path.join(self.dir, "bird.ctl")
        self.procs.append(self.topo.dut.popen(
            [BIRD, "-f", "-c", conf, "-s", sock, "-P", os.path.join(self.dir, "bird.pid")],
            os.path.join(self.dir, "bird.log")))
        wait_until(lambda: self._alive() and os.path.exists(sock), 15, "BIRD control socket")
        return self

    def _alive(self):
        p = self.procs[0]
        if p.poll() is not None:
            raise RuntimeError("bird exited with %s (see %s/bird.log)" % (p.returncode, self.dir))
        return True

    def route_attrs(self, prefix):
        """LOCAL_PREF and communities of the primary route (policy check)."""
        out = self.topo.dut.run([BIRDC, "-s", os.path.join(self.dir, "bird.ctl"),
                                 "show route %s all" % prefix], timeout=30).stdout
        res = {}
        for line in out.splitlines():
            key, _, val = line.strip().partition(": ")
            if key == "BGP.local_pref" and "local_pref" not in res:
                res["local_pref"] = int(val)
            elif key == "BGP.community" and "communities" not in res:
                res["communities"] = [c.strip("()").replace(",", ":") for c in val.split()]
        return res

    def pids(self):
        return [p.pid for p in self.procs]

    def stop(self):
        for p in self.procs:
            netns.stop_process(p, timeout=20)

    @staticmethod
    def version():
        try:
            res = subprocess.run([BIRD, "--version"], capture_output=True, text=True, timeout=10)
            return (res.stdout + res.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"


# -- closbgpd ----------------------------------------------------------
# bench.py --callgrind: closbgpd runs under valgrind's callgrind, counting
# instructions only inside its event loop (ev_run: sessions, routes and
# export, not the start-up's configuration load), written to
# callgrind.out in its directory when it stops. About 30x slower: for
# counting work, not for timing.
CALLGRIND = {"on": False}


def callgrind_instructions(path):
    """The total instructions of a callgrind output file, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("totals:") or line.startswith("summary:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def closbgpd_binary():
    b = os.environ.get("CLOSBGP_BUILD") or os.path.join(REPO, "build")
    return os.path.join(os.path.abspath(b), "bgpd", "closbgpd")


class ClosDut:
    """closbgpd -c CONFIG.json [-n]; -n (--no-fib) for FIB off; policy
    "nocache": CLOSBGPD_POLICY_CACHE=0 in its environment; fib_ack
    True/False: the fib-acknowledgement leaf set explicitly."""
    name = "closbgpd"
    AGGREGATES = True
    FIB_ACK = True              # fib-acknowledgement (default true)

    def __init__(self, topo, workdir, fib, families, policy=None, aggregates=None,
                 fib_ack=None):
        self.topo, self.fib, self.families = topo, fib, families
        self.policy = policy
        self.aggregates = aggregates or []
        self.fib_ack = fib_ack
        self.dir = os.path.join(workdir, "closbgpd")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = []

    def config(self):
        groups, neighbors = [], []
        bgp = {"router-id": "10.255.0.1", "local-as": DUT_AS,
               "timers": {"hold-time": HOLD, "keepalive": KEEPALIVE, "connect-retry": 1}}
        if self.fib_ack is not None:
            bgp["fib-acknowledgement"] = bool(self.fib_ack)
        p_in = p_out = None
        if self.policy:
            p_in, p_out = pol.closbgpd(bgp, per_path=self.policy == "perpath",
                                       chains=chains(self.policy))
        if self.aggregates:
            bgp.setdefault("route-type", [{"name": k, "community": v}
                                          for k, v in pol.ROUTE_TYPES.items()])
            bgp["aggregate"] = [{"prefix": p, "min-more-specifics": m,
                                 "contributor-route-type": "rack_prefix",
                                 "route-type": ["pod_aggregate"]} for p, m in self.aggregates]
        for afi in _afis(self.families):
            k = afi[-1]
            fam = [afi + "-unicast"]
            groups.append({"name": "feed" + k, "remote-as": FEED_AS, "passive": True,
                           "address-family": fam})
            groups.append({"name": "sink" + k, "remote-as": SINK_AS, "passive": True,
                           "address-family": fam})
            if p_in:
                groups[-2]["policy"] = {"import": [p_in]}
            if p_out:
                groups[-1]["policy"] = {"export": [p_out]}
            for i in range(self.topo.feeders):
                neighbors.append({"address": self.topo.feed_addrs(i)["feed" + k],
                                  "peer-group": "feed" + k})
            neighbors.append({"address": Topology.SINK["sink" + k], "peer-group": "sink" + k})
        bgp["peer-group"], bgp["neighbor"] = groups, neighbors
        return {"closbgp-device:bgp": bgp}

    def start(self):
        binary = closbgpd_binary()
        if not os.access(binary, os.X_OK):
            raise RuntimeError("closbgpd not built: %s (set CLOSBGP_BUILD)" % binary)
        conf = os.path.join(self.dir, "closbgpd.json")
        with open(conf, "w") as f:
            json.dump(self.config(), f, indent=1)
        argv = [binary, "-c", conf, "-s", os.path.join(self.dir, "closbgpd.sock"),
                "--log-level", "notice"]
        if not self.fib:
            argv.append("-n")
        if CALLGRIND["on"]:
            argv = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                    "--toggle-collect=ev_run",
                    "--callgrind-out-file=" + os.path.join(self.dir, "callgrind.out")] + argv
        env = None
        if self.policy == "nocache":       # bgpd/route.c: route_init
            env = dict(os.environ, CLOSBGPD_POLICY_CACHE="0")
        self.procs.append(self.topo.dut.popen(argv, os.path.join(self.dir, "closbgpd.log"),
                                              env=env))
        wait_until(self._alive_listening, 15, "closbgpd listening")
        return self

    def _alive_listening(self):
        p = self.procs[0]
        if p.poll() is not None:
            raise RuntimeError("closbgpd exited with %s (see %s/closbgpd.log)"
                               % (p.returncode, self.dir))
        out = self.topo.dut.run(["ss", "-Hltn", "sport = :179"], check=False).stdout
        return bool(out.strip())

    def pids(self):
        return [p.pid for p in self.procs]

    def instructions(self):
        """--callgrind, after stop: instructions in the event loop."""
        return callgrind_instructions(os.path.join(self.dir, "callgrind.out"))

    def _closctl(self, *args):
        ctl = os.path.join(os.path.dirname(os.path.dirname(closbgpd_binary())), "tools", "closctl")
        out = self.topo.dut.run([ctl, "-s", os.path.join(self.dir, "closbgpd.sock"), "--json"]
                                + list(args), timeout=30).stdout
        return json.loads(out)

    def route_attrs(self, prefix):
        """LOCAL_PREF and communities of the best path (policy check)."""
        routes = self._closctl("show", "routes", prefix)
        if isinstance(routes, dict):
            routes = routes.get("routes", [])
        best = next((r for r in routes if r.get("best")), routes[0])
        return {"local_pref": best.get("local_pref"), "communities": best.get("communities", [])}

    def fib_stats(self):
        """The FIB's counters (closctl show summary): messages, failovers, ..."""
        return self._closctl("show", "summary").get("fib") or {}

    def policy_stats(self):
        """Result cache counters and evaluations per policy (closctl show policy)."""
        p = self._closctl("show", "policy")
        c = p.get("cache", {})
        out = {"cache_%s" % k: c.get(k) for k in ("hits", "misses", "bypass", "entries")}
        for pp in p.get("policies", []):
            out["evaluations_" + pp["name"]] = pp.get("evaluations")
        return out

    def stop(self):
        for p in self.procs:
            netns.stop_process(p, timeout=20)

    @staticmethod
    def version():
        b = closbgpd_binary()
        try:
            res = subprocess.run([b, "-V"], capture_output=True, text=True, timeout=10)
            return res.stdout.strip() + " (%s)" % b
        except (OSError, subprocess.SubprocessError):
            return "not built (%s)" % b


DUTS = {"frr": FrrDut, "bird": BirdDut, "closbgpd": ClosDut}
