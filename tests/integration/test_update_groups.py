"""Update groups: closbgpd encodes each UPDATE once for all peers that get the
same attributes and patches each one's next hop.

    up  FRR (65100) --link1--.                  .--link2-- d1 FRR (65001)
                              closbgpd (65000) ---link3-- d2 FRR (65001)
                                                '--link4-- d3 FRR (65001)
                                                '--link5-- e  FRR (65002)

d1..d3 share one group per family (same AS, same capabilities), e has its
own. Checked: group membership in `closctl show peers`, every member gets
every route with its own next hop, a change is encoded once and sent to
each member, a route from d1 is not sent to d2/d3 (their AS is in the path:
they would drop it) but reaches e, a route refresh goes to the asking
member only, and a member that comes back gets the whole table again.
"""
import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, UP_AS, D_AS, E_AS = 65000, 65100, 65001, 65002
LU, L1, L2, L3, LE = (addr.link(i) for i in range(1, 6))
DOWN = {"d1": L1, "d2": L2, "d3": L3}
V4 = addr.v4_prefixes(40, first_octet=100, second_octet=64)
V6 = ["2001:db8:%x::/48" % (0x100 + i) for i in range(10)]
MORE = addr.v4_prefixes(30, first_octet=100, second_octet=80)
FROM_D1 = "198.51.100.0/24"


def two_sessions(link, asn):
    return [{"address": link.a4, "remote_as": asn},
            {"address": link.a6, "remote_as": asn, "afi": "ipv6"}]


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("ugroups")
    c_ns = t.add_node("clos")
    nodes = {}
    for i, (name, link) in enumerate([("up", LU)] + list(DOWN.items()) + [("e", LE)]):
        nodes[name] = t.add_node(name)
        t.add_link(c_ns, nodes[name], v4=link.v4, v6=link.v6, if_a=name, if_b="clos")
    f = {"up": t.frr(nodes["up"], frr.bgp_config(
        UP_AS, "10.0.0.20", neighbors=two_sessions(LU, CLOS_AS),
        networks=[(p, None) for p in V4], networks6=[(p, None) for p in V6]))}
    for i, (name, link) in enumerate(DOWN.items()):
        nets = [(FROM_D1, None)] if name == "d1" else []
        f[name] = t.frr(nodes[name], frr.bgp_config(
            D_AS, "10.0.0.%d" % (21 + i), neighbors=two_sessions(link, CLOS_AS), networks=nets))
    f["e"] = t.frr(nodes["e"], frr.bgp_config(E_AS, "10.0.0.29",
                                              neighbors=two_sessions(LE, CLOS_AS)))
    neighbors = []
    for link, asn in [(LU, UP_AS), (L1, D_AS), (L2, D_AS), (L3, D_AS), (LE, E_AS)]:
        neighbors += [closbgp.neighbor(link.b4, asn), closbgp.neighbor(link.b6, asn)]
    c = t.closbgpd(c_ns, closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=neighbors))
    for link in (LU, L1, L2, L3, LE):
        c.wait_established(link.b4, 60)
        c.wait_established(link.b6, 60)
    return dict(f, clos=c)


def has_all(fr, prefixes, afi="ipv4"):
    routes = fr.routes(afi)
    return all(p in routes for p in prefixes)


def next_hop(fr, prefix, afi="ipv4"):
    paths = fr.routes(afi).get(prefix) or []
    hops = paths[0].get("nexthops", []) if paths else []
    return [h["ip"] for h in hops if h.get("scope", "global") == "global" or afi == "ipv4"]


def test_group_membership(net):
    c = net["clos"]
    # peers join their groups once the initial table is in (End-of-RIB
    # from every established peer): not at once on Established
    wait_until(lambda: not c.ctl_json("show", "state")["initial_table_wait"] and
               all(c.peer(a)["update_group"] for l in DOWN.values() for a in (l.b4, l.b6)),
               30, "every downstream peer in an update group")
    v4 = {n: c.peer(l.b4) for n, l in DOWN.items()}
    v6 = {n: c.peer(l.b6) for n, l in DOWN.items()}
    e4, up4 = c.peer(LE.b4), c.peer(LU.b4)
    ids4 = {p["update_group"] for p in v4.values()}
    ids6 = {p["update_group"] for p in v6.values()}
    assert len(ids4) == 1 and len(ids6) == 1 and ids4 != ids6, (ids4, ids6)
    assert 0 not in ids4 | ids6
    assert all(p["update_group_members"] == 3 for p in list(v4.values()) + list(v6.values()))
    assert e4["update_group"] not in ids4 | ids6 | {0}
    assert e4["update_group_members"] == 1
    assert up4["update_group"] not in ids4 | {e4["update_group"]}


