"""TCP authentication of sessions: TCP-MD5 (RFC 2385) and TCP-AO (RFC 5925).

- closbgpd with passwords against FRR (`neighbor X password Y`, IPv4 with
  the password on the neighbor, IPv6 through a peer group and with FRR
  passive, so closbgpd's own signed connect is what comes up) and against
  BIRD (`password "Y";`): Established on both sides, routes both ways,
  GTSM still on.
- A wrong password, or none, on FRR's side: never Established; the kernels
  drop the segments (their TCPMD5Failure / TCPMD5NotFound / TCPMD5Unexpected
  counters move) and closbgpd logs no warning or error, receives no OPEN.
- A password changed, then removed, by SIGHUP (closbgpd passive, so only
  its listening sockets' keys are in play): the session is reset, does not
  come back while FRR has the old password, comes back when FRR has the new
  one, and comes back unauthenticated once both drop it.
- TCP-AO between two closbgpd, when the kernel has it (a probe setsockopt
  TCP_AO_ADD_KEY; tools/check runs these on Debian's newer kernel under
  qemu, tests/vm/run): Established over IPv4 (HMAC-SHA-1-96) and IPv6
  (AES-128-CMAC-96) with every segment's MAC good and an unsigned connect
  dropped; never Established with a different key or unknown KeyIDs (the
  kernels' TCPAOBad / TCPAOKeyNotFound move); keys changed and then
  removed by SIGHUP as for TCP-MD5.
- When it has not (Linux < 6.7 or no CONFIG_TCP_AO): both refuse the
  neighbour with a log error naming it and the reason, and stay Idle.
"""
import errno
import os
import re
import socket
import struct
import sys
import time

import pytest

from lib import addr, birdconf, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS, BIRD_AS = 65001, 65002, 65003
LF, LB = addr.link(1), addr.link(2)
FRR_PW, BIRD_PW = "frr-md5-secret", "bird md5 secret"
CLOS_NET, FRR_NET, BIRD_NET = "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"
FRR_NET6 = "2001:db8:f::/48"
TCP_AO_ADD_KEY = 38  # linux/tcp.h, Linux >= 6.7

BAD_LOG = re.compile(r"Z (error|warning|crit|alert|emerg) ")


def tcp_ext(ns):
    """The namespace's TcpExt counters (/proc/net/netstat is per netns)."""
    lines = [l.split() for l in ns.run(["cat", "/proc/net/netstat"]).stdout.splitlines()
             if l.startswith("TcpExt:")]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


def stays(fn, seconds, what, interval=0.3):
    """Watch fn() for `seconds`: fail as soon as it is false."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = fn()
        assert value, "%s: no longer true after %.1fs" % (
            what, seconds - (end - time.monotonic()))
        time.sleep(interval)


def not_established(c, peer_addr):
    return c.peer_state(peer_addr) not in ("", "Established")


def reload_and_wait(c):
    """SIGHUP; returns once closbgpd has applied the file."""
    count = c.log_text().count("reloaded ")
    c.reload()
    wait_until(lambda: c.log_text().count("reloaded ") > count, 15, "closbgpd reloaded")


def clean_log(c):
    return [l for l in c.log_text().splitlines() if BAD_LOG.search(l)]


def kernel_tcp_ao():
    """(True, "") when this kernel takes a TCP-AO key, else (False, why)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        ss = struct.pack("=H", socket.AF_INET) + b"\0\0" + socket.inet_aton("10.0.1.2")
        cmd = (ss.ljust(128, b"\0") + b"hmac(sha1)".ljust(64, b"\0")
               + struct.pack("=iIH6B", 0, 0, 0, 32, 1, 2, 12, 0, 3) + b"key".ljust(80, b"\0"))
        assert len(cmd) == 288  # struct tcp_ao_add
        s.setsockopt(socket.IPPROTO_TCP, TCP_AO_ADD_KEY, cmd)
        return True, ""
    except OSError as exc:
        return False, "%s (%s)" % (exc.strerror, errno.errorcode.get(exc.errno, exc.errno))
    finally:
        s.close()


