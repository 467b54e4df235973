"""The policy of the policy benchmark (issue 11, `run --policy`): one
description, rendered as closbgpd's JSON, FRR's route-maps and BIRD's
filters, so the three DUTs evaluate the same statements in the same order.

The paper's average sizes: 11 import statements on every feeder session,
12 export statements on the sink session. In each chain every statement but
the last tests something the feed never carries (route-type communities,
other communities, a large community, AS_PATH regular expressions, origin)
and accepts or rejects; the last matches the community every fed route
carries (FEED_COMMUNITY, sent by speaker.py) and accepts: on import it sets
LOCAL_PREF and adds IMPORT_MARK, on export it adds EXPORT_MARK. So the sink
still receives every prefix, and each path goes through the whole chain.

A statement is (match, result, actions):
  match   ("route-type", NAME) | ("community-any", [C, ...])
          | ("community-all", [C, ...]) | ("large", LC) | ("as-path", REGEX)
          | ("origin", "egp" | "incomplete") | ("all", None) (always matches)
  result  "accept" | "reject"
  actions {"local-pref": NAME, "add": [C, ...]} (accept only)
and, in closbgpd's per-path variant only (see closbgpd()), the match
("prefix", [(PREFIX, MIN, MAX), ...]). AS_PATH regexes take four forms,
which BIRD's path masks can express too: "_N_" (N anywhere), "^N$" (the
path is N), "^N_" (first), "_N$" (last).
"""

FEED_COMMUNITY = "65001:1"
IMPORT_MARK = "65000:11"
EXPORT_MARK = "65000:12"

ROUTE_TYPES = {"rack_prefix": "65520:101", "pod_aggregate": "65520:102",
               "infra": "65520:103", "vip": "65520:104", "backup_path": "65520:105"}
LOCAL_PREF = {"fed": 200, "primary": 100, "backup": 90}

IMPORT = [
    (("route-type", "rack_prefix"), "reject", {}),
    (("route-type", "pod_aggregate"), "accept", {"local-pref": "primary"}),
    (("route-type", "backup_path"), "accept", {"local-pref": "backup"}),
    (("route-type", "vip"), "accept", {"local-pref": "primary"}),
    (("community-any", ["65520:200", "65520:201"]), "reject", {}),
    (("community-all", ["65001:7", "65001:8"]), "reject", {}),
    (("large", "65000:1:2"), "reject", {}),
    (("as-path", "_65009_"), "reject", {}),
    (("as-path", "^65010$"), "accept", {"local-pref": "backup"}),
    (("origin", "egp"), "reject", {}),
    (("community-any", [FEED_COMMUNITY]), "accept",
     {"local-pref": "fed", "add": [IMPORT_MARK]}),
]

EXPORT = [
    (("route-type", "rack_prefix"), "reject", {}),
    (("route-type", "infra"), "reject", {}),
    (("route-type", "backup_path"), "reject", {}),
    (("route-type", "pod_aggregate"), "accept", {}),
    (("community-any", ["65520:300", "65520:301"]), "reject", {}),
    (("community-all", ["65001:9", "65001:10"]), "accept", {}),
    (("large", "65000:2:3"), "reject", {}),
    (("as-path", "_65011_"), "reject", {}),
    (("as-path", "^65012_"), "reject", {}),
    (("as-path", "_65013$"), "accept", {}),
    (("origin", "incomplete"), "reject", {}),
    (("community-any", [FEED_COMMUNITY]), "accept", {"add": [EXPORT_MARK]}),
]

CHAINS = (("feed-in", IMPORT), ("sink-out", EXPORT))
assert len(IMPORT) == 11 and len(EXPORT) == 12

# The failover benchmark (issue 12, `run --failover`): the feeder over link
# A sends rack_prefix paths, those over B and C the same prefixes as
# backup_path; the import policy puts the backups at LOCAL_PREF 90 and the
# rest at 100, so A's path is the ECMP set and B + C the next-best one.
# Only an import chain: the sink gets everything.
FAILOVER_IMPORT = [
    (("route-type", "backup_path"), "accept", {"local-pref": "backup"}),
    (("all", None), "accept", {"local-pref": "primary"}),
]
FAILOVER_CHAINS = (("failover-in", FAILOVER_IMPORT), ("sink-out", None))


def _set_name(chain, i):
    return "%s-%d" % (chain, i + 1)


# -- closbgpd (topo/yang/closbgp-device.yang) ---------------------------------
# Per path: a chain that looks at prefixes is evaluated for every prefix
# and bypasses the result cache (bgpd/route.c route_nlri, policy/cache.c),
# where otherwise closbgpd evaluates once per UPDATE's attribute set.
PER_PATH = ("prefix", [("10.255.0.0/16", 16, 32), ("fd00:ff::/32", 32, 128)])


