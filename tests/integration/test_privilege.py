"""Least privilege (docs/security.md): closbgpd -u nobody with the kernel FIB.

    frr FRR (65002) --link1-- closbgpd (65001, -u nobody, kernel FIB on)

- After start-up the daemon runs as nobody (every uid), with exactly
  CAP_NET_ADMIN and CAP_NET_BIND_SERVICE effective, permitted and in its
  bounding set (CAP_NET_RAW too on a kernel older than 5.7); the control
  socket belongs to nobody, group nogroup (control/socket-group), mode 0660.
- The sessions with FRR come up (GTSM on, so IP_MINTTL works unprivileged)
  and FRR's routes reach the kernel (CAP_NET_ADMIN kept).
- SIGHUP reloads the configuration: a new network is announced to FRR, and
  a new listen list re-binds port 179 (CAP_NET_BIND_SERVICE kept).
- closctl as another user in the socket's group may `show summary` but not
  `drain` ("permission denied: drain needs the admin group", exit 1); a
  member of the admin group (supplementary) may drain; a user outside the
  group cannot connect at all. No user is created: setpriv runs closctl
  with uids and groups that need no passwd entry.
- -u with a user that does not exist: exit 1, with the reason, before any
  session.
"""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
L1 = addr.link(1)
FRR_V4 = ["198.51.100.0/24", "198.51.101.0/24"]
FRR_V6 = ["2001:db8:f::/48"]
CLOS_NET = "192.0.2.0/24"
RTPROT = 210
USER, GROUP = "nobody", "nogroup"
ADMIN_GROUP = "adm"
SHOW_UID, ADMIN_UID, OUTSIDER_UID = 4242, 4243, 4244   # no passwd entry needed
CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_NET_ADMIN = 10, 13, 12


def kernel_older_than(major, minor):
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(m.group(1)), int(m.group(2))) < (major, minor)


WANT_CAPS = (1 << CAP_NET_ADMIN) | (1 << CAP_NET_BIND_SERVICE) | \
    ((1 << CAP_NET_RAW) if kernel_older_than(5, 7) else 0)


class PrivClosbgpd(closbgp.FibClosbgpd):
    """closbgpd -u nobody; its configuration and socket in a directory that
    nobody and the closctl test users can reach (the log stays in logroot)."""

    def __init__(self, ns, workdir, config, pubdir):
        super().__init__(ns, workdir, config)
        self.conf = os.path.join(pubdir, "closbgpd.json")
        self.sock = os.path.join(pubdir, "closbgpd.sock")
        self.write_config(config)

    def logs(self):
        return [self.log]

    def write_config(self, config):
        super().write_config(config)
        os.chmod(self.conf, 0o644)   # read again by nobody on SIGHUP

    def start(self, timeout=15, wait=True):
        self.proc = self.ns.popen([closbgp.binaries()[0], "-c", self.conf, "-s", self.sock,
                                   "-u", USER, "--log-level", self.log_level], self.log)
        if wait:
            wait_until(self._ready, timeout, "closbgpd %s control socket" % self.name)
        return self


def config(networks=(), listen=None):
    cfg = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L1.b4, FRR_AS), closbgp.neighbor(L1.b6, FRR_AS)],
        networks=[{"prefix": p} for p in networks], listen=listen)
    cfg["closbgp-device:bgp"]["control"] = {
        "socket-group": GROUP, "socket-mode": "0660", "admin-group": ADMIN_GROUP}
    return cfg


@pytest.fixture(scope="module")
def pubdir():
    d = tempfile.mkdtemp(prefix="closbgp-priv-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def net(module_topo_factory, pubdir):
    if not closbgp.available():
        return None
    t = module_topo_factory("privilege")
    c_ns, f_ns = t.add_node("clos"), t.add_node("frr")
    t.add_link(c_ns, f_ns, v4=L1.v4, v6=L1.v6, if_a="frr", if_b="clos")
    fr = t.frr(f_ns, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": L1.a4, "remote_as": CLOS_AS},
        {"address": L1.a6, "remote_as": CLOS_AS, "afi": "ipv6"}],
        networks=[(p, None) for p in FRR_V4], networks6=[(p, None) for p in FRR_V6]))
    c = t._daemon(PrivClosbgpd(c_ns, t.dir, config(), pubdir), True)
    return {"t": t, "clos": c, "ns": c_ns, "frr": fr}


def status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def kernel_routes(ns, family):
    out = ns.run(["ip", family, "-o", "route", "show", "proto", str(RTPROT)]).stdout
    return {line.split()[0] for line in out.splitlines()}


def closctl_as(uid, groups, sock, *args):
    """closctl with another uid and gid, and only these supplementary groups."""
    ctl = closbgp.binaries()[1]
    argv = ["setpriv", "--reuid", str(uid), "--regid", str(uid)]
    argv += ["--groups", ",".join(str(g) for g in groups)] if groups else ["--clear-groups"]
    return subprocess.run(argv + [ctl, "-s", sock] + list(args), capture_output=True, text=True,
                          timeout=20)