# -- TCP-MD5 against FRR and BIRD ---------------------------------------

@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("tcp-md5")
    a, b, d = t.add_node("clos"), t.add_node("frr"), t.add_node("bird")
    t.add_link(a, b, v4=LF.v4, v6=LF.v6)
    t.add_link(a, d, v4=LB.v4)
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": LF.a4, "remote_as": CLOS_AS, "extra": ["password " + FRR_PW]},
        {"address": LF.a6, "remote_as": CLOS_AS,
         "extra": ["password " + FRR_PW, "passive"]}],
        networks=[(FRR_NET, None)], networks6=[(FRR_NET6, None)]))
    bd = t.bird(d, birdconf.bgp_session(
        "10.0.0.3", LB.b4, BIRD_AS, LB.a4, CLOS_AS, statics=[BIRD_NET], name="clos",
        password=BIRD_PW))
    c = t.closbgpd(a, closbgp.device_config(
        "10.0.0.1", CLOS_AS,
        peer_groups=[{"name": "frr6", "remote-as": FRR_AS, "password": FRR_PW}],
        neighbors=[
            closbgp.neighbor(LF.b4, FRR_AS, password=FRR_PW),
            {"address": LF.b6, "peer-group": "frr6", "address-family": ["ipv6-unicast"],
             "timers": {"hold-time": 9, "keepalive": 3}},
            closbgp.neighbor(LB.b4, BIRD_AS, password=BIRD_PW)],
        networks=[{"prefix": CLOS_NET}, {"prefix": "2001:db8:c::/48"}]))
    return {"clos": c, "frr": f, "bird": bd, "ns": {"clos": a, "frr": b, "bird": d}}


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_md5_frr_established(net, family):
    c, f = net["clos"], net["frr"]
    peer_addr, clos_addr = (LF.b4, LF.a4) if family == "ipv4" else (LF.b6, LF.a6)
    c.wait_established(peer_addr)
    f.wait_established(clos_addr)
    # GTSM is on as well: FRR's ttl-security hops 1 took the session
    assert f.neighbor(clos_addr).get("bgpState") == "Established"
    prefix = FRR_NET if family == "ipv4" else FRR_NET6
    r = wait_until(lambda: c.routes_by_prefix(peer=peer_addr).get(prefix), 30,
                   "closbgpd has FRR's %s" % prefix)
    assert r["as_path"] == str(FRR_AS)
    mine = CLOS_NET if family == "ipv4" else "2001:db8:c::/48"
    wait_until(lambda: f.routes(family).get(mine), 30, "FRR has %s" % mine)


def test_md5_bird_established(net):
    c, bd = net["clos"], net["bird"]
    c.wait_established(LB.b4)
    bd.wait_established("clos")
    r = wait_until(lambda: c.routes_by_prefix(peer=LB.b4).get(BIRD_NET), 30,
                   "closbgpd has BIRD's %s" % BIRD_NET)
    assert r["as_path"] == str(BIRD_AS)
    r = wait_until(lambda: bd.routes(protocol="clos").get(CLOS_NET), 30,
                   "BIRD has %s" % CLOS_NET)
    assert r["as_path"] == str(CLOS_AS)


