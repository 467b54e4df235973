"""Malformed and out-of-order messages, from a raw BGP speaker to a real
closbgpd over real sessions: one test per case of docs/malformed.md
(RFC 4271 6, RFC 7606, RFC 6793, RFC 7607, RFC 6608), the UPDATE cases for
IPv4 (NLRI field) and IPv6 (MP_REACH_NLRI) alike.

    spk (lib/rawbgp.py) -- link 1: eBGP, AS 65002 --> clos (closbgpd, AS 65001,
                        -- link 2: iBGP, AS 65001 -->       kernel FIB)

Every test runs its own session; closbgpd is passive for both neighbours.
An UPDATE case first announces, valid, one prefix of each family to keep
and the "victim" prefix of each family; then it sends the malformed UPDATE
carrying the victim (tagged with a community), then a valid marker UPDATE:
once the marker is in closbgpd's Loc-RIB, the malformed one has been
processed (one TCP stream, handled in order). Then, by the action the RFC
requires:
  withdraw  treat-as-withdraw: the victim is gone, the kept prefixes of both
            families stay, the session stays up (same Established count, no
            NOTIFICATION)
  discard   attribute discard: the victim stays, with the tag and without
            the attribute; the session stays up
  accept    the UPDATE is fine as it is
  ignore    semantically incorrect NLRI: that prefix is left out, the rest
            of the UPDATE (the tagged victim) stands
  reset     the speaker receives the NOTIFICATION with the code, subcode and
            data required, the connection closes, closbgpd shows it as sent
            and the session's routes are gone
"""
import ipaddress
import struct

import pytest

from lib import addr, closbgp
from lib import rawbgp as rb
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, PEER_AS = 65001, 65002
CLOS_ID = "10.0.0.1"
L1, L2 = addr.link(1), addr.link(2)
EBGP = {"name": "ebgp", "local": L1.b4, "remote": L1.a4, "asn": PEER_AS, "path": (PEER_AS,),
        "nh4": L1.b4, "nh6": L1.b6, "ours4": L1.a4, "ours6": L1.a6, "ibgp": False}
IBGP = {"name": "ibgp", "local": L2.b4, "remote": L2.a4, "asn": CLOS_AS, "path": (),
        "nh4": L2.b4, "nh6": L2.b6, "ours4": L2.a4, "ours6": L2.a6, "ibgp": True}
KEEP = {4: "10.100.0.0/24", 6: "2001:db8:100::/48"}
VICTIM = {4: "10.101.0.0/24", 6: "2001:db8:101::/48"}
MULTICAST = {4: "224.1.0.0/16", 6: "ff0e::/16"}
TAG = (PEER_AS << 16) | 777                   # community 65002:777 on the malformed UPDATE
TAG_TEXT = "%d:777" % PEER_AS
FAST = 0.05                                   # poll interval (closctl answers in ms)
A = rb.attr
U32 = struct.Struct("!I").pack
U16 = struct.Struct("!H").pack


def ip(a):
    return ipaddress.ip_address(a).packed


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("malformed")
    c_ns, s_ns = t.add_node("clos"), t.add_node("spk")
    t.add_link(c_ns, s_ns, v4=L1.v4, v6=L1.v6)
    t.add_link(c_ns, s_ns, v4=L2.v4, v6=L2.v6, if_a="e-spk2", if_b="e-clos2")
    both = ["ipv4-unicast", "ipv6-unicast"]
    cfg = closbgp.device_config(CLOS_ID, CLOS_AS, neighbors=[
        closbgp.neighbor(L1.b4, PEER_AS, afi=both, passive=True),
        closbgp.neighbor(L2.b4, CLOS_AS, afi=both, passive=True)])
    # With the kernel FIB closbgpd knows all its addresses: a next hop that
    # is one of them is refused for IPv6 too (over this IPv4 session).
    c = t._daemon(closbgp.FibClosbgpd(c_ns, t.dir, cfg), True)
    return {"clos": c, "spk": s_ns}


# ---- building UPDATEs --------------------------------------------------------

def attrs(kind, fam, prefixes, four=True, omit=(), nh4=None, nh6=None, tag=True):
    """A valid attribute list for `prefixes` of family fam (4: NEXT_HOP and
    the NLRI field, 6: MP_REACH_NLRI first, RFC 7606 5.1)."""
    out = b""
    if fam == 6:
        out += rb.mp_reach(prefixes, nh6 or kind["nh6"])
    if "origin" not in omit:
        out += rb.origin()
    if "aspath" not in omit:
        out += rb.as_path(*kind["path"], four=four)
    if fam == 4 and "nexthop" not in omit:
        out += rb.next_hop(nh4 or kind["nh4"])
    if kind["ibgp"]:
        out += A(0x40, 5, U32(100))
    if tag:
        out += A(0xC0, 8, U32(TAG))
    return out


