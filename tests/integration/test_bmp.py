"""BMP (RFC 7854) export to a real collector, pmacct's pmbmpd.

    FRR (65002) --- closbgpd (65001) --- pmbmpd (BMP collector)
      IPv4 + IPv6     import policy        10.0.2.2 port 1790
      sessions

FRR announces IPv4 and IPv6 prefixes; closbgpd's import policy accepts the
ones tagged 65002:100 (LOCAL_PREF 150 and community 65001:42 added) and
rejects the rest, so the pre-policy and the post-policy views differ.
pmbmpd is started after closbgpd: closbgpd's first connects are refused
and its backoff connects later. What is checked is what pmbmpd recorded in
its JSON message log: the Initiation, a Peer Up per session with the
peer's address and AS, Route Monitoring of the prefixes pre- and
post-policy (the rejected prefix only pre-policy, the policy's attributes
only post-policy), a withdrawal after FRR withdraws, Statistics Reports,
a Peer Down with reason 3 (the peer's NOTIFICATION) when FRR shuts its
session down, and a Termination when a reload removes the collector,
with the BGP sessions untouched; a reload with a new import policy
updates the post-policy view only.

test_overflow_drops_and_resyncs has its own topology: a collector that
never reads is dropped once closbgpd's queue for it would pass its bound,
the BGP session is untouched, and the collector gets everything again
(Initiation, Peer Up, the whole table) when it is back.

The tests of this module share one topology and run in file order.
"""
import os
import sys

import pytest

from lib import addr, closbgp, frr, netns, pmacct, rawbgp as rb, report
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
L, LB = addr.link(1), addr.link(2)       # FRR on link 1, the collector on link 2
TAG, OTHER, ADDED = "65002:100", "65002:200", "65001:42"
ACCEPTED4 = ["10.10.1.0/24", "10.10.2.0/24"]
REJECTED4 = "10.10.3.0/24"
ACCEPTED6 = "2001:db8:10:1::/64"
BMP_PORT = 1790


def collector(**extra):
    c = {"name": "pmacct", "address": LB.b4, "port": BMP_PORT, "statistics-interval": 1,
         "initial-backoff": 1, "max-backoff": 2}
    c.update(extra)
    return c


def clos_config(collectors=None, accept=TAG):
    """closbgpd's import policy accepts what FRR tagged `accept` (LOCAL_PREF
    150, ADDED community) and rejects the rest."""
    pol = {"import": ["from-frr"]}
    conf = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L.b4, FRR_AS, policy=pol),
        closbgp.neighbor(L.b6, FRR_AS, policy=pol)])
    bgp = conf["closbgp-device:bgp"]
    bgp.update({
        "local-preference": [{"name": "high", "value": 150}],
        "defined-sets": {"community-set": [{"name": "tagged", "member": [accept]}]},
        "policy": [{"name": "from-frr", "statement": [
            {"name": "tagged", "match": {"community": {"set": "tagged"}},
             "actions": {"result": "accept", "set-local-preference": "high",
                         "community": {"add": [ADDED]}}}]}],
    })
    if collectors is None:
        collectors = [collector()]
    if collectors:
        bgp["bmp"] = {"collector": collectors}
    return conf


def frr_config():
    nets = [(p, "tag") for p in ACCEPTED4] + [(REJECTED4, "other")]
    return frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": CLOS_AS, "local_only_out": True},
        {"address": L.a6, "remote_as": CLOS_AS, "local_only_out": True}],
        networks=nets, networks6=[(ACCEPTED6, "tag")]) + \
        frr.route_map("tag", community=TAG) + frr.route_map("other", community=OTHER)


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    if not pmacct.available():
        pytest.fail("%s missing: install the Debian package pmacct (tools/deps)"
                    % pmacct.BINARY, pytrace=False)
    t = module_topo_factory("bmp")
    c_ns, f_ns, b_ns = t.add_node("clos"), t.add_node("frr"), t.add_node("bmp")
    t.add_link(c_ns, f_ns, v4=L.v4, v6=L.v6)
    t.add_link(c_ns, b_ns, v4=LB.v4)
    f = t.frr(f_ns, frr_config())
    c = t.closbgpd(c_ns, clos_config())
    # the collector comes after closbgpd: its backoff has to find it
    b = t._daemon(pmacct.Pmbmpd(b_ns, t.dir, LB.b4, BMP_PORT), False)
    return {"clos": c, "frr": f, "bmp": b}