def test_md5_segments_signed(net):
    """The sessions really are signed: the kernels count no MD5 failure,
    and a plain connection from the FRR side to closbgpd's port is
    dropped by its kernel (the listening socket wants a signature from
    that address) instead of being accepted and refused by closbgpd."""
    c, ns = net["clos"], net["ns"]
    c.wait_established(LF.b4)
    before = tcp_ext(ns["clos"]).get("TCPMD5NotFound", 0)
    res = ns["frr"].run([sys.executable, "-c", (
        "import socket,sys\n"
        "s=socket.socket(); s.settimeout(2)\n"
        "try:\n s.connect(('%s',179)); sys.exit(3)\n"
        "except socket.timeout: sys.exit(0)\n"
        "except OSError as e: print(e); sys.exit(4)\n") % LF.a4], check=False)
    assert res.returncode == 0, "unsigned connect to closbgpd was not dropped: %s" % (
        res.stdout + res.stderr)
    assert tcp_ext(ns["clos"]).get("TCPMD5NotFound", 0) > before
    for name in ("clos", "frr", "bird"):
        assert tcp_ext(ns[name]).get("TCPMD5Failure", 0) == 0, name
    assert clean_log(c) == []


# -- wrong or missing password ------------------------------------------

@pytest.mark.parametrize("frr_side, clos_counter, frr_counter", [
    ("wrong", "TCPMD5Failure", "TCPMD5Failure"),
    ("missing", "TCPMD5NotFound", "TCPMD5Unexpected")])
def test_md5_mismatch_never_established(topo_factory, frr_side, clos_counter, frr_counter):
    if not closbgp.available():
        return
    t = topo_factory("md5-" + frr_side)
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=LF.v4)
    extra = ["password not-" + FRR_PW] if frr_side == "wrong" else []
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": LF.a4, "remote_as": CLOS_AS, "extra": extra}]))
    c = t.closbgpd(a, closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(LF.b4, FRR_AS, password=FRR_PW)]))
    # both sides try (FRR every 2 s, closbgpd every connect-retry): each
    # kernel drops the other's SYNs
    wait_until(lambda: tcp_ext(a).get(clos_counter, 0) > 0, 30,
               "closbgpd's kernel drops FRR's segments (%s)" % clos_counter)
    wait_until(lambda: tcp_ext(b).get(frr_counter, 0) > 0, 30,
               "FRR's kernel drops closbgpd's segments (%s)" % frr_counter)
    stays(lambda: not_established(c, LF.b4) and f.peer_state(LF.a4) != "Established",
          12, "neither side Established")
    p = c.peer(LF.b4)
    assert p["messages_received"]["open"] == 0 and p["established_count"] == 0
    assert clean_log(c) == []


# -- reload: password changed, then removed ------------------------------

def test_md5_reload(topo_factory):
    if not closbgp.available():
        return
    t = topo_factory("md5-reload")
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=LF.v4)
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": LF.a4, "remote_as": CLOS_AS, "extra": ["password one"]}]))

    def conf(**auth):
        return closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
            closbgp.neighbor(LF.b4, FRR_AS, passive=True, **auth)])

    c = t.closbgpd(a, conf(password="one"))
    c.wait_established(LF.b4)
    assert c.peer(LF.b4)["established_count"] == 1

    # new password: reset, and FRR's signature no longer matches
    failures = tcp_ext(a).get("TCPMD5Failure", 0)
    c.write_config(conf(password="two"))
    reload_and_wait(c)
    assert "configuration changed, resetting" in c.log_text()
    wait_until(lambda: tcp_ext(a).get("TCPMD5Failure", 0) > failures, 30,
               "closbgpd's kernel drops FRR's old-password SYNs")
    stays(lambda: not_established(c, LF.b4), 6, "not Established with FRR's old password")

    f.configure("neighbor %s password two" % LF.a4, asn=FRR_AS)
    wait_until(lambda: c.peer(LF.b4).get("established_count") == 2, 40,
               "Established again with the new password on both sides")
    f.wait_established(LF.a4)

    # password removed on both sides: the listening sockets' key goes too
    not_found = tcp_ext(a).get("TCPMD5NotFound", 0)
    c.write_config(conf())
    reload_and_wait(c)
    f.configure("no neighbor %s password" % LF.a4, asn=FRR_AS)
    wait_until(lambda: c.peer(LF.b4).get("established_count") == 3, 40,
               "Established again without authentication")
    assert tcp_ext(a).get("TCPMD5NotFound", 0) == not_found
    assert clean_log(c) == []


