"""Routing policy (issue 11) against real FRR.

    FRR up (65001) --- closbgpd (65000) --- FRR down (65002)
                                       +--- FRR down2 (65002)

up sends paths with different communities and AS_PATHs; closbgpd's
import policy accepts, rejects and sets LOCAL_PREF, keeps what it rejects
(`show routes filtered`, naming the policy and statement), and its export
policy decides what down gets and adds a community. A SIGHUP with a changed
policy changes what down holds without a session reset or a route refresh;
down and down2 share an update group until down2 gets its own export
policy: it moves to another group and loses what that one does not send;
max-prefix tears the session down with Cease/Maximum Number of Prefixes
Reached (RFC 4486) and it comes back after the configured restart time.

The tests of this module share one topology and run in file order.
"""
import time

import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, UP_AS, DOWN_AS = 65000, 65001, 65002
LU, LD, LD2 = addr.link(1), addr.link(2), addr.link(3)  # closbgpd is the .1 end

RACK, POD, INFRA, BACKUP = "65520:101", "65520:102", "65520:103", "65520:105"
# prefix -> (FRR route-map lines after "set community", why)
UP_NETS = {
    "10.10.1.0/24": ["set community %s" % RACK],               # accepted, primary
    "10.10.2.0/24": ["set community %s" % BACKUP],             # accepted, backup
    "10.10.3.0/24": ["set community %s 65000:666" % RACK],     # rejected: bad community
    "10.10.4.0/24": [],                                        # default deny
    "10.10.5.0/24": ["set community %s" % RACK,                # rejected: AS_PATH regex
                     "set as-path prepend 64999"],
}
OWN = "10.20.0.0/24"


def up_frr_config():
    nets, maps = [], []
    for i, (prefix, sets) in enumerate(sorted(UP_NETS.items())):
        name = "n%d" % i
        nets.append((prefix, name))
        maps.append("route-map %s permit 10\n%s\n!\n" % (
            name, "\n".join(" " + s for s in sets)))
    return frr.bgp_config(UP_AS, "10.0.0.2", neighbors=[
        {"address": LU.a4, "remote_as": CLOS_AS}], networks=nets) + "".join(maps)


def policy(drop_bad=True, tag="65000:42", maxpfx=None, down2_export="to-down"):
    """closbgpd's device config; the knobs are what the tests change."""
    stmts = []
    if drop_bad:
        stmts.append({"name": "drop-bad", "match": {"community": {"set": "bad"}},
                      "actions": {"result": "reject"}})
    stmts += [
        {"name": "drop-via-64999", "match": {"as-path-set": "via-64999"},
         "actions": {"result": "reject"}},
        {"name": "backup", "match": {"route-type": ["backup_path"]},
         "actions": {"result": "accept", "set-local-preference": "backup"}},
        {"name": "racks", "match": {"route-type": ["rack_prefix"]},
         "actions": {"result": "accept", "set-local-preference": "primary"}},
    ]
    up = closbgp.neighbor(LU.b4, UP_AS, policy={"import": ["from-up"]})
    if maxpfx:
        up["max-prefix"] = maxpfx
    down = closbgp.neighbor(LD.b4, DOWN_AS, policy={"import": ["nothing"],
                                                    "export": ["to-down"]})
    down2 = closbgp.neighbor(LD2.b4, DOWN_AS, policy={"import": ["nothing"],
                                                      "export": [down2_export]})
    cfg = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[up, down, down2],
                                networks=[{"prefix": OWN, "route-type": ["infra"]}])
    cfg["closbgp-device:bgp"].update({
        "policy-required": True,
        "local-preference": [{"name": "primary", "value": 100},
                             {"name": "backup", "value": 90}],
        "route-type": [{"name": "rack_prefix", "community": RACK},
                       {"name": "pod_aggregate", "community": POD},
                       {"name": "infra", "community": INFRA},
                       {"name": "backup_path", "community": BACKUP}],
        "defined-sets": {
            "community-set": [{"name": "bad", "member": ["65000:666"]}],
            "as-path-set": [{"name": "via-64999", "regex": ["_64999$"]}],
        },
        "policy": [
            {"name": "from-up", "statement": stmts},
            {"name": "nothing", "statement": [
                {"name": "none", "actions": {"result": "reject"}}]},
            {"name": "to-down", "statement": [
                {"name": "tag", "match": {"route-type": ["rack_prefix", "backup_path",
                                                         "infra"]},
                 "actions": {"result": "accept", "community": {"add": [tag]}}}]},
            {"name": "racks-only", "statement": [
                {"name": "racks", "match": {"route-type": ["rack_prefix"]},
                 "actions": {"result": "accept"}}]},
        ],
    })
    return cfg


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("policy")
    c_ns, u_ns, d_ns = t.add_node("clos"), t.add_node("up"), t.add_node("down")
    d2_ns = t.add_node("down2")
    t.add_link(c_ns, u_ns, v4=LU.v4)
    t.add_link(c_ns, d_ns, v4=LD.v4)
    t.add_link(c_ns, d2_ns, v4=LD2.v4)
    up = t.frr(u_ns, up_frr_config())
    down = t.frr(d_ns, frr.bgp_config(DOWN_AS, "10.0.0.3", neighbors=[
        {"address": LD.a4, "remote_as": CLOS_AS}]))
    down2 = t.frr(d2_ns, frr.bgp_config(DOWN_AS, "10.0.0.4", neighbors=[
        {"address": LD2.a4, "remote_as": CLOS_AS}]))
    c = t.closbgpd(c_ns, policy())
    return {"clos": c, "up": up, "down": down, "down2": down2}