def announce(kind, fam, prefixes, lead=b"", tail=b"", **kw):
    """UPDATE announcing prefixes; `lead` goes before the valid attributes:
    a malformed attribute there is the one that counts, the valid one of
    its type after it is a duplicate (RFC 7606 3 g: discarded)."""
    return rb.update(attrs=lead + attrs(kind, fam, prefixes, **kw) + tail,
                     nlri_field=rb.nlri(*prefixes) if fam == 4 else b"")


def lead(attribute):
    return lambda k, fam, v, four: announce(k, fam, [v], lead=attribute, four=four)


def tail(extra):
    return lambda k, fam, v, four: announce(k, fam, [v], tail=extra, four=four)


def omit(*what):
    return lambda k, fam, v, four: announce(k, fam, [v], omit=what, four=four)


def own_nexthop(k, fam, v, four):
    return announce(k, fam, [v], four=four, nh4=k["ours4"], nh6=k["ours6"])


def mp_nexthop(addr6):
    return lambda k, fam, v, four: announce(k, fam, [v], four=four, nh6=addr6)


def with_multicast(k, fam, v, four):
    return announce(k, fam, [v, MULTICAST[fam]], four=four)


def no_nlri(k, fam, v, four):
    """RFC 7606 5.2: a malformed ORIGIN in an UPDATE that only withdraws."""
    bad = A(0x40, 1, b"\x07")
    if fam == 4:
        return rb.update(withdrawn=rb.nlri(v), attrs=bad)
    return rb.update(attrs=rb.mp_unreach([v]) + bad)


def mp_attr(fam, value_after_afi, flags=0x80, code=14):
    """MP_REACH_NLRI (code 14) / MP_UNREACH_NLRI (15) with a raw value
    after AFI/SAFI: the malformed part."""
    return A(flags, code, U16(1 if fam == 4 else 2) + b"\x01" + value_after_afi)


def reset_with_attr(make):
    """A reset case whose NOTIFICATION data is the offending attribute:
    make(kind, fam, victim) -> (attribute, the rest of the attributes)."""
    def build(k, fam, v, four):
        bad, rest = make(k, fam, v)
        return rb.update(attrs=rest + bad), bad
    return build


def mp_nh_length(k, fam, v):
    nh = ip(k["nh6"])[:8] if fam == 6 else ip(k["nh6"])     # 8 octets for IPv6, 16 for IPv4
    return (mp_attr(fam, bytes([len(nh)]) + nh + b"\x00" + rb.nlri(v)),
            rb.origin() + rb.as_path(PEER_AS))


def mp_nh_overrun(k, fam, v):
    return mp_attr(fam, b"\x20" + ip(k["nh6"])), rb.origin() + rb.as_path(PEER_AS)


def mp_nlri_syntax(k, fam, v):
    nh = ip(k["nh6"] if fam == 6 else k["nh4"])
    return (mp_attr(fam, bytes([len(nh)]) + nh + b"\x00" + bytes([129 if fam == 6 else 33])
                    + b"\x0a" * 4), rb.origin() + rb.as_path(PEER_AS))


def mp_unreach_syntax(k, fam, v):
    return mp_attr(fam, rb.nlri(v)[:-1], code=15), b""     # the last prefix overruns


def mp_unreach_short(k, fam, v):
    return A(0x80, 15, U16(2)), b""


def mp_reach_twice(k, fam, v, four):
    mp = rb.mp_reach([v], k["nh6"] if fam == 6 else k["nh4"], afi=2 if fam == 6 else 1)
    return rb.update(attrs=mp + rb.origin() + rb.as_path(PEER_AS) + mp), mp


def mp_overrun(k, fam, v, four):
    mp = rb.mp_reach([v], k["nh6"] if fam == 6 else k["nh4"], afi=1 if fam == 4 else 2)
    cut = mp[:2] + bytes([mp[2] + 8]) + mp[3:]               # declared 8 octets longer
    rest = rb.origin() + rb.as_path(PEER_AS)
    return rb.update(attrs=rest + cut), cut


def nlri_field(raw):
    return lambda k, fam, v, four: (rb.update(attrs=attrs(k, 4, []), nlri_field=raw), b"")


def withdrawn_field(raw):
    return lambda k, fam, v, four: (rb.update(withdrawn=raw), b"")


def bad_lengths(which):
    """Withdrawn Routes Length / Total Path Attribute Length beyond the message."""
    def build(k, fam, v, four):
        if which == "withdrawn":
            body = U16(40) + b"\x18\x0a\x01\x01"
        else:
            body = U16(0) + U16(200) + rb.origin()
        return rb.header(rb.UPDATE, len(body)) + body, b""
    return build


def unrecognized_well_known(k, fam, v, four):
    bad = A(0x40, 0x63, b"\xab\xcd")
    return announce(k, fam, [v], lead=bad, four=four), bad