# -- TCP-AO between two closbgpd -----------------------------------------
# On a kernel without TCP-AO the tests that need it skip, unless
# CLOSBGP_REQUIRE_TCP_AO=1 (tools/check sets it when it runs them on Debian's
# newer kernel under qemu, tests/vm/run): there a skip would hide a failure.

def need_tcp_ao():
    ok, why = kernel_tcp_ao()
    if ok:
        return
    if os.environ.get("CLOSBGP_REQUIRE_TCP_AO") == "1":
        pytest.fail("CLOSBGP_REQUIRE_TCP_AO=1 but this kernel has no TCP-AO (%s)" % why)
    pytest.skip("kernel without TCP-AO (%s): "
                "test_tcp_ao_refused_without_kernel_support checks the refusal" % why)


def ao_key(key, send_id, recv_id, algorithm=None):
    k = {"send-id": send_id, "recv-id": recv_id, "key": key}
    if algorithm:
        k["algorithm"] = algorithm
    return k


def ao_configs(family, key_a, key_b, ids_b=(2, 1), algorithm=None, passive_a=False):
    """closbgpd A's and B's configs: one session, TCP-AO keys as given
    (None: no TCP-AO), A's SendID 1 / RecvID 2, B's ids_b."""
    b_addr, a_addr = (LF.b4, LF.a4) if family == "ipv4" else (LF.b6, LF.a6)

    def conf(rid, asn, peer, peer_as, key, ids, **extra):
        auth = {"tcp-ao": ao_key(key, ids[0], ids[1], algorithm)} if key else {}
        return closbgp.device_config(rid, asn, neighbors=[
            closbgp.neighbor(peer, peer_as, **auth, **extra)],
            networks=[{"prefix": CLOS_NET}, {"prefix": "2001:db8:c::/48"}])
    return (conf("10.0.0.1", CLOS_AS, b_addr, FRR_AS, key_a, (1, 2),
                 **({"passive": True} if passive_a else {})),
            conf("10.0.0.2", FRR_AS, a_addr, CLOS_AS, key_b, ids_b))


def ao_pair(topo_factory, name, family="ipv4", **kw):
    t = topo_factory(name)
    a, b = t.add_node("clos-a"), t.add_node("clos-b")
    t.add_link(a, b, v4=LF.v4, v6=LF.v6)
    conf_a, conf_b = ao_configs(family, **kw)
    return t.closbgpd(a, conf_a), t.closbgpd(b, conf_b), a, b


def test_tcp_ao_refused_without_kernel_support(topo_factory):
    """No silent fallback: each side refuses its neighbour, logged with the
    neighbour and the reason, shown by closctl, and stays Idle."""
    if not closbgp.available():
        return
    ok, why = kernel_tcp_ao()
    if ok:
        pytest.skip("this kernel has TCP-AO: see test_tcp_ao_same_key")
    ca, cb, _, _ = ao_pair(topo_factory, "tcp-ao-none",
                           key_a="ao master key", key_b="ao master key")
    for c, peer_addr in ((ca, LF.b4), (cb, LF.a4)):
        lines = wait_until(lambda: [l for l in c.log_text().splitlines()
                                    if " error peer: %s: refused" % peer_addr in l], 15,
                           "closbgpd refuses %s" % peer_addr)
        assert "TCP-AO" in lines[0] and "not supported by this kernel" in lines[0], lines
        assert "Protocol not available" in lines[0], lines
        assert "TCP-AO" in c.peer(peer_addr)["last_error"]["text"]
    stays(lambda: ca.peer_state(LF.b4) == "Idle" and cb.peer_state(LF.a4) == "Idle",
          5, "both stay Idle")
    for c, peer_addr in ((ca, LF.b4), (cb, LF.a4)):
        p = c.peer(peer_addr)
        assert p["messages_sent"]["open"] == 0 and p["messages_received"]["open"] == 0
        assert len([l for l in clean_log(c) if "refused" not in l]) == 0, clean_log(c)