def gid(name):
    import grp
    return grp.getgrnam(name).gr_gid


def reload_and_wait(c):
    count = c.log_text().count("reloaded ")
    c.reload()
    wait_until(lambda: c.log_text().count("reloaded ") > count, 15, "closbgpd reloaded")


def test_runs_unprivileged(net):
    c = net["clos"]
    st = status(c.proc.pid)
    nobody = str(__import__("pwd").getpwnam(USER).pw_uid)
    assert st["Uid"].split() == [nobody] * 4, st["Uid"]
    assert st["Gid"].split() == [str(gid(GROUP))] * 4, st["Gid"]
    for field in ("CapEff", "CapPrm", "CapBnd"):
        assert int(st[field], 16) == WANT_CAPS, (field, st[field])
    assert int(st["CapInh"], 16) == 0 and int(st["CapAmb"], 16) == 0, st
    assert re.search(r"running as nobody \(uid \d+, gid \d+\), capabilities kept: "
                     r"CAP_NET_ADMIN CAP_NET_BIND_SERVICE", c.log_text()), c.log_tail()
    s = os.stat(c.sock)
    assert s.st_uid == int(nobody) and s.st_gid == gid(GROUP), s
    assert s.st_mode & 0o777 == 0o660, oct(s.st_mode)


def test_sessions_and_kernel_routes(net):
    c, ns = net["clos"], net["ns"]
    c.wait_established(L1.b4, 60)
    c.wait_established(L1.b6, 60)
    wait_until(lambda: kernel_routes(ns, "-4") >= set(FRR_V4), 60,
               "FRR's IPv4 routes in the kernel")
    wait_until(lambda: kernel_routes(ns, "-6") >= set(FRR_V6), 60,
               "FRR's IPv6 routes in the kernel")
    assert c.ctl_json("show", "fib")["stats"]["failed"] == 0


def test_socket_roles(net):
    # Before the reload adds a network of our own: draining a device that
    # originates a prefix without communities trips UBSan in export.c
    # (memcpy from NULL, 0 bytes), a bug of its own.
    c = net["clos"]
    r = closctl_as(SHOW_UID, [gid(GROUP)], c.sock, "show", "summary")
    assert r.returncode == 0, r.stderr
    assert "BGP router identifier 10.0.0.1" in r.stdout, r.stdout
    r = closctl_as(SHOW_UID, [gid(GROUP)], c.sock, "drain")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "permission denied: drain needs the admin group" in r.stderr, r.stderr
    assert c.ctl_json("show", "state")["target"].lower() == "live"
    assert re.search(r"ctl: uid %d refused: drain" % SHOW_UID, c.log_text())
    # Not in the socket's group: the file mode keeps it out.
    r = closctl_as(OUTSIDER_UID, [], c.sock, "show", "summary")
    assert r.returncode != 0 and "Permission denied" in r.stderr, r.stderr
    # In the admin group (supplementary): drain and undrain.
    r = closctl_as(ADMIN_UID, [gid(GROUP), gid(ADMIN_GROUP)], c.sock, "drain")
    assert r.returncode == 0, r.stderr
    assert c.ctl_json("show", "state")["target"].lower() == "drained"
    r = closctl_as(ADMIN_UID, [gid(GROUP), gid(ADMIN_GROUP)], c.sock, "undrain")
    assert r.returncode == 0, r.stderr
    wait_until(lambda: c.ctl_json("show", "state")["state"].lower() == "live", 60,
               "back to live")


def test_reload_network_and_listen(net):
    c, ns, fr = net["clos"], net["ns"], net["frr"]
    c.write_config(config(networks=[CLOS_NET], listen=[{"address": L1.a4}, {"address": L1.a6}]))
    reload_and_wait(c)
    wait_until(lambda: CLOS_NET in fr.routes(), 30, "FRR has %s after the reload" % CLOS_NET)
    # The listeners were re-bound to port 179 as nobody.
    out = ns.run(["ss", "-Hltn", "sport", "= :179"]).stdout
    assert "%s:179" % L1.a4 in out and "[%s]:179" % L1.a6 in out, out
    assert not re.search(r"listen on .*Permission denied", c.log_text()), c.log_tail()
    assert c.peer_state(L1.b4) == "Established"
    assert os.path.exists("/proc/%d" % c.proc.pid)


def test_unknown_user_refused(net, pubdir):
    ns = net["t"].add_node("bad")
    conf = os.path.join(pubdir, "bad.json")
    with open(conf, "w") as f:
        f.write('{"closbgp-device:bgp": {"router-id": "10.0.0.9", "local-as": 65009}}')
    r = ns.run([closbgp.binaries()[0], "-c", conf, "-s", os.path.join(pubdir, "bad.sock"),
                "-u", "no-such-user-closbgp"], check=False)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    out = r.stdout + r.stderr
    assert "-u no-such-user-closbgp: no such user: refusing to start" in out, out
