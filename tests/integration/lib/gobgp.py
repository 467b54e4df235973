"""GoBGP inside a namespace: gobgpd -f CONF.toml --api-hosts 127.0.0.1:PORT.

The namespace's loopback is private, so every node can use the same API port.
"""
import json
import os

from . import netns
from .poll import wait_until

GOBGPD = os.environ.get("GOBGPD", "gobgpd")
GOBGP = os.environ.get("GOBGP", "gobgp")
API_PORT = 50051


class GobgpError(RuntimeError):
    pass


class Gobgp:
    def __init__(self, ns, workdir, config, name=None):
        self.ns = ns
        self.name = name or ns.name
        self.dir = os.path.join(workdir, "gobgp-" + self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "gobgpd.toml")
        self.stdout = os.path.join(self.dir, "gobgpd.log")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write(config)

    def logs(self):
        return [self.stdout, self.conf]

    def start(self, timeout=20):
        self.proc = self.ns.popen([GOBGPD, "-f", self.conf, "-p", "--pprof-disable",
                                   "--api-hosts", "127.0.0.1:%d" % API_PORT], self.stdout)
        wait_until(self._ready, timeout, "GoBGP %s API" % self.name)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise GobgpError("gobgpd %s exited with %s (see %s)"
                             % (self.name, self.proc.returncode, self.stdout))
        return self.gobgp("global", check=False).returncode == 0

    def stop(self):
        return netns.stop_process(self.proc)

    def gobgp(self, *args, check=True):
        res = self.ns.run([GOBGP, "-u", "127.0.0.1", "-p", str(API_PORT)] + list(args),
                          check=False, timeout=15)
        if check and res.returncode != 0:
            raise GobgpError("gobgp %s: %s" % (" ".join(args), (res.stderr + res.stdout).strip()))
        return res

    def json(self, *args):
        out = self.gobgp("-j", *args).stdout
        return json.loads(out) if out.strip() else None

    def neighbor(self, addr):
        return self.json("neighbor", addr) or {}

    def peer_state(self, addr):
        try:
            return self.neighbor(addr).get("state", {}).get("session_state", "")
        except GobgpError:
            return ""

    def wait_established(self, addr, timeout=30):
        # gobgp's JSON session_state is a number (6) or a string, by version
        return wait_until(lambda: str(self.peer_state(addr)).upper() in ("6", "ESTABLISHED"),
                          timeout, "GoBGP %s: neighbour %s Established" % (self.name, addr))

    def rib(self, afi="ipv4"):
        """{prefix: [paths]} of `gobgp global rib -a AFI`."""
        return self.json("global", "rib", "-a", afi) or {}

    def add_route(self, prefix, *attrs, afi="ipv4"):
        self.gobgp("global", "rib", "add", prefix, *attrs, "-a", afi)


def config(asn, router_id, neighbors=(), hold=9, keepalive=3):
    """neighbors: dicts with address, remote_as, optional ttl_security (True:
    send TTL 255 and require >= 255, GTSM, RFC 5082) and afi list."""
    out = ['[global.config]', '  as = %d' % asn, '  router-id = "%s"' % router_id, '']
    for n in neighbors:
        out += ['[[neighbors]]', '  [neighbors.config]',
                '    neighbor-address = "%s"' % n["address"],
                '    peer-as = %d' % n["remote_as"],
                '  [neighbors.timers.config]',
                '    hold-time = %d' % n.get("hold", hold),
                '    keepalive-interval = %d' % n.get("keepalive", keepalive),
                '    connect-retry = %d' % n.get("connect", 2)]
        if n.get("ttl_security", True):
            out += ['  [neighbors.ttl-security.config]', '    enabled = true',
                    '    ttl-min = 255']
        for afi in n.get("afi", ["ipv6-unicast" if ":" in n["address"] else "ipv4-unicast"]):
            out += ['  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]',
                    '      afi-safi-name = "%s"' % afi]
        out.append('')
    return "\n".join(out) + "\n"