WITHDRAW, DISCARD, ACCEPT, IGNORE = "withdraw", "discard", "accept", "ignore"


def no_attr(key):
    return lambda r: r.get(key) in (None, False, [])


# (id, RFC section, session, 4-octet AS, families, builder, expected, check of the victim)
CASES = [
    # RFC 7606 7.1 ORIGIN
    ("origin-value", "7606 7.1", EBGP, True, (4, 6), lead(A(0x40, 1, b"\x03")), WITHDRAW),
    ("origin-length", "7606 7.1", EBGP, True, (4, 6), lead(A(0x40, 1, b"\x00\x00")), WITHDRAW),
    ("origin-empty", "7606 4", EBGP, True, (4, 6), lead(A(0x40, 1, b"")), WITHDRAW),
    ("origin-flags", "7606 3 c", EBGP, True, (4, 6), lead(A(0xC0, 1, b"\x00")), WITHDRAW),
    ("origin-partial", "4271 4.3", EBGP, True, (4, 6), lead(A(0x60, 1, b"\x00")), WITHDRAW),
    # 7.2 AS_PATH
    ("aspath-zero-count", "7606 7.2", EBGP, True, (4, 6), lead(A(0x40, 2, b"\x02\x00")),
     WITHDRAW),
    ("aspath-segment-type", "7606 7.2", EBGP, True, (4, 6),
     lead(A(0x40, 2, b"\x05\x01" + U32(PEER_AS))), WITHDRAW),
    ("aspath-overrun", "7606 7.2", EBGP, True, (4, 6),
     lead(A(0x40, 2, b"\x02\x02" + U32(PEER_AS))), WITHDRAW),
    ("aspath-trailing-octet", "7606 7.2", EBGP, True, (4, 6),
     lead(A(0x40, 2, b"\x02\x01" + U32(PEER_AS) + b"\x02")), WITHDRAW),
    ("aspath-as0", "7607 2", EBGP, True, (4, 6),
     lead(A(0x40, 2, b"\x02\x02" + U32(PEER_AS) + U32(0))), WITHDRAW),
    ("aspath-as0-2octet", "7607 2", EBGP, False, (4, 6),
     lead(A(0x40, 2, b"\x02\x02" + U16(PEER_AS) + U16(0))), WITHDRAW),
    ("aspath-confed-from-ebgp", "7606 7.2", EBGP, True, (4, 6),
     lead(A(0x40, 2, b"\x03\x01" + U32(65401))), WITHDRAW),
    ("aspath-flags", "7606 3 c", EBGP, True, (4, 6),
     lead(A(0x80, 2, b"\x02\x01" + U32(PEER_AS))), WITHDRAW),
    # 7.3 NEXT_HOP, RFC 4271 6.3
    ("nexthop-length", "7606 7.3", EBGP, True, (4, 6), lead(A(0x40, 3, b"\x0a\x00\x01\x02\x00")),
     WITHDRAW),
    ("nexthop-empty", "7606 4", EBGP, True, (4, 6), lead(A(0x40, 3, b"")), WITHDRAW),
    ("nexthop-flags", "7606 3 c", EBGP, True, (4, 6), lead(A(0xC0, 3, ip(L1.b4))), WITHDRAW),
    ("nexthop-not-host", "4271 6.3", EBGP, True, (4,), lead(A(0x40, 3, ip("0.0.0.0"))), WITHDRAW),
    ("nexthop-not-host-unused", "4760 3", EBGP, True, (6,), lead(A(0x40, 3, ip("0.0.0.0"))),
     ACCEPT),
    ("nexthop-ours", "4271 6.3", EBGP, True, (4, 6), own_nexthop, WITHDRAW),
    ("mp-nexthop-unspecified", "4271 6.3", EBGP, True, (6,), mp_nexthop("::"), WITHDRAW),
    ("mp-nexthop-multicast", "4271 6.3", EBGP, True, (6,), mp_nexthop("ff02::1"), WITHDRAW),
    # 7.4 MULTI_EXIT_DISC
    ("med-length", "7606 7.4", EBGP, True, (4, 6), lead(A(0x80, 4, b"\x00\x00\x01")), WITHDRAW),
    ("med-empty", "7606 4", EBGP, True, (4, 6), lead(A(0x80, 4, b"")), WITHDRAW),
    ("med-flags", "7606 3 c", EBGP, True, (4, 6), lead(A(0x40, 4, U32(1))), WITHDRAW),
    ("med-partial", "4271 4.3", EBGP, True, (4, 6), lead(A(0xA0, 4, U32(1))), WITHDRAW),
    # 7.5 LOCAL_PREF
    ("localpref-length-ibgp", "7606 7.5", IBGP, True, (4, 6), lead(A(0x40, 5, b"\x00\x00\x01")),
     WITHDRAW),
    ("localpref-flags-ibgp", "7606 3 c", IBGP, True, (4, 6), lead(A(0xC0, 5, U32(100))),
     WITHDRAW),
    ("localpref-from-ebgp", "7606 7.5", EBGP, True, (4, 6), lead(A(0x40, 5, U32(200))), DISCARD,
     no_attr("local_pref")),
    # 7.6 ATOMIC_AGGREGATE, 7.7 AGGREGATOR: attribute discard
    ("atomic-length", "7606 7.6", EBGP, True, (4, 6), lead(A(0x40, 6, b"\x00")), DISCARD,
     no_attr("atomic_aggregate")),
    ("atomic-flags", "7606 3 f", EBGP, True, (4, 6), lead(A(0x80, 6, b"")), DISCARD,
     no_attr("atomic_aggregate")),
    ("aggregator-length", "7606 7.7", EBGP, True, (4, 6),
     lead(A(0xC0, 7, U32(PEER_AS) + b"\x0a\x00\x00")), DISCARD),
    ("aggregator-2octet-on-as4", "7606 7.7", EBGP, True, (4, 6),
     lead(A(0xC0, 7, U16(PEER_AS) + ip("10.0.0.2"))), DISCARD),
    ("aggregator-4octet-on-as2", "7606 7.7", EBGP, False, (4, 6),
     lead(A(0xC0, 7, U32(PEER_AS) + ip("10.0.0.2"))), DISCARD),
    ("aggregator-flags", "7606 3 f", EBGP, True, (4, 6),
     lead(A(0x40, 7, U32(PEER_AS) + ip("10.0.0.2"))), DISCARD),
    ("aggregator-as0", "7607 2", EBGP, True, (4, 6), lead(A(0xC0, 7, U32(0) + ip("10.0.0.2"))),
     DISCARD),
    ("aggregator-empty", "7606 4", EBGP, True, (4, 6), lead(A(0xC0, 7, b"")), DISCARD),
    # 7.8 COMMUNITIES, RFC 8092 6 LARGE_COMMUNITIES
    ("communities-length", "7606 7.8", EBGP, True, (4, 6),
     lead(A(0xC0, 8, U32(TAG) + b"\x00")), WITHDRAW),
    ("communities-empty", "7606 7.8", EBGP, True, (4, 6), lead(A(0xC0, 8, b"")), WITHDRAW),
    ("communities-flags", "7606 3 c", EBGP, True, (4, 6), lead(A(0x40, 8, U32(TAG))), WITHDRAW),
    ("large-length", "8092 6", EBGP, True, (4, 6), lead(A(0xC0, 32, b"\x00" * 13)), WITHDRAW),
    ("large-empty", "8092 6", EBGP, True, (4, 6), lead(A(0xC0, 32, b"")), WITHDRAW),
    # RFC 6793 6 and 4.2: AS4_PATH / AS4_AGGREGATOR
    ("as4path-from-as4-speaker", "6793", EBGP, True, (4, 6),
     lead(A(0xC0, 17, b"\x02\x01" + U32(4200000000))), DISCARD),
    ("as4aggregator-from-as4-speaker", "6793", EBGP, True, (4, 6),
     lead(A(0xC0, 18, U32(4200000000) + ip("10.0.0.2"))), DISCARD),
    ("as4path-malformed", "6793 6", EBGP, False, (4, 6),
     lead(A(0xC0, 17, b"\x02\x02" + U32(4200000000))), DISCARD),
    ("as4path-confed", "6793 6", EBGP, False, (4, 6),
     lead(A(0xC0, 17, b"\x03\x01" + U32(4200000000))), DISCARD),
    ("as4path-as0", "7607 2", EBGP, False, (4, 6), lead(A(0xC0, 17, b"\x02\x01" + U32(0))),
     DISCARD),
    ("as4path-empty", "7606 4", EBGP, False, (4, 6), lead(A(0xC0, 17, b"")), DISCARD),
    ("as4aggregator-length", "6793 6", EBGP, False, (4, 6),
     lead(A(0xC0, 18, U32(4200000000) + b"\x0a\x00")), DISCARD),
    ("as4aggregator-as0", "7607 2", EBGP, False, (4, 6),
     lead(A(0xC0, 18, U32(0) + ip("10.0.0.2"))), DISCARD),
    # RFC 7606 3 d: missing well-known attributes
    ("missing-origin", "7606 3 d", EBGP, True, (4, 6), omit("origin"), WITHDRAW),
    ("missing-aspath", "7606 3 d", EBGP, True, (4, 6), omit("aspath"), WITHDRAW),
    ("missing-nexthop", "7606 3 d", EBGP, True, (4,), omit("nexthop"), WITHDRAW),
    ("nexthop-not-needed", "4760 3", EBGP, True, (6,), omit("nexthop"), ACCEPT),
    # RFC 7606 4: attribute lengths against the attribute list
    ("attr-overruns-list", "7606 4", EBGP, True, (4, 6), tail(b"\xc0\x10\x08" + U32(1)),
     WITHDRAW),
    ("attr-header-truncated", "7606 4", EBGP, True, (4, 6), tail(b"\xc0\x10"), WITHDRAW),
    ("attr-header-truncated-extlen", "7606 4", EBGP, True, (4, 6), tail(b"\xd0\x10\x00"),
     WITHDRAW),
    # RFC 7606 3 g, 5.2; RFC 4271 5, 6.3
    ("duplicate-origin", "7606 3 g", EBGP, True, (4, 6), lead(rb.origin(1)), DISCARD,
     lambda r: r["origin"] == "egp"),
    ("no-nlri", "7606 5.2", EBGP, True, (4, 6), no_nlri, WITHDRAW),
    ("unknown-optional-nontransitive", "4271 5", EBGP, True, (4, 6),
     tail(A(0x80, 0x63, b"\x01\x02")), ACCEPT),
    ("unknown-optional-transitive", "4271 5", EBGP, True, (4, 6),
     tail(A(0xC0, 0x63, b"\x01\x02")), ACCEPT),
    ("multicast-nlri", "4271 6.3", EBGP, True, (4, 6), with_multicast, IGNORE),
    # session resets: (code, subcode); the data comes from the builder
    ("unrecognized-well-known", "4271 6.3", EBGP, True, (4, 6), unrecognized_well_known,
     (3, 2)),
    ("mp-reach-twice", "7606 3 g", EBGP, True, (4, 6), mp_reach_twice, (3, 1)),
    ("mp-reach-nexthop-length", "7606 7.11", EBGP, True, (4, 6), reset_with_attr(mp_nh_length),
     (3, 9)),
    ("mp-reach-nexthop-overrun", "7606 7.11", EBGP, True, (4, 6),
     reset_with_attr(mp_nh_overrun), (3, 9)),
    ("mp-reach-nlri-syntax", "7606 5.3, 4760 7", EBGP, True, (4, 6),
     reset_with_attr(mp_nlri_syntax), (3, 9)),
    ("mp-unreach-nlri-syntax", "7606 5.3, 4760 7", EBGP, True, (4, 6),
     reset_with_attr(mp_unreach_syntax), (3, 9)),
    ("mp-unreach-short", "4271 6.3", EBGP, True, (6,), reset_with_attr(mp_unreach_short), (3, 5)),
    ("mp-reach-overruns-list", "7606 4, 3 j", EBGP, True, (4, 6), mp_overrun, (3, 1)),
    ("nlri-prefix-length", "7606 5.3", EBGP, True, (4,), nlri_field(b"\x21\x0a\x00\x00\x00\x00"),
     (3, 10)),
    ("nlri-overrun", "7606 5.3", EBGP, True, (4,), nlri_field(b"\x18\x0a\x01"), (3, 10)),
    ("withdrawn-prefix-length", "7606 3 i", EBGP, True, (4,),
     withdrawn_field(b"\x21\x0a\x00\x00\x00\x00"), (3, 10)),
    ("withdrawn-length", "7606 3 b", EBGP, True, (4,), bad_lengths("withdrawn"), (3, 1)),
    ("attribute-length", "7606 3 b", EBGP, True, (4,), bad_lengths("attrs"), (3, 1)),
]


