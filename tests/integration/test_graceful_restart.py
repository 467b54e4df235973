"""Graceful restart, helper side (RFC 4724 4.2): closbgpd (kernel FIB on)
keeps the paths of a restarting FRR.

    frr (65001, bgp graceful-restart, preserve-fw-state) --link1-- closbgpd (65000)

- FRR's bgpd is killed (SIGKILL by the PID in its pid file: its sockets
  close, no NOTIFICATION): closbgpd keeps every path, marked stale in
  `closctl --json show routes`, the kernel routes stay on the same nexthop
  the whole time, `show peers` tells the restart; FRR comes back without one
  of its prefixes: the paths it sends again are fresh, the missing one goes
  at its End-of-RIB (kernel route too).
- FRR stays down past its restart time: the stale paths and kernel routes go.
- A NOTIFICATION (`clear bgp *`: Cease) and a shutdown: the paths go at once.
- FRR without `bgp graceful-restart` (helper only: no families in its
  capability): nothing is kept.
"""
import os
import re
import signal
import time

import pytest

from lib import addr, closbgp, frr, report
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65000, 65001
L1 = addr.link(1)
V4 = addr.v4_prefixes(5, first_octet=100, second_octet=70)
V6 = ["2001:db8:%x::/48" % (0x700 + i) for i in range(2)]
RTPROT = 210


def frr_conf(v4=V4, v6=V6, gr=True, restart_time=60, extra=()):
    lines = list(extra)
    if gr:
        lines += ["bgp graceful-restart", "bgp graceful-restart preserve-fw-state",
                  "bgp graceful-restart restart-time %d" % restart_time,
                  "bgp graceful-restart select-defer-time 5"]
    return frr.bgp_config(FRR_AS, "10.0.0.11", neighbors=[
        {"address": L1.a4, "remote_as": CLOS_AS},
        {"address": L1.a6, "remote_as": CLOS_AS, "afi": "ipv6"}],
        networks=[(p, None) for p in v4], networks6=[(p, None) for p in v6], extra=lines)


def build(topo_factory, name, **kw):
    t = topo_factory(name)  # short: the vty socket path must fit sun_path
    c_ns, f_ns = t.add_node("clos"), t.add_node("frr")
    t.add_link(c_ns, f_ns, v4=L1.v4, v6=L1.v6, if_a="up1", if_b="clos")
    f = t.frr(f_ns, frr_conf(**kw))
    cfg = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L1.b4, FRR_AS), closbgp.neighbor(L1.b6, FRR_AS)])
    c = t._daemon(closbgp.FibClosbgpd(c_ns, t.dir, cfg), True)
    c.wait_established(L1.b4, 60)
    c.wait_established(L1.b6, 60)
    wait_until(lambda: set(kernel_routes(c_ns, "-4")) == set(V4) and
               set(kernel_routes(c_ns, "-6")) == set(V6), 60, "every prefix in the kernel")
    return t, c, f, c_ns


def kernel_routes(ns, family="-4"):
    """{prefix: nhid} of closbgpd's routes in ns."""
    out = ns.run(["ip", family, "-o", "route", "show", "proto", str(RTPROT)]).stdout
    return {m.group(1): int(m.group(2)) for m in
            (re.match(r"(\S+) nhid (\d+)", l) for l in out.splitlines()) if m}


def all_kernel_routes(ns):
    r = kernel_routes(ns, "-4")
    r.update(kernel_routes(ns, "-6"))
    return r


def kill_bgpd(f):
    """SIGKILL FRR's bgpd by the PID of its pid file (never by name)."""
    with open(f.pidfile) as fh:
        pid = int(fh.read().split()[0])
    assert pid == f.proc.pid, (pid, f.proc.pid)
    os.kill(pid, signal.SIGKILL)
    f.proc.wait(timeout=10)


def restart_bgpd(f, config):
    with open(f.conf, "w") as fh:
        fh.write(config)
    vty = os.path.join(f.dir, "bgpd.vty")
    if os.path.exists(vty):
        os.unlink(vty)  # the dead one's socket: _ready waits for the new one
    f.start()


def paths(c):
    """{prefix: route} of the Loc-RIB (one upstream: one path each)."""
    return {r["prefix"]: r for r in c.routes()}


def stale_marks(c):
    return {p: r["stale"] for p, r in paths(c).items()}


def gr_state(c, peer):
    return c.peer(peer)["graceful_restart"]