@pytest.mark.parametrize("family, algorithm", [
    ("ipv4", None), ("ipv6", "aes-128-cmac-96")])
def test_tcp_ao_same_key(topo_factory, family, algorithm):
    """Established with routes both ways, and every segment signed: both
    kernels count good MACs and no bad one, and an unsigned connect to
    closbgpd's port is dropped by its kernel (TCPAORequired)."""
    if not closbgp.available():
        return
    need_tcp_ao()
    ca, cb, a, b = ao_pair(topo_factory, "tcp-ao-" + family, family=family,
                           key_a="ao master key", key_b="ao master key",
                           algorithm=algorithm)
    b_addr, a_addr = (LF.b4, LF.a4) if family == "ipv4" else (LF.b6, LF.a6)
    prefix = CLOS_NET if family == "ipv4" else "2001:db8:c::/48"
    ca.wait_established(b_addr)
    cb.wait_established(a_addr)
    wait_until(lambda: cb.routes_by_prefix(peer=a_addr).get(prefix), 30,
               "routes over the TCP-AO session")
    wait_until(lambda: ca.routes_by_prefix(peer=b_addr).get(prefix), 30,
               "routes both ways")
    # The session's own connection: signed both ways, nothing dropped.
    for c, peer_addr in ((ca, b_addr), (cb, a_addr)):
        ao = c.peer(peer_addr)["tcp_ao"]
        assert ao["good"] > 0 and ao["bad"] == 0 and ao["key_not_found"] == 0, ao
    # The whole namespace: no MAC failed -- unless both connected at once.
    # Then the connection that collision resolution closes (RFC 4271 6.8)
    # may leave a late segment that meets the listener instead, whose
    # traffic keys are not that connection's: a bad MAC counted there.
    collided = any("connection collision" in c.log_text() for c in (ca, cb))
    for ns in (a, b):
        counters = tcp_ext(ns)
        assert counters.get("TCPAOGood", 0) > 0, (ns.name, counters)
        assert counters.get("TCPAOKeyNotFound", 0) == 0, (ns.name, counters)
        assert collided or counters.get("TCPAOBad", 0) == 0, (ns.name, counters)
    required = tcp_ext(a).get("TCPAORequired", 0)
    family_const = "AF_INET" if family == "ipv4" else "AF_INET6"
    res = b.run([sys.executable, "-c", (
        "import socket,sys\n"
        "s=socket.socket(socket.%s); s.settimeout(2)\n"
        "try:\n s.connect(('%s',179)); sys.exit(3)\n"
        "except socket.timeout: sys.exit(0)\n"
        "except OSError as e: print(e); sys.exit(4)\n") % (family_const, a_addr)], check=False)
    assert res.returncode == 0, "unsigned connect to closbgpd was not dropped: %s" % (
        res.stdout + res.stderr)
    assert tcp_ext(a).get("TCPAORequired", 0) > required
    assert ca.peer(b_addr)["established_count"] == 1
    assert clean_log(ca) == [] and clean_log(cb) == []


@pytest.mark.parametrize("mismatch, counter", [
    ("key", "TCPAOBad"), ("ids", "TCPAOKeyNotFound")])