def _params():
    """Cases that keep the session grouped by session (neighbour, AS4), so
    the pool reuses it; the resets last."""
    def group(case):
        resets = isinstance(case[6], tuple)
        return (resets, case[2]["name"], not case[3])
    for case in sorted(CASES, key=group):
        for fam in case[4]:
            yield pytest.param(case, fam, id="%s-v%d" % (case[0], fam))


# ---- sessions ------------------------------------------------------------------

class Session:
    """One raw session to closbgpd, its baseline routes announced."""

    def __init__(self, net, kind, peer):
        self.c, self.kind, self.p = net["clos"], kind, peer
        self.addr = kind["local"]
        self.marks = 0
        self.est_count = None
        self.as4 = True

    def routes(self):
        return {r["prefix"]: r for r in self.c.routes(peer=self.addr)}

    def wait_routes(self, present=(), absent=(), timeout=15, what="routes"):
        def ok():
            have = self.routes()
            return all(p in have for p in present) and not any(p in have for p in absent) \
                and have
        return wait_until(ok, timeout, "%s: %s present, %s absent" % (what, present, absent),
                          interval=FAST)

    def baseline(self, four=True):
        for fam in (4, 6):
            self.p.send(announce(self.kind, fam, [KEEP[fam], VICTIM[fam]], four=four, tag=False))
        self.wait_routes(present=list(KEEP.values()) + list(VICTIM.values()), what="baseline")
        self.est_count = self.c.peer(self.addr)["established_count"]

    def rebaseline(self):
        """The victims announced again, valid and untagged (a case before
        may have withdrawn or tagged them)."""
        for fam in (4, 6):
            self.p.send(announce(self.kind, fam, [VICTIM[fam]], four=self.as4, tag=False))

        def ok():
            have = self.routes()
            return all(VICTIM[f] in have and not have[VICTIM[f]]["communities"]
                       for f in (4, 6)) and all(KEEP[f] in have for f in (4, 6))
        wait_until(ok, 15, "victims announced again", interval=FAST)

    def sync(self, four=True):
        """A valid marker UPDATE; once closbgpd has it, what was sent
        before it has been processed."""
        self.marks += 1
        mark = "10.199.%d.0/24" % self.marks
        self.p.send(announce(self.kind, 4, [mark], four=four, tag=False))
        return self.wait_routes(present=[mark], what="marker %s" % mark)

    def assert_up(self):
        assert not self.p.notifications(), "NOTIFICATION received: %s" % self.p.summary()
        assert not self.p.closed
        peer = self.c.peer(self.addr)
        assert peer["state"] == "Established"
        assert self.est_count is None or peer["established_count"] == self.est_count

    def assert_reset(self, code, subcode, data, timeout=15):
        got = self.p.wait_notification(timeout)
        assert got == (code, subcode, data), "NOTIFICATION %d/%d data %s, want %d/%d data %s" % (
            got[0], got[1], got[2].hex(), code, subcode, data.hex())
        self.p.wait_closed(timeout)
        err = wait_until(lambda: self.c.peer(self.addr).get("last_error"), 10, "last_error")
        assert err["direction"] == "sent"
        assert (err["code"], err["subcode"]) == (code, subcode)
        assert self.c.peer_state(self.addr) != "Established"
        # Everything learned over the session goes with it.
        wait_until(lambda: not self.routes(), 15, "the session's routes withdrawn", interval=FAST)


