"""closbgpd in a BGP confederation (RFC 5065).

    member FRR (65401, confed 65100) --- closbgpd (65301, confed 65100) --- outside FRR (65000)

Inside the confederation routes carry an AS_CONFED_SEQUENCE, shown as
"(65401)" / "(65301)"; outside, closbgpd's route has AS_PATH 65100 (the
confederation identifier), never the member AS.
"""
import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CONFED_ID, CLOS_AS, MEMBER_AS, OUTSIDE_AS = 65100, 65301, 65401, 65000
LM, LO = addr.link(1), addr.link(2)   # closbgpd is the .1 end of both links


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("confed")
    c_ns, m_ns, o_ns = t.add_node("clos"), t.add_node("member"), t.add_node("outside")
    t.add_link(c_ns, m_ns, v4=LM.v4)
    t.add_link(c_ns, o_ns, v4=LO.v4)
    member = t.frr(m_ns, frr.bgp_config(
        MEMBER_AS, "10.0.0.2",
        extra=["bgp confederation identifier %d" % CONFED_ID,
               "bgp confederation peers %d" % CLOS_AS],
        neighbors=[{"address": LM.a4, "remote_as": CLOS_AS}],
        networks=[("198.51.100.0/24", None)]))
    outside = t.frr(o_ns, frr.bgp_config(
        OUTSIDE_AS, "10.0.0.3", neighbors=[{"address": LO.a4, "remote_as": CONFED_ID}],
        networks=[("203.0.113.0/24", None)]))
    c = t.closbgpd(c_ns, closbgp.device_config(
        "10.0.0.1", CLOS_AS,
        confederation={"identifier": CONFED_ID, "member-as": [MEMBER_AS]},
        neighbors=[closbgp.neighbor(LM.b4, MEMBER_AS), closbgp.neighbor(LO.b4, OUTSIDE_AS)],
        networks=[{"prefix": "192.0.2.0/24", "community": ["65301:1"]}]))
    return {"clos": c, "member": member, "outside": outside}


def test_established(net):
    c = net["clos"]
    c.wait_established(LM.b4)
    c.wait_established(LO.b4)
    net["member"].wait_established(LM.a4)
    net["outside"].wait_established(LO.a4)
    s = c.summary()
    assert s["local_as"] == CLOS_AS and s["confed_id"] == CONFED_ID
    # the outside peer sees the confederation identifier in closbgpd's OPEN
    assert net["outside"].neighbor(LO.a4)["remoteAs"] == CONFED_ID


def test_member_route_on_closbgpd(net):
    c = net["clos"]
    r = wait_until(lambda: c.routes_by_prefix(peer=LM.b4).get("198.51.100.0/24"), 30,
                   "closbgpd has the member's 198.51.100.0/24")
    assert r["peer"] == LM.b4
    assert r["as_path"] == "(%d)" % MEMBER_AS
    assert r["next_hop"] == LM.b4


def test_closbgpd_route_on_member(net):
    m = net["member"]
    wait_until(lambda: m.route("192.0.2.0/24").get("paths"), 30, "member has 192.0.2.0/24")
    path = m.route("192.0.2.0/24")["paths"][0]
    assert path["aspath"]["string"] == "(%d)" % CLOS_AS
    assert path["aspath"]["segments"][0]["type"] == "as-confed-sequence"
    assert path["nexthops"][0]["ip"] == LM.a4
    assert path["community"]["list"] == ["65301:1"]


def test_outside_sees_confed_identifier(net):
    o = net["outside"]
    wait_until(lambda: o.route("192.0.2.0/24").get("paths"), 30, "outside has 192.0.2.0/24")
    path = o.route("192.0.2.0/24")["paths"][0]
    assert path["aspath"]["string"] == str(CONFED_ID)
    assert path["nexthops"][0]["ip"] == LO.a4


def test_outside_route_on_closbgpd(net):
    c = net["clos"]
    r = wait_until(lambda: c.routes_by_prefix(peer=LO.b4).get("203.0.113.0/24"), 30,
                   "closbgpd has the outside 203.0.113.0/24")
    assert r["as_path"] == str(OUTSIDE_AS)
    assert r["next_hop"] == LO.b4