def test_tcp_ao_mismatch_never_established(topo_factory, mismatch, counter):
    """A different master key (MACs fail) or KeyIDs the other side has no
    key for: the kernels drop the segments, nothing reaches closbgpd."""
    if not closbgp.available():
        return
    need_tcp_ao()
    kw = {"key_b": "another key"} if mismatch == "key" else {
        "key_b": "ao master key", "ids_b": (7, 1)}
    ca, cb, a, b = ao_pair(topo_factory, "tcp-ao-" + mismatch, key_a="ao master key", **kw)
    wait_until(lambda: tcp_ext(a).get(counter, 0) + tcp_ext(b).get(counter, 0) > 0, 30,
               "the kernels drop the other side's segments (%s)" % counter)
    stays(lambda: not_established(ca, LF.b4) and not_established(cb, LF.a4), 12,
          "never Established")
    for c, peer_addr in ((ca, LF.b4), (cb, LF.a4)):
        p = c.peer(peer_addr)
        assert p["messages_received"]["open"] == 0 and p["established_count"] == 0
    assert clean_log(ca) == [] and clean_log(cb) == []


def test_tcp_ao_reload(topo_factory):
    """Keys changed, then removed, by SIGHUP (A passive: its listening
    sockets' keys are what is in play). The session resets, stays down while
    B has the old key, comes back with the new one on both sides, and
    comes back unauthenticated once both drop TCP-AO (the listening
    sockets' key is deleted, not just left unused)."""
    if not closbgp.available():
        return
    need_tcp_ao()
    kw = {"family": "ipv4", "passive_a": True}
    ca, cb, a, b = ao_pair(topo_factory, "tcp-ao-reload",
                           key_a="first key", key_b="first key", **kw)
    ca.wait_established(LF.b4)

    bad = tcp_ext(a).get("TCPAOBad", 0)
    ca.write_config(ao_configs(key_a="second key", key_b="first key", **kw)[0])
    reload_and_wait(ca)
    assert "configuration changed, resetting" in ca.log_text()
    wait_until(lambda: tcp_ext(a).get("TCPAOBad", 0) > bad, 30,
               "A's kernel drops B's segments signed with the old key")
    stays(lambda: not_established(ca, LF.b4), 6, "not Established while B has the old key")

    cb.write_config(ao_configs(key_a="second key", key_b="second key", **kw)[1])
    reload_and_wait(cb)
    wait_until(lambda: ca.peer(LF.b4).get("established_count") == 2, 40,
               "Established again with the new key on both sides")

    conf_a, conf_b = ao_configs(key_a=None, key_b=None, **kw)
    ca.write_config(conf_a)
    reload_and_wait(ca)
    cb.write_config(conf_b)
    reload_and_wait(cb)
    wait_until(lambda: ca.peer(LF.b4).get("established_count") == 3, 40,
               "Established again without TCP-AO")
    cb.wait_established(LF.a4)
    good = tcp_ext(a).get("TCPAOGood", 0)
    keepalives = ca.peer(LF.b4)["messages_received"]["keepalive"]
    wait_until(lambda: ca.peer(LF.b4)["messages_received"]["keepalive"] > keepalives, 10,
               "a KEEPALIVE on the unauthenticated session")
    assert tcp_ext(a).get("TCPAOGood", 0) == good, "segments still signed after removal"
    assert clean_log(ca) == [] and clean_log(cb) == []


def mkt_config(rid, asn, peer, peer_as, mkts):
    """One neighbour with TCP-AO: mkts[0] in use, the rest accept-keys;
    each (send-id, recv-id, key)."""
    (sid, rid_, key), rest = mkts[0], mkts[1:]
    ao = ao_key(key, sid, rid_)
    if rest:
        ao["accept-key"] = [ao_key(k, s, r) for s, r, k in rest]
    return closbgp.device_config(rid, asn, neighbors=[
        closbgp.neighbor(peer, peer_as, **{"tcp-ao": ao})], networks=[{"prefix": CLOS_NET}])