def open_session(net, kind=EBGP, as4=True, hold=9, open_bytes=None, establish=True,
                 baseline=True):
    c = net["clos"]
    p = rb.RawPeer(net["spk"], kind["local"], kind["remote"]).connect()
    s = Session(net, kind, p)
    s.as4 = as4
    if open_bytes is None:
        open_bytes = rb.open_msg(kind["asn"], hold=hold, router_id=kind["local"], as4=as4)
    if establish:
        p.establish(open_bytes, keepalive_every=hold / 3.0 if hold else 0)
        wait_until(lambda: c.peer_state(kind["local"]) == "Established", 15,
                   "closbgpd: %s Established" % kind["local"], interval=FAST)
        if baseline:
            s.baseline(four=as4)
    return s


def close_session(s):
    """Close, then wait until closbgpd is back to Idle/Active without the
    session's routes: the next session to that neighbour starts clean."""
    s.p.close()
    wait_until(lambda: s.c.peer_state(s.addr) in ("Idle", "Active"), 20,
               "closbgpd: %s back to Idle/Active" % s.addr, interval=FAST)
    wait_until(lambda: not s.routes(), 20, "closbgpd: no routes from %s" % s.addr,
               interval=FAST)


class Pool:
    """Sessions kept from one UPDATE case to the next while the RFC says
    they survive (one per neighbour): each case then also proves that the
    session outlived every case before it (same Established count)."""

    def __init__(self, net):
        self.net, self.live = net, {}

    def get(self, kind, as4):
        s = self.live.get(kind["local"])
        if s and s.as4 == as4 and not s.p.closed and not s.p.notifications():
            s.rebaseline()
            return s
        self.drop(kind["local"])
        s = self.live[kind["local"]] = open_session(self.net, kind, as4=as4)
        return s

    def drop(self, local):
        s = self.live.pop(local, None)
        if s:
            close_session(s)

    def drop_all(self):
        for local in list(self.live):
            self.drop(local)


