"""NOTIFICATIONs both ways: OPEN Message Error / Bad Peer AS (2/2).

    frr-a (65002): closbgpd is configured with the wrong AS for it
                   -> closbgpd SENDS 2/2, frr-a receives it
    frr-b (65003): frr-b is configured with the wrong AS for closbgpd
                   -> frr-b sends 2/2, closbgpd RECEIVES it
"""
import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_json, wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, A_AS, B_AS, WRONG_AS = 65001, 65002, 65003, 65099
LA, LB = addr.link(1), addr.link(2)
BAD_PEER_AS = "OPEN Message Error/Bad Peer AS"


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("notifications")
    c_ns, a_ns, b_ns = t.add_node("clos"), t.add_node("frra"), t.add_node("frrb")
    t.add_link(c_ns, a_ns, v4=LA.v4)
    t.add_link(c_ns, b_ns, v4=LB.v4)
    fa = t.frr(a_ns, frr.bgp_config(A_AS, "10.0.0.2", neighbors=[
        {"address": LA.a4, "remote_as": CLOS_AS}]))
    fb = t.frr(b_ns, frr.bgp_config(B_AS, "10.0.0.3", neighbors=[
        {"address": LB.a4, "remote_as": WRONG_AS}]))
    # closbgpd is passive here: FRR then always runs the session on its
    # configured peer (a connection FRR accepts is handled by a temporary
    # "doppelganger" peer whose errors `show bgp neighbors` does not show).
    c = t.closbgpd(c_ns, closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(LA.b4, WRONG_AS, passive=True),
        closbgp.neighbor(LB.b4, B_AS, passive=True)]))
    return {"clos": c, "frra": fa, "frrb": fb}


def test_closbgpd_sends_bad_peer_as(net):
    c, fa = net["clos"], net["frra"]
    err = wait_until(lambda: c.peer(LA.b4).get("last_error"), 30,
                     "closbgpd last_error for %s" % LA.b4)
    assert err["direction"] == "sent"
    assert (err["code"], err["subcode"]) == (2, 2)
    assert err["name"] == BAD_PEER_AS
    assert c.peer_state(LA.b4) != "Established"
    assert c.peer(LA.b4)["messages_sent"]["notification"] >= 1
    n = wait_json(lambda: fa.neighbor(LA.a4),
                  {"lastErrorCodeSubcode": "0202", "lastNotificationReason": BAD_PEER_AS,
                   "lastResetDueTo": "BGP Notification received"},
                  30, "FRR received Bad Peer AS from closbgpd")
    assert n["messageStats"]["notificationsRecv"] >= 1


def test_closbgpd_receives_bad_peer_as(net):
    c, fb = net["clos"], net["frrb"]
    err = wait_until(lambda: c.peer(LB.b4).get("last_error"), 30,
                     "closbgpd last_error for %s" % LB.b4)
    assert err["direction"] == "received"
    assert (err["code"], err["subcode"]) == (2, 2)
    assert err["name"] == BAD_PEER_AS
    assert c.peer(LB.b4)["messages_received"]["notification"] >= 1
    wait_json(lambda: fb.neighbor(LB.a4),
              {"lastErrorCodeSubcode": "0202", "lastNotificationReason": BAD_PEER_AS,
               "lastResetDueTo": "BGP Notification send"},
              30, "FRR sent Bad Peer AS to closbgpd")


def test_recovers_when_fixed(net):
    """Fix FRR's side: the session comes up."""
    c, fb = net["clos"], net["frrb"]
    fb.configure("neighbor %s remote-as %d" % (LB.a4, CLOS_AS), asn=B_AS)
    c.wait_established(LB.b4, timeout=60)
    fb.wait_established(LB.a4, timeout=30)