def test_tcp_ao_key_change_without_reset(topo_factory):
    """RFC 5925 7.3: keys changed by reload, the session never reset.
    1. both sides add key 2 as an accept-key; 2. A makes it the key in use:
    A sends with it and asks B for it (RNextKeyID), and B's kernel switches
    to it before B's configuration does (closctl shows it); 3. B makes it
    its key in use; 4. both drop key 1. After every step: Established
    once, no bad MAC or unknown KeyID, KEEPALIVEs still arriving."""
    if not closbgp.available():
        return
    need_tcp_ao()
    t = topo_factory("tcp-ao-rekey")
    a, b = t.add_node("clos-a"), t.add_node("clos-b")
    t.add_link(a, b, v4=LF.v4)
    k1a, k1b = (1, 2, "key one"), (2, 1, "key one")
    k2a, k2b = (3, 4, "key two"), (4, 3, "key two")
    ca = t.closbgpd(a, mkt_config("10.0.0.1", CLOS_AS, LF.b4, FRR_AS, [k1a]))
    cb = t.closbgpd(b, mkt_config("10.0.0.2", FRR_AS, LF.a4, CLOS_AS, [k1b]))
    ca.wait_established(LF.b4)
    cb.wait_established(LF.a4)

    def ao_state(c, peer_addr):
        return c.peer(peer_addr)["tcp_ao"]

    def step(c, mkts, peer_addr, asn, peer_as, rid):
        c.write_config(mkt_config(rid, asn, peer_addr, peer_as, mkts))
        n = c.log_text().count("TCP-AO keys changed on the running session")
        reload_and_wait(c)
        assert c.log_text().count("TCP-AO keys changed on the running session") == n + 1
        assert "configuration changed, resetting" not in c.log_text()

    def healthy(what):
        for c, peer_addr in ((ca, LF.b4), (cb, LF.a4)):
            ka = c.peer(peer_addr)["messages_received"]["keepalive"]
            wait_until(lambda: c.peer(peer_addr)["messages_received"]["keepalive"] > ka, 10,
                       "%s: a KEEPALIVE after %s" % (c.name, what))
            p = c.peer(peer_addr)
            assert p["state"] == "Established" and p["established_count"] == 1, (what, p)
            ao = p["tcp_ao"]
            assert ao["good"] > 0 and ao["bad"] == 0 and ao["key_not_found"] == 0, (what, ao)

    assert ao_state(ca, LF.b4)["current_key"] == 1 and ao_state(cb, LF.a4)["current_key"] == 2
    step(ca, [k1a, k2a], LF.b4, CLOS_AS, FRR_AS, "10.0.0.1")
    step(cb, [k1b, k2b], LF.a4, FRR_AS, CLOS_AS, "10.0.0.2")
    healthy("key 2 added on both sides")
    assert ao_state(ca, LF.b4)["mkts"] == 2
    assert ao_state(ca, LF.b4)["current_key"] == 1, "still sending with key 1"

    step(ca, [k2a, k1a], LF.b4, CLOS_AS, FRR_AS, "10.0.0.1")
    st = ao_state(ca, LF.b4)
    assert (st["current_key"], st["rnext_key"]) == (3, 4), st
    wait_until(lambda: ao_state(cb, LF.a4)["current_key"] == 4, 10,
               "B's kernel sends with key 2 because A asked for it")
    assert ao_state(cb, LF.a4)["configured_send_id"] == 2
    healthy("A switched to key 2")

    step(cb, [k2b, k1b], LF.a4, FRR_AS, CLOS_AS, "10.0.0.2")
    step(ca, [k2a], LF.b4, CLOS_AS, FRR_AS, "10.0.0.1")
    step(cb, [k2b], LF.a4, FRR_AS, CLOS_AS, "10.0.0.2")
    healthy("key 1 removed on both sides")
    for c, peer_addr, sid in ((ca, LF.b4, 3), (cb, LF.a4, 4)):
        st = ao_state(c, peer_addr)
        assert st["mkts"] == 1 and st["current_key"] == sid, st
    assert tcp_ext(a).get("TCPAOBad", 0) == 0 and tcp_ext(b).get("TCPAOBad", 0) == 0
    assert clean_log(ca) == [] and clean_log(cb) == []