@pytest.fixture(scope="module")
def pool(net):
    p = Pool(net)
    yield p
    p.drop_all()


@pytest.fixture
def session(net, pool):
    """session(kind, as4=True, hold=9, open_bytes=None, establish=True,
    baseline=True) -> a Session of its own (the pool's are closed first),
    closed after the test."""
    made = []

    def start(kind=EBGP, **kw):
        pool.drop_all()
        made.append(open_session(net, kind, **kw))
        return made[-1]

    yield start
    for s in made:
        close_session(s)


def new_log(c, offset):
    return c.log_text()[offset:]


# ---- UPDATE cases ------------------------------------------------------------

@pytest.mark.parametrize("case,fam", _params())
def test_update(net, pool, session, case, fam):
    name, rfc, kind, as4, _, build, expect = case[:7]
    check = case[7] if len(case) > 7 else None
    s = session(kind, as4=as4) if isinstance(expect, tuple) else pool.get(kind, as4)
    c = s.c
    built = build(kind, fam, VICTIM[fam], as4)
    msg, data = built if isinstance(built, tuple) else (built, None)
    log_at = len(c.log_text())
    s.p.send(msg)
    if isinstance(expect, tuple):
        s.assert_reset(expect[0], expect[1], data)
        assert "malformed UPDATE" in new_log(c, log_at)
        return
    s.sync(four=as4)
    s.assert_up()
    have = s.routes()
    for f in (4, 6):
        assert KEEP[f] in have, "%s: the session's other route %s is gone" % (name, KEEP[f])
    log = new_log(c, log_at)
    if expect == WITHDRAW:
        assert VICTIM[fam] not in have, "%s (RFC %s): not withdrawn: %s" % (name, rfc,
                                                                         have.get(VICTIM[fam]))
        assert VICTIM[6 if fam == 4 else 4] in have     # the other family's untouched
        assert ("no NLRI" if name == "no-nlri" else "treat-as-withdraw") in log
        return
    victim = have.get(VICTIM[fam])
    assert victim, "%s (RFC %s): %s gone" % (name, rfc, VICTIM[fam])
    assert victim["communities"] == [TAG_TEXT], "%s: the malformed UPDATE was not applied" % name
    assert victim["as_path"] == str(PEER_AS)
    if expect == DISCARD:
        assert "discarded" in log
    if expect == IGNORE:
        assert MULTICAST[fam] not in have and "ignored" in log
    if check:
        assert check(victim), "%s: %s" % (name, victim)


