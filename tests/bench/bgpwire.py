"""BGP wire encoding for the benchmark speakers (feeder and sink).

Only what a feeder and a sink need: OPEN with MP (RFC 4760), route refresh
and 4-octet AS (RFC 6793) capabilities, KEEPALIVE, and UPDATEs packed with
as many NLRI as fit in 4096 bytes -- IPv4 in the classic fields, IPv6 in
MP_REACH_NLRI / MP_UNREACH_NLRI; optionally COMMUNITIES (RFC 1997) on
every announced path (the policy benchmark matches on it). Prefix sets are generated, not read:
prefix i of IPv4 is the /24 number i counted from 32.0.0.0, prefix i of IPv6
the /48 number i counted from 2a00::/48. Both are cut into NLRI chunks once
and shared by all sessions that announce them.
"""
import ipaddress
import re
import struct
import sys

MARKER = b"\xff" * 16
MAX_MSG = 4096
HDR = 19

OPEN, UPDATE, NOTIFICATION, KEEPALIVE = 1, 2, 3, 4
AFI = {"ipv4": 1, "ipv6": 2}

V4_BASE = 32 << 24          # 32.0.0.0, /24 steps
V6_BASE = 0x2A00 << 32      # 2a00::/48 as the top 48 bits, /48 steps
FED_LEN = {1: 24, 2: 48}    # the fed prefixes' length per AFI (sink.c: FED_BITS4/6)


def header(mtype, body_len):
    return MARKER + struct.pack("!HB", HDR + body_len, mtype)


def keepalive():
    return header(KEEPALIVE, 0)


def open_msg(asn, hold, router_id, afis):
    caps = b""
    for afi in afis:
        caps += struct.pack("!BBHBB", 1, 4, AFI[afi], 0, 1)      # MP, unicast
    caps += struct.pack("!BB", 2, 0)                              # route refresh
    caps += struct.pack("!BBI", 65, 4, asn)                       # 4-octet AS
    opt = struct.pack("!BB", 2, len(caps)) + caps
    my_as = asn if asn <= 0xFFFF else 23456                       # AS_TRANS
    body = struct.pack("!BHH4sB", 4, my_as, hold,
                       ipaddress.IPv4Address(router_id).packed, len(opt)) + opt
    return header(OPEN, len(body)) + body


def parse_open(body):
    """(asn, hold, router_id) of an OPEN body; asn from the 4-octet cap."""
    ver, my_as, hold, rid, optlen = struct.unpack_from("!BHH4sB", body)
    asn = my_as
    opt = body[10:10 + optlen]
    i = 0
    while i + 2 <= len(opt):
        ptype, plen = opt[i], opt[i + 1]
        if ptype == 2:
            caps = opt[i + 2:i + 2 + plen]
            j = 0
            while j + 2 <= len(caps):
                code, clen = caps[j], caps[j + 1]
                if code == 65 and clen == 4:
                    asn = struct.unpack_from("!I", caps, j + 2)[0]
                j += 2 + clen
        i += 2 + plen
    return asn, hold, str(ipaddress.IPv4Address(rid))


def eor(afi):
    """End-of-RIB (RFC 4724): an empty UPDATE, or an empty MP_UNREACH."""
    if afi == "ipv4":
        body = b"\x00\x00\x00\x00"
    else:
        attr = struct.pack("!BBBHB", 0x80, 15, 3, AFI["ipv6"], 1)
        body = struct.pack("!HH", 0, len(attr)) + attr
    return header(UPDATE, len(body)) + body


def nlri_list(afi, count):
    """Encoded NLRI (length byte + prefix bytes) of the first `count` prefixes."""
    if afi == "ipv4":
        pk = struct.Struct("!I").pack
        return [b"\x18" + pk(V4_BASE + (i << 8))[:3] for i in range(count)]
    pk = struct.Struct("!Q").pack
    return [b"\x30" + pk((V6_BASE + i) << 16)[:6] for i in range(count)]


def chunks(nlris, room):
    """Cut a list of encoded NLRI into byte strings of at most `room` bytes."""
    out, cur, size = [], [], 0
    for n in nlris:
        if size + len(n) > room:
            out.append(b"".join(cur))
            cur, size = [], 0
        cur.append(n)
        size += len(n)
    if cur:
        out.append(b"".join(cur))
    return out