def down_paths(net, which="down"):
    """{prefix: set of communities} of what FRR down (or down2) holds."""
    out = {}
    for prefix in net[which].routes():
        paths = net[which].route(prefix).get("paths") or []
        if paths:
            out[prefix] = set(paths[0].get("community", {}).get("list", []))
    return out


def filtered(net, peer=LU.b4):
    """closbgpd's filtered paths from up (down's, all looped, are filtered too)."""
    return {r["prefix"]: r for r in net["clos"].ctl_json("show", "routes", "filtered")["routes"]
            if r["peer"] == peer}


def sessions(net):
    c = net["clos"]
    return (c.peer(LU.b4)["established_count"], c.peer(LD.b4)["established_count"],
            net["up"].neighbor(LU.a4)["connectionsEstablished"],
            net["down"].neighbor(LD.a4)["connectionsEstablished"])


def test_established(net):
    c = net["clos"]
    c.wait_established(LU.b4)
    c.wait_established(LD.b4)
    c.wait_established(LD2.b4)
    net["up"].wait_established(LU.a4)
    net["down"].wait_established(LD.a4)
    net["down2"].wait_established(LD2.a4)


def test_import_accepts_and_sets_local_pref(net):
    c = net["clos"]
    got = wait_until(lambda: (lambda r: r if {"10.10.1.0/24", "10.10.2.0/24"} <= set(r)
                              else None)(c.routes_by_prefix(peer=LU.b4)),
                     30, "closbgpd accepted 10.10.1.0/24 and 10.10.2.0/24")
    assert set(got) == {"10.10.1.0/24", "10.10.2.0/24"}, got
    assert got["10.10.1.0/24"]["local_pref"] == 100
    assert got["10.10.2.0/24"]["local_pref"] == 90


def test_rejected_paths_are_kept_as_filtered(net):
    f = wait_until(lambda: (lambda x: x if len(x) == 3 else None)(filtered(net)), 30,
                   "three filtered paths")
    assert f["10.10.3.0/24"]["filtered_by"] == {
        "policy": "from-up", "statement": "drop-bad", "reason": "rejected by statement"}
    assert f["10.10.5.0/24"]["filtered_by"]["statement"] == "drop-via-64999"
    assert f["10.10.5.0/24"]["as_path"] == "%d 64999" % UP_AS
    assert f["10.10.4.0/24"]["filtered_by"]["statement"] == ""
    assert f["10.10.4.0/24"]["filtered_by"]["reason"].startswith("default deny")
    for r in f.values():
        assert r["filtered"] and not r["valid"] and not r["best"]
    # the text table names them too
    text = net["clos"].ctl("show", "routes", "filtered").stdout
    assert "from-up/drop-bad" in text and "default deny" in text, text
    # down sends everything back (FRR has no sender-side loop check): its
    # import policy rejects it all
    echo = {"10.10.1.0/24", "10.10.2.0/24", OWN}
    wait_until(lambda: set(filtered(net, LD.b4)) == echo, 30, "down's paths filtered")
    wait_until(lambda: set(filtered(net, LD2.b4)) == echo, 30, "down2's paths filtered")
    # filtered paths are no candidates: not in the Loc-RIB view
    assert "10.10.3.0/24" not in net["clos"].routes_by_prefix()