# ---- RFC 4271 6.1: message header ----------------------------------------------

def hdr(length, mtype, pad=0, marker=rb.MARKER):
    return marker + U16(length) + bytes([mtype]) + b"\x00" * pad


HEADER_CASES = [
    ("marker", hdr(19, 4, marker=b"\xfe" + rb.MARKER[1:]), (1, 1, b"")),
    ("length-below-19", hdr(18, 4), (1, 2, U16(18))),
    ("length-above-4096", hdr(4097, 2), (1, 2, U16(4097))),
    ("keepalive-length", hdr(20, 4, pad=1), (1, 2, U16(20))),
    ("update-too-short", hdr(22, 2, pad=3), (1, 2, U16(22))),
    ("notification-too-short", hdr(20, 3, pad=1), (1, 2, U16(20))),
    ("type-unknown", hdr(19, 7), (1, 3, b"\x07")),
    ("type-zero", hdr(19, 0), (1, 3, b"\x00")),
]


@pytest.mark.parametrize("name,msg,want", HEADER_CASES, ids=[c[0] for c in HEADER_CASES])
def test_header_established(net, session, name, msg, want):
    s = session()
    s.p.send(msg)
    s.assert_reset(*want)


def test_header_open_too_short_in_opensent(net, session):
    s = session(establish=False)
    s.p.wait_message(rb.OPEN)
    s.p.send(hdr(28, 1, pad=9))
    s.assert_reset(1, 2, U16(28))


# ---- RFC 4271 6.2: OPEN ----------------------------------------------------------

OPEN_CASES = [
    ("version-3", EBGP, dict(version=3), (2, 1, U16(4))),
    ("version-5", EBGP, dict(version=5), (2, 1, U16(4))),
    ("bad-peer-as", EBGP, dict(asn=65099), (2, 2, b"")),
    ("peer-as-0", EBGP, dict(asn=0), (2, 2, b"")),                           # RFC 7607 3
    ("as4-capability-mismatch", EBGP, dict(asn=4200000000), (2, 2, b"")),
    ("hold-time-1", EBGP, dict(hold=1), (2, 6, b"")),
    ("hold-time-2", EBGP, dict(hold=2), (2, 6, b"")),
    ("bgp-id-0", EBGP, dict(router_id="0.0.0.0"), (2, 3, b"")),               # RFC 6286 2.2
    ("bgp-id-ours-ibgp", IBGP, dict(router_id=CLOS_ID), (2, 3, b"")),
    ("optional-parameter-1", EBGP, dict(params=b"\x01\x01\x00"), (2, 4, b"")),
    ("capability-overruns-parameter", EBGP, dict(params=b"\x02\x02\x41\x04"), (2, 0, b"")),
    ("parameter-overruns-parameters", EBGP, dict(params=b"\x02\x08\x41\x04" + U32(PEER_AS)),
     (2, 0, b"")),
]


def _open(kind, o):
    kw = dict(hold=9, router_id=kind["local"])
    kw.update(o)
    asn = kw.pop("asn", kind["asn"])
    return rb.open_msg(asn, **kw)