def peer_ups(b):
    return {m.get("peer_ip"): m for m in b.messages("peer_up")}


def routes(b, post, prefix=None, log_type="update"):
    """Route Monitoring entries of one view (pmbmpd's is_post)."""
    out = []
    for m in b.messages("route_monitor"):
        if bool(m.get("is_post")) != post or m.get("log_type") != log_type:
            continue
        if prefix is None or m.get("ip_prefix") == prefix:
            out.append(m)
    return out


def test_collector_connected_after_backoff(net):
    c, b = net["clos"], net["bmp"]
    wait_until(lambda: "collector pmacct (%s port %d): Connection refused" % (LB.b4, BMP_PORT)
               in c.log_text(), 15, "closbgpd: a refused connect to the collector")
    b.start()
    init = wait_until(lambda: b.messages("init"), 20, "pmbmpd: an Initiation")
    assert len(init) == 1, init
    text = str(init[0])
    assert "closbgpd" in text and "router-id 10.0.0.1, AS %d" % CLOS_AS in text, init[0]
    assert "collector pmacct (%s port %d): connected" % (LB.b4, BMP_PORT) in c.log_text()


def test_peer_up_per_session(net):
    c, b = net["clos"], net["bmp"]
    c.wait_established(L.b4)
    c.wait_established(L.b6)
    ups = wait_until(lambda: (lambda u: u if L.b4 in u and L.b6 in u else None)(peer_ups(b)),
                     20, "pmbmpd: Peer Up for %s and %s" % (L.b4, L.b6))
    for a, local in ((L.b4, L.a4), (L.b6, L.a6)):
        assert ups[a]["peer_asn"] == FRR_AS, ups[a]
        assert ups[a]["local_ip"] == local, ups[a]
        assert ups[a]["peer_type"] == 0, ups[a]
    assert ups[L.b4]["remote_port"] == 179 or ups[L.b4]["local_port"] == 179, ups[L.b4]


def test_route_monitoring_pre_and_post_policy(net):
    b = net["bmp"]
    want_pre = set(ACCEPTED4 + [REJECTED4, ACCEPTED6])
    want_post = set(ACCEPTED4 + [ACCEPTED6])

    def seen():
        pre = {m["ip_prefix"] for m in routes(b, False)}
        post = {m["ip_prefix"] for m in routes(b, True)}
        return (pre, post) if want_pre <= pre and want_post <= post else None

    pre, post = wait_until(seen, 30, "pmbmpd: route monitoring of %s pre-policy and %s "
                           "post-policy" % (sorted(want_pre), sorted(want_post)))
    assert REJECTED4 not in post, "a rejected prefix is not in the post-policy view"
    # pre-policy: as FRR sent it; post-policy: what the import policy set
    p = routes(b, False, ACCEPTED4[0])[-1]
    q = routes(b, True, ACCEPTED4[0])[-1]
    assert p["peer_ip"] == q["peer_ip"] == L.b4
    assert p["as_path"] == q["as_path"] == str(FRR_AS), (p, q)
    assert TAG in p["comms"] and ADDED not in p["comms"], p
    assert TAG in q["comms"] and ADDED in q["comms"], q
    assert q["local_pref"] == 150, q
    assert p.get("local_pref") in (None, 0), p
    v6 = routes(b, True, ACCEPTED6)[-1]
    assert v6["peer_ip"] == L.b6 and v6["afi"] == 2 and v6["local_pref"] == 150, v6
    assert routes(b, False, REJECTED4)[-1]["comms"] == OTHER
    report.note("pmbmpd recorded %d pre-policy and %d post-policy routes"
                % (len(routes(b, False)), len(routes(b, True))))