def test_killed_bgpd_paths_kept_stale_then_refreshed(topo_factory):
    t, c, f, ns = build(topo_factory, "gr-kill")
    before = all_kernel_routes(ns)
    assert set(before) == set(V4) | set(V6)
    for peer, fam in ((L1.b4, "ipv4-unicast"), (L1.b6, "ipv6-unicast")):
        g = gr_state(c, peer)  # FRR lists the session's own family
        assert g["peer_capable"] and g["restart_time"] == 60 and g["helper"], g
        assert g["families"] == [fam], g
        assert g["forwarding"] == [fam], g  # preserve-fw-state: the F bit
    assert not any(stale_marks(c).values())

    kill_bgpd(f)
    start = time.time()
    wait_until(lambda: all(stale_marks(c).get(p) for p in V4 + V6), 20,
               "closbgpd marks every path stale")
    rs = c.routes()
    assert all(r["valid"] and r["best"] and r["multipath"] for r in rs), rs
    for peer, fam in ((L1.b4, V4), (L1.b6, V6)):
        g = gr_state(c, peer)
        assert c.peer_state(peer) != "Established"
        assert g["state"] == "restarting" and g["stale_paths"] == len(fam), g
        assert 0 < g["timer_left"] <= 60 and g["restarts"] == 1, g
    text = c.ctl("show", "routes").stdout
    assert re.search(r"^S>\s+%s " % re.escape(V4[0]), text, re.M), text
    # The kernel keeps every route on the same nexthop while FRR is down.
    for _ in range(10):
        assert all_kernel_routes(ns) == before
        time.sleep(0.3)
    assert "keeping its %d paths stale (IPv4)" % len(V4) in c.log_text()
    assert "keeping its %d paths stale (IPv6)" % len(V6) in c.log_text()

    # FRR comes back without V4[-1]: the rest is refreshed, V4[-1] goes at
    # its End-of-RIB.
    restart_bgpd(f, frr_conf(v4=V4[:-1]))
    c.wait_established(L1.b4, 60)
    gone = wait_until(lambda: V4[-1] not in paths(c) and V4[-1] not in all_kernel_routes(ns),
                      60, "%s removed at FRR's End-of-RIB" % V4[-1])
    report.note("graceful restart: FRR bgpd killed and back in %.1f s, paths kept stale, "
                "kernel routes untouched" % (time.time() - start))
    wait_until(lambda: stale_marks(c) == {p: False for p in V4[:-1] + V6}, 60,
               "every path FRR sent again is fresh")
    after = all_kernel_routes(ns)
    assert set(after) == set(V4[:-1]) | set(V6), after
    assert all(after[p] == before[p] for p in after), (before, after)
    wait_until(lambda: gr_state(c, L1.b6)["state"] == "" and gr_state(c, L1.b4)["state"] == "",
               30, "graceful restart over on both sessions")
    g = gr_state(c, L1.b4)
    assert g["stale_paths"] == 0 and g["timer_left"] == 0 and g["restarts"] == 1, g
    assert "End-of-RIB for IPv4: graceful restart done, 1 stale paths removed" in c.log_text()
    assert gone


def test_restart_time_expires(topo_factory):
    t, c, f, ns = build(topo_factory, "gr-expire", restart_time=6)
    kill_bgpd(f)
    start = time.time()
    wait_until(lambda: all(stale_marks(c).get(p) for p in V4 + V6), 20, "stale paths")
    assert set(all_kernel_routes(ns)) == set(V4) | set(V6)
    wait_until(lambda: not paths(c), 30, "stale paths removed after FRR's restart time")
    took = time.time() - start
    assert 4 <= took <= 20, took
    wait_until(lambda: not all_kernel_routes(ns), 10, "kernel routes gone")
    assert "graceful restart ended (its restart time expired before it came back)" \
        in c.log_text()
    assert gr_state(c, L1.b4)["state"] == ""
    report.note("graceful restart: FRR down past its 6 s restart time, paths removed "
                "after %.1f s" % took)


def test_notification_ends_paths_at_once(topo_factory):
    t, c, f, ns = build(topo_factory, "gr-notify")
    n = c.log_text().count("withdrew %d prefixes learned from it" % len(V4))
    f.vtysh("clear bgp *")  # Cease/Administrative Reset to closbgpd
    wait_until(lambda: c.log_text().count("withdrew %d prefixes learned from it" % len(V4)) > n,
               30, "closbgpd withdrew FRR's IPv4 paths on the Cease")
    log = c.log_text()
    assert "received NOTIFICATION 6/4" in log
    assert "keeping its" not in log  # nothing kept stale
    c.wait_established(L1.b4, 60)
    wait_until(lambda: set(paths(c)) == set(V4) | set(V6) and not any(stale_marks(c).values()),
               60, "paths back, fresh")
    # A shutdown (Cease/Administrative Shutdown) keeps FRR away: gone at once.
    f.configure("neighbor %s shutdown" % L1.a4, asn=FRR_AS)
    start = time.time()
    wait_until(lambda: not any(p in paths(c) for p in V4), 10, "IPv4 paths gone")
    wait_until(lambda: not set(V4) & set(kernel_routes(ns)), 10, "IPv4 kernel routes gone")
    assert time.time() - start < 10
    assert gr_state(c, L1.b4)["stale_paths"] == 0


def test_helper_only_peer_keeps_nothing(topo_factory):
    """FRR's default GR mode is helper: its capability lists no family."""
    t, c, f, ns = build(topo_factory, "gr-helper", gr=False)
    g = gr_state(c, L1.b4)
    assert g["peer_capable"] and g["families"] == [], g
    kill_bgpd(f)
    wait_until(lambda: not paths(c), 20, "paths removed at once")
    wait_until(lambda: not all_kernel_routes(ns), 10, "kernel routes gone")
    assert "keeping its" not in c.log_text()