@pytest.mark.parametrize("name,kind,o,want", OPEN_CASES, ids=[c[0] for c in OPEN_CASES])
def test_open_error(net, session, name, kind, o, want):
    s = session(kind, establish=False)
    s.p.send(_open(kind, o))
    got = s.p.wait_notification(15)
    assert got == want, "%s: NOTIFICATION %d/%d %s" % (name, got[0], got[1], got[2].hex())
    s.p.wait_closed(10)
    err = wait_until(lambda: s.c.peer(s.addr).get("last_error"), 10, "last_error")
    assert (err["direction"], err["code"], err["subcode"]) == ("sent",) + want[:2]


OPEN_ACCEPTED = [
    ("hold-time-0", EBGP, dict(hold=0), 0),
    ("hold-time-3", EBGP, dict(hold=3), 3),
    ("bgp-id-ours-ebgp", EBGP, dict(router_id=CLOS_ID), 9),                   # RFC 6286 2.2
    ("unknown-capability", EBGP, dict(params=rb.caps_param(
        *rb.std_caps(PEER_AS) + [rb.capability(0x99, b"xyz")])), 9),           # RFC 5492 3
    ("known-capability-bad-length", EBGP, dict(params=rb.caps_param(   # MP 3, AS4 2 octets
        *rb.std_caps(PEER_AS) + [rb.capability(1, b"\x00\x02\x00"),
                                 rb.capability(65, b"\x00\x01")])), 9),
]


@pytest.mark.parametrize("name,kind,o,hold", OPEN_ACCEPTED, ids=[c[0] for c in OPEN_ACCEPTED])
def test_open_accepted(net, session, name, kind, o, hold):
    s = session(kind, open_bytes=_open(kind, o), hold=o.get("hold", 9), baseline=False)
    s.sync()
    s.assert_up()
    assert s.c.peer(s.addr)["hold_time"] == hold


# ---- RFC 4271 6.6, 8.2.2, RFC 6608: FSM errors -------------------------------------

def test_fsm_keepalive_in_opensent(net, session):
    s = session(establish=False)
    s.p.wait_message(rb.OPEN)
    s.p.send(rb.keepalive())
    s.assert_reset(5, 1, b"")


def test_fsm_update_in_opensent(net, session):
    s = session(establish=False)
    s.p.wait_message(rb.OPEN)
    s.p.send(announce(EBGP, 4, [VICTIM[4]]))
    s.assert_reset(5, 1, b"")


def test_fsm_refresh_in_opensent(net, session):
    s = session(establish=False)
    s.p.wait_message(rb.OPEN)
    s.p.send(rb.header(rb.ROUTE_REFRESH, 4) + U16(1) + b"\x00\x01")
    s.assert_reset(5, 1, b"")


def _openconfirm(s):
    s.p.send(rb.open_msg(PEER_AS, router_id=EBGP["local"]))
    s.p.wait_message(rb.OPEN)
    s.p.wait_message(rb.KEEPALIVE)      # closbgpd is in OpenConfirm


def test_fsm_update_in_openconfirm(net, session):
    s = session(establish=False)
    _openconfirm(s)
    s.p.send(announce(EBGP, 4, [VICTIM[4]]))
    s.assert_reset(5, 2, b"")


def test_fsm_open_in_openconfirm(net, session):
    s = session(establish=False)
    _openconfirm(s)
    s.p.send(rb.open_msg(PEER_AS, router_id=EBGP["local"]))
    s.assert_reset(5, 2, b"")


def test_fsm_open_in_established(net, session):
    s = session()
    s.p.send(rb.open_msg(PEER_AS, router_id=EBGP["local"]))
    s.assert_reset(5, 3, b"")


def test_fsm_malformed_open_in_established(net, session):
    """RFC 4271 8.2.2 (Event 22 in Established), RFC 6608: FSM error, not
    the OPEN error the message would get in OpenSent."""
    s = session()
    s.p.send(rb.open_msg(PEER_AS, version=3, router_id=EBGP["local"]))
    s.assert_reset(5, 3, b"")


# ---- RFC 4271 6.5: hold timer; 6.4: NOTIFICATION -------------------------------------

def test_hold_timer_expires(net, session):
    """No KEEPALIVE within the negotiated 3 s: Hold Timer Expired (4/0)."""
    s = session(hold=3)
    s.p.keepalive_every = 0
    s.assert_reset(4, 0, b"", timeout=10)


def test_notification_received(net, session):
    """A NOTIFICATION ends the session without one in return (6.4)."""
    s = session()
    s.p.send(rb.notification(6, 2))
    s.p.wait_closed(10)
    assert not s.p.notifications()
    err = wait_until(lambda: s.c.peer(s.addr).get("last_error"), 10, "last_error")
    assert (err["direction"], err["code"], err["subcode"]) == ("received", 6, 2)
    wait_until(lambda: not s.routes(), 15, "the session's routes withdrawn")