def test_downstream_gets_exactly_the_exported_set(net):
    want = {"10.10.1.0/24", "10.10.2.0/24", OWN}
    got = wait_until(lambda: (lambda d: d if set(d) == want else None)(down_paths(net)), 30,
                     "FRR down holds exactly %s" % sorted(want))
    assert got["10.10.1.0/24"] == {RACK, "65000:42"}
    assert got["10.10.2.0/24"] == {BACKUP, "65000:42"}
    assert got[OWN] == {INFRA, "65000:42"}
    # nothing comes back from down: its import policy rejects everything
    assert not net["clos"].routes_by_prefix(peer=LD.b4)


def test_show_policy_counts_matches(net):
    p = net["clos"].ctl_json("show", "policy")
    assert p["policy_required"] is True
    by = {x["name"]: x for x in p["policies"]}
    assert set(by) == {"from-up", "nothing", "to-down", "racks-only"}
    st = {s["name"]: s for s in by["from-up"]["statements"]}
    assert [s["name"] for s in by["from-up"]["statements"]] == [
        "drop-bad", "drop-via-64999", "backup", "racks"]
    assert st["drop-bad"]["result"] == "reject" and st["drop-bad"]["matches"] >= 1
    assert st["racks"]["matches"] >= 1 and st["backup"]["matches"] >= 1
    assert by["from-up"]["import_peers"] == [LU.b4]
    assert sorted(by["to-down"]["export_peers"]) == sorted([LD.b4, LD2.b4])
    assert by["to-down"]["evaluations"] >= 3
    cache = p["cache"]
    assert cache["capacity"] > 0 and cache["entries"] >= 1
    assert cache["hits"] + cache["misses"] >= 1
    one = net["clos"].ctl_json("show", "policy", "to-down")
    assert [x["name"] for x in one["policies"]] == ["to-down"]
    res = net["clos"].ctl("show", "policy", "no-such-policy")
    assert res.returncode == 1 and "no such policy" in res.stderr


def test_sighup_policy_change_without_reset(net):
    c = net["clos"]
    before = sessions(net)
    refresh = c.peer(LU.b4)["messages_sent"]["route_refresh"]
    c.write_config(policy(drop_bad=False, tag="65000:43"))
    c.reload()
    want = {"10.10.1.0/24", "10.10.2.0/24", "10.10.3.0/24", OWN}
    got = wait_until(lambda: (lambda d: d if set(d) == want and all(
        "65000:43" in v for v in d.values()) else None)(down_paths(net)), 30,
        "FRR down has 10.10.3.0/24 and the new community")
    assert all("65000:42" not in v for v in got.values()), got
    assert set(filtered(net)) == {"10.10.4.0/24", "10.10.5.0/24"}
    assert sessions(net) == before, "a session was reset"
    assert c.peer(LU.b4)["messages_sent"]["route_refresh"] == refresh
    assert c.peer_state(LU.b4) == c.peer_state(LD.b4) == "Established"


