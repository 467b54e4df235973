"""closbgpd and closctl.

Binaries come from $CLOSBGP_BUILD (a build directory containing
bgpd/closbgpd and tools/closctl), default <repo>/build. If they are missing,
tests that need them fail -- or skip when CLOSBGP_ALLOW_MISSING=1.
"""
import json
import os
import signal
import subprocess

from . import netns
from .poll import wait_until

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


class ClosError(RuntimeError):
    pass


def build_dir():
    return os.path.abspath(os.environ.get("CLOSBGP_BUILD") or os.path.join(REPO, "build"))


def binaries():
    b = build_dir()
    return os.path.join(b, "bgpd", "closbgpd"), os.path.join(b, "tools", "closctl")


def missing_binaries():
    """List of missing binary paths (empty when both are built)."""
    return [p for p in binaries() if not os.access(p, os.X_OK)]


def closctl_run(sock, *args, timeout=10):
    """Run closctl; returns CompletedProcess (no check)."""
    ctl = binaries()[1]
    argv = [ctl] + (["-s", sock] if sock else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def device_config(router_id, local_as, neighbors=(), networks=(), confederation=None,
                  timers=None, listen=None, peer_groups=None):
    """The RFC 7951 JSON config (a dict) of module closbgp-device."""
    bgp = {"router-id": router_id, "local-as": local_as}
    if confederation:
        bgp["confederation"] = confederation
    if listen:
        bgp["listen"] = listen
    if timers:
        bgp["timers"] = timers
    if peer_groups:
        bgp["peer-group"] = list(peer_groups)
    if neighbors:
        bgp["neighbor"] = list(neighbors)
    if networks:
        bgp["network"] = list(networks)
    return {"closbgp-device:bgp": bgp}


def neighbor(address, remote_as, afi=None, hold=9, keepalive=3, **extra):
    n = {"address": address, "remote-as": remote_as,
         "address-family": afi or (["ipv6-unicast"] if ":" in address else ["ipv4-unicast"]),
         "timers": {"hold-time": hold, "keepalive": keepalive}}
    n.update({k.replace("_", "-"): v for k, v in extra.items()})
    return n


class Closbgpd:
    """One closbgpd in a namespace, run with -n (no kernel FIB)."""

    def __init__(self, ns, workdir, config, name=None, log_level="debug"):
        self.ns = ns
        self.name = name or ns.name
        self.dir = os.path.join(workdir, "closbgpd-" + self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "closbgpd.json")
        self.sock = os.path.join(self.dir, "closbgpd.sock")
        self.log = os.path.join(self.dir, "closbgpd.log")
        self.log_level = log_level
        self.proc = None
        self.write_config(config)

    def logs(self):
        return [self.log, self.conf]

    def write_config(self, config):
        """config: a dict (dumped as JSON) or a raw string (for bad configs)."""
        with open(self.conf, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config, indent=2))

    def start(self, timeout=15, wait=True):
        daemon = binaries()[0]
        self.proc = self.ns.popen([daemon, "-c", self.conf, "-s", self.sock, "-n",
                                   "--log-level", self.log_level], self.log)
        if wait:
            wait_until(self._ready, timeout, "closbgpd %s control socket" % self.name)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise ClosError("closbgpd %s exited with %s: %s"
                            % (self.name, self.proc.returncode, self.log_tail()))
        return os.path.exists(self.sock) and self.ctl("show", "summary").returncode == 0

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def reload(self):
        self.signal(signal.SIGHUP)

    def stop(self, timeout=10.0):
        """SIGTERM by PID, wait; returns the exit code."""
        return netns.stop_process(self.proc, timeout=timeout)

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=20):
        return "\n".join(self.log_text().splitlines()[-n:])

    def ctl(self, *args, timeout=30):
        return closctl_run(self.sock, *args, timeout=timeout)

    def ctl_json(self, *args, timeout=30):
        res = self.ctl("--json", *args, timeout=timeout)
        if res.returncode != 0:
            raise ClosError("closctl %s: exit %d: %s" % (" ".join(args), res.returncode,
                                                         res.stderr.strip()))
        return json.loads(res.stdout)

    # -- state helpers -------------------------------------------------
    def summary(self):
        return self.ctl_json("show", "summary")

    def peers(self):
        return {p["address"]: p for p in self.ctl_json("show", "peers")["peers"]}

    def peer(self, addr):
        return self.peers().get(addr, {})

    def peer_state(self, addr):
        return self.peer(addr).get("state", "")

    def routes(self, prefix=None, peer=None):
        """List of route dicts of `closctl --json show routes [PREFIX]`,
        only those learned from `peer` if given."""
        args = ["show", "routes"] + ([prefix] if prefix else [])
        routes = self.ctl_json(*args)["routes"]
        return [r for r in routes if peer is None or r.get("peer") == peer]

    def routes_by_prefix(self, prefix=None, peer=None):
        """{prefix: route}; pass `peer` when several peers send a prefix."""
        return {r["prefix"]: r for r in self.routes(prefix, peer)}

    def wait_established(self, addr, timeout=30):
        return wait_until(lambda: self.peer_state(addr) == "Established", timeout,
                          "closbgpd %s: peer %s Established" % (self.name, addr))


class FibClosbgpd(Closbgpd):
    """closbgpd with the kernel FIB on (no -n)."""

    def start(self, timeout=15, wait=True):
        self.proc = self.ns.popen([binaries()[0], "-c", self.conf, "-s", self.sock,
                                   "--log-level", self.log_level], self.log)
        if wait:
            wait_until(self._ready, timeout, "closbgpd %s control socket" % self.name)
        return self


def available():
    """True when closbgpd and closctl are built (fixtures build nothing
    otherwise; the test itself then fails, see conftest.py)."""
    return not missing_binaries()