def test_each_member_gets_its_own_next_hop(net):
    for name, link in DOWN.items():
        fr = net[name]
        wait_until(lambda: has_all(fr, V4) and has_all(fr, V6, "ipv6"), 60,
                   "%s has all %d + %d prefixes" % (name, len(V4), len(V6)))
        assert next_hop(fr, V4[0]) == [link.a4], (name, next_hop(fr, V4[0]))
        assert link.a6 in next_hop(fr, V6[0], "ipv6"), (name, next_hop(fr, V6[0], "ipv6"))
        path = fr.routes()[V4[-1]][0]
        assert path["path"] == "%d %d" % (CLOS_AS, UP_AS), path["path"]


def update_counts(c):
    peers = {n: c.peer(l.b4) for n, l in DOWN.items()}
    return (peers["d1"]["update_group_messages"],
            {n: p["messages_sent"]["update"] for n, p in peers.items()})


def test_change_encoded_once_sent_to_each(net):
    c, up = net["clos"], net["up"]
    for name in DOWN:
        wait_until(lambda: has_all(net[name], V4), 60, "%s has the table" % name)
    enc0, sent0 = update_counts(c)
    up.configure(*["address-family ipv4 unicast"] + ["network %s" % p for p in MORE],
                 asn=UP_AS)
    for name in DOWN:
        wait_until(lambda: has_all(net[name], MORE), 60, "%s has %d new prefixes"
                   % (name, len(MORE)))
    # quiet: the counters settle once every member has the new routes
    wait_until(lambda: update_counts(c) == update_counts(c), 10, "counters settle")
    enc1, sent1 = update_counts(c)
    encoded = enc1 - enc0
    assert encoded >= 1
    for name in DOWN:
        assert sent1[name] - sent0[name] == encoded, (name, sent0, sent1, encoded)


def test_not_sent_back_into_the_sender_as(net):
    c, e = net["clos"], net["e"]
    wait_until(lambda: FROM_D1 in c.routes_by_prefix(peer=L1.b4), 30,
               "closbgpd has %s from d1" % FROM_D1)
    wait_until(lambda: FROM_D1 in e.routes(), 30, "e has %s" % FROM_D1)
    assert e.routes()[FROM_D1][0]["path"] == "%d %d" % (CLOS_AS, D_AS)
    # d1..d3 share AS 65001, which is in the path: the group does not send it
    sent_d = c.peer(L2.b4)["prefixes_sent"]
    sent_e = c.peer(LE.b4)["prefixes_sent"]
    assert sent_e == sent_d + 1, (sent_d, sent_e)


def test_route_refresh_goes_to_the_asking_member_only(net):
    c, d1 = net["clos"], net["d1"]
    before = {n: c.peer(l.b4)["messages_sent"]["update"] for n, l in DOWN.items()}
    rr0 = c.peer(L1.b4)["messages_received"]["route_refresh"]
    d1.vtysh("clear bgp ipv4 unicast %s soft in" % L1.a4)
    wait_until(lambda: c.peer(L1.b4)["messages_received"]["route_refresh"] > rr0, 30,
               "closbgpd got d1's route refresh")
    wait_until(lambda: c.peer(L1.b4)["messages_sent"]["update"] > before["d1"], 30,
               "d1 got its table again")
    after = {n: c.peer(l.b4)["messages_sent"]["update"] for n, l in DOWN.items()}
    assert after["d2"] == before["d2"] and after["d3"] == before["d3"], (before, after)
    assert has_all(d1, V4 + MORE)


def test_member_back_gets_whole_table(net):
    c, d3 = net["clos"], net["d3"]
    d3.configure("neighbor %s shutdown" % L3.a4, asn=D_AS)
    wait_until(lambda: c.peer_state(L3.b4) != "Established", 30, "d3's IPv4 session down")
    wait_until(lambda: c.peer(L1.b4)["update_group_members"] == 2, 10, "group of 2")
    d3.configure("no neighbor %s shutdown" % L3.a4, asn=D_AS)
    c.wait_established(L3.b4, 60)
    wait_until(lambda: has_all(d3, V4 + MORE), 60, "d3 has the whole table again")
    assert next_hop(d3, MORE[0]) == [L3.a4]
    p = c.peer(L3.b4)
    assert p["update_group"] == c.peer(L1.b4)["update_group"]
    assert p["update_group_members"] == 3