def test_withdraw(net):
    f, b = net["frr"], net["bmp"]
    gone = ACCEPTED4[1]
    f.configure("router bgp %d" % FRR_AS, "address-family ipv4 unicast",
                "no network %s route-map tag" % gone)
    wait_until(lambda: routes(b, False, gone, "withdraw") and routes(b, True, gone, "withdraw"),
               20, "pmbmpd: %s withdrawn pre- and post-policy" % gone)
    assert not routes(b, True, ACCEPTED4[0], "withdraw")


def test_statistics(net):
    b = net["bmp"]

    def last_counters(peer):
        last = {}
        for m in b.messages("stats"):
            if m.get("peer_ip") == peer:
                last[(m.get("counter_type"), m.get("afi"))] = m.get("counter_value")
        return last

    # 0 rejected by policy, 7 Adj-RIB-In, 8 Loc-RIB, 9 Adj-RIB-In of IPv4
    # unicast, 11 treat-as-withdraw: after the withdrawal, 1 accepted and 1
    # rejected IPv4 prefix; 1 accepted IPv6 prefix
    want4 = {(0, None): 1, (7, None): 2, (8, None): 1, (9, 1): 2, (11, None): 0}
    want6 = {(0, None): 0, (7, None): 1, (8, None): 1, (9, 2): 1, (11, None): 0}

    def reports():
        got4, got6 = last_counters(L.b4), last_counters(L.b6)
        if got4 == want4 and got6 == want6:
            return got4, got6
        raise AssertionError("last reports: %s %s" % (got4, got6))

    wait_until(reports, 20, "pmbmpd: statistics of %s %s and %s %s" % (L.b4, want4, L.b6, want6))
    n = len(b.messages("stats"))
    wait_until(lambda: len(b.messages("stats")) > n, 5, "pmbmpd: the next statistics report")


def test_peer_down_on_shutdown(net):
    f, b = net["frr"], net["bmp"]
    f.configure("router bgp %d" % FRR_AS, "neighbor %s shutdown" % L.a4)
    downs = wait_until(lambda: [m for m in b.messages("peer_down") if m.get("peer_ip") == L.b4],
                       20, "pmbmpd: Peer Down for %s" % L.b4)
    assert downs[-1]["reason_type"] == 3, downs[-1]     # the peer's NOTIFICATION
    assert not [m for m in b.messages("peer_down") if m.get("peer_ip") == L.b6]
    f.configure("router bgp %d" % FRR_AS, "no neighbor %s shutdown" % L.a4)
    net["clos"].wait_established(L.b4)
    wait_until(lambda: len([m for m in b.messages("peer_up") if m.get("peer_ip") == L.b4]) >= 2,
               20, "pmbmpd: Peer Up for %s again" % L.b4)


def test_reload_removing_the_collector_terminates(net):
    c, b = net["clos"], net["bmp"]
    before = c.peer(L.b6)["established_count"]
    c.write_config(clos_config(collectors=[]))
    c.reload()
    wait_until(lambda: b.messages("term"), 15, "pmbmpd: a Termination")
    wait_until(lambda: "collector pmacct: removed" in c.log_text(), 10,
               "closbgpd: the collector removed")
    assert c.peer(L.b6)["state"] == "Established"
    assert c.peer(L.b6)["established_count"] == before
    # and back: a new connection, a new Initiation, Peer Ups and the table
    # dump from the Loc-RIB (pre-policy as sent, post-policy as accepted)
    n = len(b.messages())
    c.write_config(clos_config())
    c.reload()

    def dumped():
        new = b.messages()[n:]
        kinds = [m.get("bmp_msg_type") for m in new]
        rm = [m for m in new if m.get("bmp_msg_type") == "route_monitor"
              and m.get("peer_ip") == L.b6 and m.get("ip_prefix") == ACCEPTED6]
        pre = [m for m in rm if not m.get("is_post")]
        post = [m for m in rm if m.get("is_post")]
        if "init" in kinds and pre and post:
            return new, pre[0], post[0]
        return None

    new, pre, post = wait_until(dumped, 15, "pmbmpd: Initiation and the dump of %s" % ACCEPTED6)
    ups = [m for m in new if m.get("bmp_msg_type") == "peer_up"]
    assert {m["peer_ip"] for m in ups} == {L.b4, L.b6}, ups
    assert [m.get("bmp_msg_type") for m in new].index("init") < new.index(ups[0])
    assert pre["comms"] == TAG and pre.get("local_pref") in (None, 0), pre
    assert ADDED in post["comms"] and post["local_pref"] == 150, post
    wait_until(lambda: {m["ip_prefix"] for m in b.messages()[n:]
                        if m.get("bmp_msg_type") == "route_monitor" and m.get("is_post")
                        and m.get("log_type") == "update"
                        and m.get("peer_ip") == L.b4} == {ACCEPTED4[0]}, 15,
               "pmbmpd: the post-policy dump of %s holds %s alone" % (L.b4, ACCEPTED4[0]))
    assert c.peer(L.b6)["established_count"] == before


