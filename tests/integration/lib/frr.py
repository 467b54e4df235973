"""FRR bgpd inside a namespace, without zebra.

FRR 8.4's bgpd runs stand-alone with -Z (no zebra): `network` statements
need `no bgp network import-check`, and next hops of directly connected eBGP
peers are valid. Each node gets a private directory holding its config,
pid file, vty socket and log; `vtysh --vty_socket DIR` reaches it from
anywhere (a unix socket is not bound to a network namespace). -S skips the
switch to user frr, so the private directory can stay owned by root.
"""
import json
import os

from . import netns
from .poll import wait_until

BGPD = os.environ.get("FRR_BGPD", "/usr/lib/frr/bgpd")
VTYSH = os.environ.get("FRR_VTYSH", "vtysh")


class FrrError(RuntimeError):
    pass


class Frr:
    """One FRR bgpd. `config` is the text of bgpd.conf."""

    def __init__(self, ns, workdir, config, name=None):
        self.ns = ns
        self.name = name or ns.name
        self.dir = os.path.join(workdir, "frr-" + self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "bgpd.conf")
        self.pidfile = os.path.join(self.dir, "bgpd.pid")
        self.log = os.path.join(self.dir, "bgpd.log")
        self.stdout = os.path.join(self.dir, "bgpd.stdout")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write(config)

    def logs(self):
        return [self.log, self.stdout, self.conf]

    def start(self, timeout=20):
        argv = [BGPD, "-Z", "-S", "-f", self.conf, "-i", self.pidfile,
                "--vty_socket", self.dir, "-z", os.path.join(self.dir, "zserv.api"),
                "-P", "0", "--log", "file:" + self.log, "--log-level", "debug"]
        self.proc = self.ns.popen(argv, self.stdout)
        wait_until(lambda: self._ready(), timeout, "FRR %s vty up" % self.name)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise FrrError("bgpd %s exited with %s (see %s)"
                           % (self.name, self.proc.returncode, self.stdout))
        if not os.path.exists(os.path.join(self.dir, "bgpd.vty")):
            return False
        return "bgp" in self.vtysh("show running-config", check=False)

    def stop(self):
        return netns.stop_process(self.proc)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def vtysh(self, *cmds, check=True, timeout=30):
        argv = [VTYSH, "--vty_socket", self.dir]
        for c in cmds:
            argv += ["-c", c]
        res = netns._run(argv, timeout=timeout, check=False)
        if check and res.returncode != 0:
            raise FrrError("vtysh %s: exit %d: %s" % (cmds, res.returncode,
                                                       (res.stderr + res.stdout).strip()))
        return res.stdout

    def json(self, cmd):
        out = self.vtysh(cmd)
        try:
            return json.loads(out) if out.strip() else {}
        except ValueError as exc:
            raise FrrError("vtysh %r: not JSON: %s" % (cmd, out[:300])) from exc

    def configure(self, *lines, asn=None):
        """Apply config lines (optionally under `router bgp ASN`)."""
        cmds = ["configure terminal"]
        if asn is not None:
            cmds.append("router bgp %d" % asn)
        cmds += list(lines)
        return self.vtysh(*cmds)

    # -- state helpers -------------------------------------------------
    def summary(self, afi="ipv4"):
        """`show bgp AFI unicast summary json` (peers, pfxRcd, tableVersion)."""
        return self.json("show bgp %s unicast summary json" % afi)

    def local_routes_loaded(self, count, afi="ipv4"):
        """True once the BGP table has processed `count` routes (used to wait
        for thousands of `network` statements to be loaded)."""
        return self.summary(afi).get("tableVersion", 0) >= count

    def peer_state(self, addr):
        """bgpState of one neighbour ('' if unknown)."""
        n = self.neighbor(addr)
        return n.get("bgpState", "") if n else ""

    def neighbor(self, addr):
        return self.json("show bgp neighbors %s json" % addr).get(addr, {})

    def routes(self, afi="ipv4"):
        """{prefix: [paths]} of `show bgp AFI unicast json`."""
        return self.json("show bgp %s unicast json" % afi).get("routes", {})

    def route(self, prefix, afi="ipv4"):
        """Detail JSON of one prefix, {} if absent."""
        return self.json("show bgp %s unicast %s json" % (afi, prefix))

    def wait_established(self, addr, timeout=30):
        return wait_until(lambda: self.peer_state(addr) == "Established", timeout,
                          "FRR %s: neighbour %s Established" % (self.name, addr))


def bgp_config(asn, router_id, neighbors=(), networks=(), networks6=(),
               extra=(), hold=9, keepalive=3, log=True):
    """Build a bgpd.conf.

    neighbors: dicts with address, remote_as, and optionally ttl_security
    (default True: `ttl-security hops 1`, the peer of closbgpd's GTSM),
    afi ("ipv4"|"ipv6"), timers (keepalive, hold), local_only_out (send only
    locally originated routes), extra (lines).
    networks: list of (prefix, route-map-name or None).
    """
    lines = ["frr defaults traditional", "hostname %s" % router_id,
             "no service integrated-vtysh-config"]
    if log:
        lines.append("debug bgp neighbor-events")
    if any(n.get("local_only_out") for n in neighbors):
        lines.append("bgp as-path access-list LOCAL-ONLY seq 5 permit ^$")
    lines += ["!", "router bgp %d" % asn, " bgp router-id %s" % router_id,
              " no bgp ebgp-requires-policy", " no bgp network import-check",
              " no bgp default ipv4-unicast"]
    lines += [" " + e for e in extra]
    for n in neighbors:
        a = n["address"]
        lines.append(" neighbor %s remote-as %s" % (a, n["remote_as"]))
        if n.get("ttl_security", True):
            lines.append(" neighbor %s ttl-security hops 1" % a)
        lines.append(" neighbor %s timers %d %d" % (a, n.get("keepalive", keepalive),
                                                    n.get("hold", hold)))
        lines.append(" neighbor %s timers connect %d" % (a, n.get("connect", 2)))
        if n.get("local_only_out"):
            # advertise only what this router originates: FRR otherwise sends
            # a peer's own routes back to it (the receiver drops them as loops)
            lines.append(" neighbor %s filter-list LOCAL-ONLY out" % a)
        for e in n.get("extra", ()):
            lines.append(" neighbor %s %s" % (a, e))
    for afi, nets in (("ipv4", networks), ("ipv6", networks6)):
        act = [n for n in neighbors if n.get("afi", "ipv6" if ":" in n["address"] else "ipv4") == afi]
        if not act and not nets:
            continue
        lines.append(" address-family %s unicast" % afi)
        for n in act:
            lines.append("  neighbor %s activate" % n["address"])
        for prefix, rmap in nets:
            lines.append("  network %s%s" % (prefix, " route-map " + rmap if rmap else ""))
        lines.append(" exit-address-family")
    lines.append("!")
    return "\n".join(lines) + "\n"


def route_map(name, community=None, large_community=None, med=None):
    lines = ["route-map %s permit 10" % name]
    if community:
        lines.append(" set community %s" % community)
    if large_community:
        lines.append(" set large-community %s" % large_community)
    if med is not None:
        lines.append(" set metric %d" % med)
    return "\n".join(lines) + "\n!\n"
