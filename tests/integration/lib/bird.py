"""BIRD 2 inside a namespace: bird -f -c CONF -s SOCK -P PIDFILE; birdc -s SOCK.

birdc has no JSON output, so the few things the tests need (protocol state,
routes with their BGP attributes) are parsed from its text.
"""
import os
import re

from . import netns
from .poll import wait_until

BIRD = os.environ.get("BIRD", "bird")
BIRDC = os.environ.get("BIRDC", "birdc")


class BirdError(RuntimeError):
    pass


class Bird:
    def __init__(self, ns, workdir, config, name=None):
        self.ns = ns
        self.name = name or ns.name
        self.dir = os.path.join(workdir, "bird-" + self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "bird.conf")
        self.sock = os.path.join(self.dir, "bird.ctl")
        self.pidfile = os.path.join(self.dir, "bird.pid")
        self.stdout = os.path.join(self.dir, "bird.log")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write(config)

    def logs(self):
        return [self.stdout, self.conf]

    def start(self, timeout=15):
        self.proc = self.ns.popen([BIRD, "-f", "-c", self.conf, "-s", self.sock,
                                   "-P", self.pidfile], self.stdout)
        wait_until(self._ready, timeout, "BIRD %s control socket" % self.name)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise BirdError("bird %s exited with %s (see %s)"
                            % (self.name, self.proc.returncode, self.stdout))
        return os.path.exists(self.sock) and "ready" in self.birdc("show status", check=False)

    def stop(self):
        return netns.stop_process(self.proc)

    def birdc(self, cmd, check=True):
        res = netns._run([BIRDC, "-s", self.sock] + cmd.split(), check=False)
        if check and res.returncode != 0:
            raise BirdError("birdc %s: %s" % (cmd, (res.stderr + res.stdout).strip()))
        return res.stdout

    def protocol_state(self, proto):
        """The Info column of `show protocols` for one protocol ('' if absent)."""
        for line in self.birdc("show protocols %s" % proto).splitlines():
            cols = line.split(None, 5)
            if cols and cols[0] == proto and len(cols) >= 4:
                return cols[5].strip() if len(cols) > 5 else cols[3]
        return ""

    def wait_established(self, proto, timeout=30):
        return wait_until(lambda: self.protocol_state(proto).startswith("Established"),
                          timeout, "BIRD %s: %s Established" % (self.name, proto))

    def routes(self, table=None, protocol=None):
        """{prefix: {attrs}} from `show route all`; attrs keys are the BGP.*
        names without the prefix (as_path, next_hop, community, ...), plus
        'from' (the protocol)."""
        cmd = "show route all"
        if table:
            cmd += " table " + table
        if protocol:
            cmd += " protocol " + protocol
        return parse_routes(self.birdc(cmd))


_ROUTE_RE = re.compile(r"^(\S+/\d+)\s+\S+\s+\[(\S+)")
_CONT_RE = re.compile(r"^\s+\S+\s+\[(\S+)")


def parse_routes(text):
    routes = {}
    cur = None
    for line in text.splitlines():
        m = _ROUTE_RE.match(line)
        if m:
            cur = routes.setdefault(m.group(1), {"from": m.group(2)})
            continue
        m = _CONT_RE.match(line)
        if m and cur is not None and "BGP." not in line:
            continue  # a second path of the same prefix; the tests use the first
        if cur is None:
            continue
        s = line.strip()
        if s.startswith("BGP.") and ":" in s:
            key, val = s[4:].split(":", 1)
            cur[key.strip()] = val.strip()
        elif s.startswith("via "):
            cur.setdefault("via", s.split()[1])
    return routes
