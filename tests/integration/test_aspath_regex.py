"""AS_PATH regular expressions: closbgpd's as-path-set and FRR's
`bgp as-path access-list` agree on the same paths.

    closbgpd (65000) --- FRR up (65001) --- FRR mid (65003)
         all three members of confederation 65100

up originates prefixes with different AS_PATHs (`set as-path prepend`), so
closbgpd and mid receive the same paths, printed "(65001) 64512 64513":
a confederation segment in parentheses, then the AS_SEQUENCE. closbgpd's
import policy has one statement per expression that tags the path with a
community and goes on (next-statement); mid has one access list per
expression, and `show bgp ipv4 unicast filter-list NAME json` says which
paths it permits. The two sets must be equal for every expression.
"""
import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CONFED, CLOS_AS, UP_AS, MID_AS = 65100, 65000, 65001, 65003
LC, LM = addr.link(1), addr.link(2)  # closbgpd–up, up–mid (up is .2 on both)

PREPENDS = {
    "10.30.1.0/24": "64512",
    "10.30.2.0/24": "64512 64513",
    "10.30.3.0/24": "64513 64512",
    "10.30.4.0/24": "645120",
    "10.30.5.0/24": None,
    "10.30.6.0/24": "4200000000 64512",
    "10.30.7.0/24": "64512 64512 64512",
    "10.30.8.0/24": "1 12 123",
}
REGEXES = [
    r"^\(65001\)",
    r"^\(65001\)$",
    r"_64512_",
    r"_64512$",
    r"^\(65001\) 64512",
    r"64512",
    r"_645120_",
    r"_64512 64513_",
    r"[0-9]+ [0-9]+$",
    r"_(64512|64513)_",
    r"_1_",
    r"_12_",
    r"^\(65001\) 1 12",
    r"_4200000000_",
    r"\) 64512 64512",
    r"(_64512){3}$",
    r"^\([0-9]+\) [0-9]+$",
    r"^$",
    r"_6451[23]_",
    r"^\(65001( [0-9]+)*\)_123$",
]


def up_config():
    nets, maps = [], []
    for i, (prefix, prepend) in enumerate(sorted(PREPENDS.items())):
        name = "p%d" % i
        nets.append((prefix, name))
        maps.append("route-map %s permit 10\n%s!\n" % (
            name, " set as-path prepend %s\n" % prepend if prepend else ""))
    return frr.bgp_config(UP_AS, "10.0.0.2", extra=[
        "bgp confederation identifier %d" % CONFED,
        "bgp confederation peers %d %d" % (CLOS_AS, MID_AS)], neighbors=[
        {"address": LC.a4, "remote_as": CLOS_AS},
        {"address": LM.a4, "remote_as": MID_AS, "ttl_security": False}],
        networks=nets) + "".join(maps)


def mid_config():
    acls = "".join("bgp as-path access-list r%d seq 5 permit %s\n" % (i, rx)
                   for i, rx in enumerate(REGEXES))
    return acls + frr.bgp_config(MID_AS, "10.0.0.3", extra=[
        "bgp confederation identifier %d" % CONFED,
        "bgp confederation peers %d" % UP_AS], neighbors=[
        {"address": LM.b4, "remote_as": UP_AS, "ttl_security": False}])


def clos_config():
    sets = [{"name": "r%d" % i, "regex": [rx]} for i, rx in enumerate(REGEXES)]
    stmts = [{"name": "r%d" % i, "match": {"as-path-set": "r%d" % i},
              "actions": {"result": "next-statement", "community": {"add": ["65000:%d" % i]}}}
             for i in range(len(REGEXES))]
    stmts.append({"name": "all", "actions": {"result": "accept"}})
    cfg = closbgp.device_config(
        "10.0.0.1", CLOS_AS, confederation={"identifier": CONFED, "member-as": [UP_AS]},
        neighbors=[closbgp.neighbor(LC.b4, UP_AS, policy={"import": ["probe"]})])
    cfg["closbgp-device:bgp"].update({"defined-sets": {"as-path-set": sets},
                                      "policy": [{"name": "probe", "statement": stmts}]})
    return cfg


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("regex")
    c_ns, u_ns, m_ns = t.add_node("clos"), t.add_node("up"), t.add_node("mid")
    t.add_link(c_ns, u_ns, v4=LC.v4)
    t.add_link(m_ns, u_ns, v4=LM.v4)
    up = t.frr(u_ns, up_config())
    mid = t.frr(m_ns, mid_config())
    c = t.closbgpd(c_ns, clos_config())
    return {"clos": c, "up": up, "mid": mid}


def test_regexes_agree_with_frr(net):
    c, mid = net["clos"], net["mid"]
    want = set(PREPENDS)
    routes = wait_until(lambda: (lambda r: r if set(r) == want else None)(
        c.routes_by_prefix(peer=LC.b4)), 30, "closbgpd has every path from up")
    wait_until(lambda: set(mid.routes()) >= want, 30, "mid has every path from up")
    paths = {p: routes[p]["as_path"] for p in want}
    assert paths["10.30.2.0/24"] == "(%d) 64512 64513" % UP_AS
    assert paths["10.30.5.0/24"] == "(%d)" % UP_AS
    mismatches = []
    for i, rx in enumerate(REGEXES):
        ours = {p for p in want if "65000:%d" % i in routes[p]["communities"]}
        res = mid.json("show bgp ipv4 unicast filter-list r%d json" % i)
        frrs = set(res.get("routes", {})) & want
        if ours != frrs:
            mismatches.append("%s: closbgpd %s, FRR %s (paths %s)" % (
                rx, sorted(ours), sorted(frrs), paths))
    assert not mismatches, "\n".join(mismatches)
    # the expressions are not trivial: some match, some do not
    tagged = [sum("65000:%d" % i in routes[p]["communities"] for p in want)
              for i in range(len(REGEXES))]
    assert any(n == 0 for n in tagged) and any(0 < n < len(want) for n in tagged)