def test_reload_new_import_policy_updates_post_policy(net):
    """A reload that changes the import policy changes the post-policy view
    as it changes the Loc-RIB: Route Monitoring for what is accepted now,
    a withdrawal for what is rejected now, and nothing pre-policy (the
    peer sent nothing new). The sessions stay up (soft reconfiguration)."""
    c, b = net["clos"], net["bmp"]
    wait_until(lambda: "collector pmacct: initial table sent" in c.log_text(), 10,
               "closbgpd: the collector synced")
    before = c.peer(L.b4)["established_count"]
    n = len(b.messages())
    c.write_config(clos_config(accept=OTHER))
    c.reload()

    def post_changes():
        new = [m for m in b.messages()[n:] if m.get("bmp_msg_type") == "route_monitor"]
        got = {(m["ip_prefix"], m.get("log_type")) for m in new if m.get("is_post")}
        want = {(REJECTED4, "update"), (ACCEPTED4[0], "withdraw"), (ACCEPTED6, "withdraw")}
        return (new, got) if want <= got else None

    new, got = wait_until(post_changes, 15, "pmbmpd: %s announced and %s, %s withdrawn "
                          "post-policy" % (REJECTED4, ACCEPTED4[0], ACCEPTED6))
    assert not [m for m in new if not m.get("is_post")], "pre-policy messages on a reload"
    assert len(got) == 3, got
    rm = [m for m in new if m.get("ip_prefix") == REJECTED4][0]
    assert rm["comms"].split() == sorted([OTHER, ADDED]) and rm["local_pref"] == 150, rm
    assert c.peer(L.b4)["established_count"] == before
    assert c.routes_by_prefix(peer=L.b4).get(REJECTED4)
    report.note("reload with a new import policy: %d post-policy Route Monitoring messages"
                % len(new))


def test_shutdown_sends_peer_down_and_termination(net):
    c, b = net["clos"], net["bmp"]
    wait_until(lambda: "collector pmacct: initial table sent" in c.log_text(), 10,
               "closbgpd: the collector synced")
    n = len(b.messages())
    assert c.stop() == 0
    new = wait_until(lambda: (lambda m: m if "term" in [x.get("bmp_msg_type") for x in m]
                              else None)(b.messages()[n:]), 10, "pmbmpd: a Termination")
    downs = {m["peer_ip"]: m for m in new if m.get("bmp_msg_type") == "peer_down"}
    # SIGTERM: a Cease to every peer, so reason 1 (our NOTIFICATION), then
    # the Termination last
    assert set(downs) == {L.b4, L.b6}, new
    assert all(m["reason_type"] == 1 for m in downs.values()), downs
    assert new[-1].get("bmp_msg_type") == "term" or [m.get("bmp_msg_type") for m in new
                                                      ].index("term") > 0
    assert "shutting down" in str([m for m in new if m.get("bmp_msg_type") == "term"][0])


# -- a collector that stops reading ----------------------------------------

STUCK = r"""
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited, no autotuning
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
print("accepted, not reading", flush=True)
time.sleep(float(sys.argv[3]))
"""