def _attr(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def community(text):
    """RFC 1997 community "A:B" as its 32-bit value."""
    hi, lo = text.split(":")
    return (int(hi) << 16) | int(lo)


def communities_attr(communities):
    """COMMUNITIES (RFC 1997, optional transitive) of "A:B" strings; b"" if none."""
    if not communities:
        return b""
    return _attr(0xC0, 8, b"".join(struct.pack("!I", community(c)) for c in communities))


def base_attrs(asn, communities=()):
    origin = _attr(0x40, 1, b"\x00")
    aspath = _attr(0x40, 2, struct.pack("!BBI", 2, 1, asn))      # AS_SEQUENCE
    return origin + aspath + communities_attr(communities)


# Room for NLRI in one message: 4096 - header - 2 length fields - attributes.
def announce_room(afi, communities=()):
    comm = len(communities_attr(communities))
    if afi == "ipv4":
        return MAX_MSG - HDR - 4 - (4 + 9) - 7 - comm     # ORIGIN, AS_PATH, NEXT_HOP
    return MAX_MSG - HDR - 4 - (4 + 9) - (4 + 5 + 16) - comm   # MP_REACH (ext. length)


def withdraw_room(afi):
    if afi == "ipv4":
        return MAX_MSG - HDR - 4
    return MAX_MSG - HDR - 4 - (4 + 3)


def announce_msgs(afi, asn, nexthop, nlri_chunks, communities=()):
    """UPDATE messages announcing every chunk with the given next hop (and
    communities, "A:B" strings: chunks cut with announce_room(afi, communities))."""
    attrs = base_attrs(asn, communities)
    nh = ipaddress.ip_address(nexthop).packed
    out = []
    if afi == "ipv4":
        a = attrs + _attr(0x40, 3, nh)
        pre = struct.pack("!HH", 0, len(a)) + a
        for c in nlri_chunks:
            out.append(header(UPDATE, len(pre) + len(c)) + pre + c)
        return out
    for c in nlri_chunks:
        mp = struct.pack("!HBB", AFI["ipv6"], 1, len(nh)) + nh + b"\x00" + c
        a = attrs + struct.pack("!BBH", 0x90, 14, len(mp)) + mp
        body = struct.pack("!HH", 0, len(a)) + a
        out.append(header(UPDATE, len(body)) + body)
    return out


def withdraw_msgs(afi, nlri_chunks):
    out = []
    for c in nlri_chunks:
        if afi == "ipv4":
            body = struct.pack("!H", len(c)) + c + b"\x00\x00"
        else:
            mp = struct.pack("!HB", AFI["ipv6"], 1) + c
            a = struct.pack("!BBH", 0x90, 15, len(mp)) + mp
            body = struct.pack("!HH", 0, len(a)) + a
        out.append(header(UPDATE, len(body)) + body)
    return out


_RECORD = {}


def _record_re(stride):
    pat = _RECORD.get(stride)
    if pat is None:
        pat = _RECORD[stride] = re.compile(b".{%d}" % stride, re.DOTALL)
    return pat


def _key(rec):
    # 4-byte records (an IPv4 /17../24 with its length byte) as native ints,
    # the same value memoryview.cast("I") gives in the fast path.
    return int.from_bytes(rec, sys.byteorder) if len(rec) == 4 else rec


def split_nlri(buf, start, end):
    """The encoded prefixes (length byte included) in buf[start:end], as a
    list of hashable keys. When every prefix has the same length -- what
    DUTs send us -- the records are cut in C (memoryview.cast for 4-byte
    records, a regular expression otherwise), with no Python per prefix."""
    if end <= start:
        return ()
    stride = 1 + ((buf[start] + 7) >> 3)
    span = end - start
    if span % stride == 0 and buf[start:end:stride] == buf[start:start + 1] * (span // stride):
        if stride == 4:
            return memoryview(buf)[start:end].cast("I")
        return _record_re(stride).findall(buf, start, end)
    out = []
    app = out.append
    i = start
    while i < end:
        j = i + 1 + ((buf[i] + 7) >> 3)
        app(_key(buf[i:j]))
        i = j
    return out


def _key_len(k):
    """Prefix length of a key of split_nlri."""
    if isinstance(k, int):
        return k & 0xFF if sys.byteorder == "little" else k >> 24
    return k[0]


def _short_keys(keys, afi):
    """The keys of prefixes shorter than the fed ones (aggregates)."""
    fed = FED_LEN[afi]
    return [k for k in keys if _key_len(k) < fed]


def parse_update(body, tables, short=None):
    """Apply one UPDATE body to tables {1: set, 2: set} (IPv4, IPv6 prefix
    sets, keyed by encoded prefix). Returns how many prefixes were added and
    removed; a duplicate announce or withdraw of an absent prefix counts 0,
    so "no change" UPDATEs are not progress. short ({1: set, 2: set}, the
    aggregation benchmark): also kept up to date with the prefixes shorter
    than the fed ones."""
    na = nw = 0
    wlen = struct.unpack_from("!H", body, 0)[0]
    if wlen:
        t = tables[1]
        b = len(t)
        keys = split_nlri(body, 2, 2 + wlen)
        t.difference_update(keys)
        nw += b - len(t)
        if short is not None:
            short[1].difference_update(_short_keys(keys, 1))
    alen = struct.unpack_from("!H", body, 2 + wlen)[0]
    a = 4 + wlen
    aend = a + alen
    while a < aend:
        flags, code = body[a], body[a + 1]
        if flags & 0x10:
            vlen = struct.unpack_from("!H", body, a + 2)[0]
            v = a + 4
        else:
            vlen = body[a + 2]
            v = a + 3
        if code == 14 or code == 15:
            afi = struct.unpack_from("!H", body, v)[0]
            tbl = tables.get(afi)
            if tbl is not None:
                b = len(tbl)
                if code == 14:
                    keys = split_nlri(body, v + 4 + body[v + 3] + 1, v + vlen)
                    tbl.update(keys)
                    na += len(tbl) - b
                    if short is not None:
                        short[afi].update(_short_keys(keys, afi))
                else:
                    keys = split_nlri(body, v + 3, v + vlen)
                    tbl.difference_update(keys)
                    nw += b - len(tbl)
                    if short is not None:
                        short[afi].difference_update(_short_keys(keys, afi))
        a = v + vlen
    if aend < len(body):
        t = tables[1]
        b = len(t)
        keys = split_nlri(body, aend, len(body))
        t.update(keys)
        na += len(t) - b
        if short is not None:
            short[1].update(_short_keys(keys, 1))
    return na, nw