def test_sighup_bad_policy_is_rejected(net):
    """An unreachable statement (shadowed by an earlier one with the same
    conditions) is refused with FILE: PATH: REASON; the old policy runs on."""
    c = net["clos"]
    before, held = sessions(net), down_paths(net)
    bad = policy(drop_bad=False, tag="65000:43")
    stmts = bad["closbgp-device:bgp"]["policy"][0]["statement"]
    stmts.append(dict(stmts[-1], name="racks-again"))
    offset = len(c.log_text())
    c.write_config(bad)
    c.reload()
    text = wait_until(lambda: (lambda t: t if "rejected" in t else None)(c.log_text()[offset:]),
                      10, "closbgpd rejects the policy")
    assert "statement[name='racks-again']: can never be reached" in text, text
    c.write_config(policy(drop_bad=False, tag="65000:43"))  # the running one, for later tests
    assert c.running and sessions(net) == before
    assert down_paths(net) == held


def test_max_prefix_warning_only(net):
    c = net["clos"]
    before = sessions(net)
    offset = len(c.log_text())
    c.write_config(policy(drop_bad=False, tag="65000:43",
                          maxpfx={"limit": 2, "action": "warning"}))
    c.reload()
    wait_until(lambda: "over the max-prefix limit 2" in c.log_text()[offset:], 15,
               "closbgpd warns: over the max-prefix limit")
    assert sessions(net) == before


def test_max_prefix_cease_and_restart(net):
    c, up = net["clos"], net["up"]
    count = c.peer(LU.b4)["established_count"]
    c.write_config(policy(drop_bad=False, tag="65000:43",
                          maxpfx={"limit": 2, "restart-time": 5}))
    c.reload()
    n = wait_until(lambda: (lambda x: x if x.get("lastErrorCodeSubcode") == "0601" else None)(
        up.neighbor(LU.a4)), 15, "FRR up got Cease/Maximum Number of Prefixes Reached")
    t0 = time.monotonic()
    assert "Maximum Number of Prefixes" in n.get("lastNotificationReason", ""), n
    err = c.peer(LU.b4)["last_error"]
    assert err["direction"] == "sent" and (err["code"], err["subcode"]) == (6, 1), err
    # its paths are gone from closbgpd and from down
    wait_until(lambda: "10.10.1.0/24" not in down_paths(net), 15, "down lost 10.10.1.0/24")
    # back after restart-time (and over the limit again: the test ends it)
    wait_until(lambda: c.peer(LU.b4)["established_count"] > count, 30,
               "the session comes back after the restart time")
    assert time.monotonic() - t0 >= 4.0
    c.write_config(policy(drop_bad=False, tag="65000:43", maxpfx={"limit": 100}))
    c.reload()
    c.wait_established(LU.b4, timeout=30)
    wait_until(lambda: "10.10.1.0/24" in down_paths(net), 30, "down has 10.10.1.0/24 again")


def test_member_moves_to_its_own_update_group(net):
    c = net["clos"]
    group = c.peer(LD.b4)["update_group"]
    assert group and c.peer(LD2.b4)["update_group"] == group, "down and down2 share a group"
    before = sessions(net)
    count2 = c.peer(LD2.b4)["established_count"]
    c.write_config(policy(drop_bad=False, tag="65000:43", maxpfx={"limit": 100},
                          down2_export="racks-only"))
    c.reload()
    want2 = {"10.10.1.0/24", "10.10.3.0/24"}  # rack prefixes, no community added
    got = wait_until(lambda: (lambda d: d if set(d) == want2 else None)(
        down_paths(net, "down2")), 30, "down2 holds only the rack prefixes")
    assert got["10.10.1.0/24"] == {RACK}
    assert c.peer(LD2.b4)["update_group"] != c.peer(LD.b4)["update_group"]
    # down keeps everything, unchanged
    d = down_paths(net)
    assert set(d) == {"10.10.1.0/24", "10.10.2.0/24", "10.10.3.0/24", OWN}, d
    assert all("65000:43" in v for v in d.values()), d
    assert sessions(net) == before
    assert c.peer(LD2.b4)["established_count"] == count2
    # and back: down2 joins down's group again and gets the full set
    c.write_config(policy(drop_bad=False, tag="65000:43", maxpfx={"limit": 100}))
    c.reload()
    wait_until(lambda: set(down_paths(net, "down2")) == set(d), 30,
               "down2 has the full set again")
    assert c.peer(LD2.b4)["update_group"] == c.peer(LD.b4)["update_group"]