def closbgpd(bgp, per_path=False, chains=CHAINS):
    """Add the route types, LOCAL_PREF names, sets and the two policies to a
    closbgp-device:bgp dict; returns (import chain, export chain), None for
    a chain that chains leaves out (statements None). per_path: the origin
    statement of each chain becomes a prefix-set one (matching no fed
    prefix either), which makes closbgpd evaluate every path."""
    sets = {"community-set": [], "large-community-set": [], "as-path-set": [],
            "prefix-set": []}
    policies = []
    for chain, stmts in chains:
        if stmts is None:
            continue
        if per_path:
            stmts = [(PER_PATH, res, act) if m[0] == "origin" else (m, res, act)
                     for m, res, act in stmts]
        out = []
        for i, ((kind, arg), result, act) in enumerate(stmts):
            name = _set_name(chain, i)
            if kind == "route-type":
                m = {"route-type": [arg]}
            elif kind in ("community-any", "community-all"):
                sets["community-set"].append({"name": name, "member": list(arg)})
                m = {"community": {"set": name, "match": kind.split("-")[1]}}
            elif kind == "large":
                sets["large-community-set"].append({"name": name, "member": [arg]})
                m = {"large-community": {"set": name}}
            elif kind == "as-path":
                sets["as-path-set"].append({"name": name, "regex": [arg]})
                m = {"as-path-set": name}
            elif kind == "prefix":
                sets["prefix-set"].append({"name": name, "prefix": [
                    {"prefix": p, "min-length": lo, "max-length": hi} for p, lo, hi in arg]})
                m = {"prefix": {"set": name}}
            elif kind == "all":
                m = None
            else:
                m = {"origin": [arg]}
            a = {"result": result}
            if "local-pref" in act:
                a["set-local-preference"] = act["local-pref"]
            if act.get("add"):
                a["community"] = {"add": list(act["add"])}
            st = {"name": "s%d" % ((i + 1) * 10)}
            if m is not None:
                st["match"] = m
            st["actions"] = a
            out.append(st)
        policies.append({"name": chain, "statement": out})
    bgp["local-preference"] = [{"name": k, "value": v} for k, v in LOCAL_PREF.items()]
    bgp["route-type"] = [{"name": k, "community": v} for k, v in ROUTE_TYPES.items()]
    sets = {k: v for k, v in sets.items() if v}
    if sets:
        bgp["defined-sets"] = sets
    bgp["policy"] = policies
    return tuple(c if s is not None else None for c, s in chains)


# -- FRR: community lists, as-path access lists, route-maps ------------------
def frr(chains=CHAINS):
    """(lines before `router bgp`, import route-map name, export route-map
    name); a name is None for a chain left out."""
    L = []
    maps = []
    for chain, stmts in chains:
        if stmts is None:
            continue
        rm = chain.upper()
        for i, ((kind, arg), result, act) in enumerate(stmts):
            name = _set_name(chain, i).upper()
            if kind in ("route-type", "community-any"):
                members = [ROUTE_TYPES[arg]] if kind == "route-type" else arg
                L += ["bgp community-list standard %s permit %s" % (name, c) for c in members]
                m = "match community %s" % name
            elif kind == "community-all":       # one entry with several: all of them
                L.append("bgp community-list standard %s permit %s" % (name, " ".join(arg)))
                m = "match community %s" % name
            elif kind == "large":
                L.append("bgp large-community-list standard %s permit %s" % (name, arg))
                m = "match large-community %s" % name
            elif kind == "as-path":
                L.append("bgp as-path access-list %s permit %s" % (name, arg))
                m = "match as-path %s" % name
            elif kind == "all":
                m = None
            else:
                m = "match origin %s" % arg
            maps.append("route-map %s %s %d" % (rm, "permit" if result == "accept" else "deny",
                                                (i + 1) * 10))
            if m:
                maps.append(" " + m)
            if "local-pref" in act:
                maps.append(" set local-preference %d" % LOCAL_PREF[act["local-pref"]])
            if act.get("add"):
                maps.append(" set community %s additive" % " ".join(act["add"]))
            maps.append("!")
    names = tuple(c.upper() if s is not None else None for c, s in chains)
    return L + ["!"] + maps, names[0], names[1]


# -- BIRD 2 filters --------------------------------------------------------------
def _pair(c):
    return "(%s)" % ",".join(c.split(":"))


def _bird_mask(regex):
    n = regex.strip("_^$")
    if not n.isdigit():
        raise ValueError("AS_PATH regex %r: not one of the forms BIRD can express" % regex)
    head = "" if regex.startswith("^") else "* "
    tail = "" if regex.endswith("$") else " *"
    return "[= %s%s%s =]" % (head, n, tail)


def bird(chains=CHAINS):
    """(filter definitions, import filter name, export filter name); a name
    is None for a chain left out."""
    L = []
    for chain, stmts in chains:
        if stmts is None:
            continue
        fname = chain.replace("-", "_")
        L.append("filter %s {" % fname)
        for (kind, arg), result, act in stmts:
            if kind in ("route-type", "community-any"):
                members = [ROUTE_TYPES[arg]] if kind == "route-type" else arg
                cond = "bgp_community ~ [%s]" % ", ".join(_pair(c) for c in members)
            elif kind == "community-all":
                cond = " && ".join("%s ~ bgp_community" % _pair(c) for c in arg)
            elif kind == "large":
                cond = "%s ~ bgp_large_community" % _pair(arg)
            elif kind == "as-path":
                cond = "bgp_path ~ %s" % _bird_mask(arg)
            elif kind == "all":
                cond = "true"
            else:
                cond = "bgp_origin = ORIGIN_%s" % arg.upper()
            body = []
            if "local-pref" in act:
                body.append("bgp_local_pref = %d;" % LOCAL_PREF[act["local-pref"]])
            for c in act.get("add", ()):
                body.append("bgp_community = add(bgp_community, %s);" % _pair(c))
            body.append("%s;" % result)
            L.append("  if %s then { %s }" % (cond, " ".join(body)))
        L += ["  reject;", "}"]
    names = tuple(c.replace("-", "_") if s is not None else None for c, s in chains)
    return L, names[0], names[1]