class StuckCollector:
    """Accepts one BMP connection and never reads from it; stopped by PID."""

    def __init__(self, ns, workdir, ip, port, seconds=120):
        self.ns, self.ip, self.port, self.seconds = ns, ip, port, seconds
        self.log = os.path.join(workdir, "stuck-collector.log")
        self.proc = None

    def logs(self):
        return [self.log]

    def start(self):
        self.proc = self.ns.popen([sys.executable, "-c", STUCK, self.ip, str(self.port),
                                   str(self.seconds)], self.log)
        wait_until(lambda: "listening" in open(self.log).read(), 10, "stuck collector listening")
        return self

    def stop(self):
        if self.proc is not None:
            netns.stop_process(self.proc)
            self.proc = None

    def accepted(self):
        return "accepted" in open(self.log).read()


FLOOD_PREFIXES = 15000
FLOOD_COMMUNITIES = 250     # 1,000 octets of attributes: ~2.2 kB of BMP per UPDATE


def flood_updates(n, nexthop):
    comms = b"".join((65002 << 16 | i).to_bytes(4, "big") for i in range(FLOOD_COMMUNITIES))
    attrs = rb.origin() + rb.as_path(FRR_AS) + rb.next_hop(nexthop) + rb.attr(0xC0, 8, comms)
    return b"".join(rb.update(attrs=attrs, nlri_field=rb.nlri(
        "100.%d.%d.0/24" % (64 + i // 256, i % 256))) for i in range(n))


def test_overflow_drops_and_resyncs(topo_factory):
    if not closbgp.available():
        return
    t = topo_factory("bmp-overflow")
    c_ns, s_ns, b_ns = t.add_node("clos"), t.add_node("spk"), t.add_node("bmp")
    t.add_link(c_ns, s_ns, v4=L.v4)
    t.add_link(c_ns, b_ns, v4=LB.v4)
    stuck = t._daemon(StuckCollector(b_ns, t.dir, LB.b4, BMP_PORT), True)
    conf = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L.b4, FRR_AS, passive=True, hold=30, keepalive=10)])
    conf["closbgp-device:bgp"]["bmp"] = {"collector": [collector(**{"statistics-interval": 0})]}
    c = t.closbgpd(c_ns, conf)
    wait_until(stuck.accepted, 15, "closbgpd connected to the stuck collector")

    p = rb.RawPeer(s_ns, L.b4, L.a4).connect()
    try:
        p.establish(rb.open_msg(FRR_AS, hold=30, router_id="10.0.0.2"), keepalive_every=10)
        wait_until(lambda: c.peer_state(L.b4) == "Established", 15, "session Established")
        p.send(flood_updates(FLOOD_PREFIXES, L.b4))
        wait_until(lambda: "output queue over" in c.log_text(), 60,
                   "closbgpd drops the collector that does not read")
        wait_until(lambda: c.peer(L.b4).get("prefixes_received") == FLOOD_PREFIXES, 60,
                   "closbgpd has all %d prefixes" % FLOOD_PREFIXES)
        peer = c.peer(L.b4)
        assert peer["state"] == "Established" and peer["established_count"] == 1
        line = [l for l in c.log_text().splitlines() if "output queue over" in l][0]
        assert "warning" in line and "dropping it" in line, line

        # the collector is back: everything again, from the Loc-RIB
        stuck.stop()
        b = t._daemon(pmacct.Pmbmpd(b_ns, t.dir, LB.b4, BMP_PORT), True)

        def resynced():
            post = {m["ip_prefix"] for m in routes(b, True)}
            return len(post) == FLOOD_PREFIXES and b.messages("init") and peer_ups(b)
        wait_until(resynced, 90, "pmbmpd: Initiation, Peer Up and all %d prefixes post-policy"
                   % FLOOD_PREFIXES, interval=1.0)
        assert len({m["ip_prefix"] for m in routes(b, False)}) == FLOOD_PREFIXES
        assert c.peer(L.b4)["established_count"] == 1
        report.note("BMP overflow: collector dropped at the queue bound, resynced with %d "
                    "prefixes in both views, BGP session untouched" % FLOOD_PREFIXES)
    finally:
        p.close()
