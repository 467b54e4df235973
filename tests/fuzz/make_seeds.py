#!/usr/bin/env python3
"""Write the seed corpora of the wire, control and netlink fuzz targets
(tests/fuzz/corpus/TARGET/), built from the same byte vectors as the unit
tests and from messages shaped like the kernel's:

    msg      one whole BGP message per file (fuzz_msg)
    open     OPEN bodies (fuzz_open)
    notify   whole NOTIFICATION and ROUTE-REFRESH messages (fuzz_notify)
    ctl      control-socket streams: framed control.proto Requests (fuzz_ctl)
    netlink  fake-kernel scripts (fuzz_netlink.c says how they read)

The config and fabric corpora are copies of real files (tests/config/good,
tests/topo/input; see README.md). Usage: make_seeds.py [CORPUS_DIR]."""
import os
import struct
import sys

MARKER = b"\xff" * 16


def msg(mtype, body_hex):
    body = bytes.fromhex(body_hex.replace(" ", ""))
    return MARKER + (19 + len(body)).to_bytes(2, "big") + bytes([mtype]) + body


def update(wd, attrs, nlri=""):
    w = bytes.fromhex(wd.replace(" ", ""))
    a = bytes.fromhex(attrs.replace(" ", ""))
    return msg(2, (len(w).to_bytes(2, "big") + w + len(a).to_bytes(2, "big") + a).hex() + nlri)


ORIGIN = "40 01 01 00"
ASPATH4 = "40 02 0a 02 02 0000fde9 0000fdea"
ASPATH2 = "40 02 06 02 02 fde9 fdea"
NH = "40 03 04 0a000001"
NLRI2 = "100a01 180a0201"
NH6 = "20010db8000000000000000000000001"
LL6 = "fe800000000000000000000000000001"

SEEDS = {
    "keepalive": msg(4, ""),
    "open_frr": msg(1, "04 fdea 00b4 0a000002 40 020601040001000102060104000200010202800002020200"
                       "0202460002064104 0000fdea 020645040001010102084906046c65616600"
                       "0204400240780202 4700"),
    "open_bird_as4": msg(1, "04 5ba0 005a c0000201 10 020e 0104000100010200 4104fa56ea00"),
    "open_ext_params": msg(1, "04 fde9 0000 0a000001 ff ff 000b 02 0008 01040002000102 00"),
    "open_gr": msg(1, "04 5ba0 001e 0a000002 12 02064104fa56ea00 0208400680780001 0180"),
    "update_v4": update("", ORIGIN + ASPATH4 + NH + "c0 08 04 fde90064", NLRI2),
    "update_v4_all": update("", ORIGIN + ASPATH4 + NH + "80 04 04 00000032 40 05 04 000000c8"
                            "40 06 00 c0 07 08 0000fde9 0a000001 c0 08 04 fde90064"
                            "c0 20 0c 0000fde9 00000001 00000002 c0 63 02 abcd", "100a01"),
    "update_as2_as4path": update("", ORIGIN + "40 02 06 02 02 fde9 5ba0" + NH +
                                 "c0 07 06 5ba0 0a000009 c0 11 0a 02 02 0000fde9 fa56ea00"
                                 "c0 12 08 fa56ea00 0a000009", "100a01"),
    "update_v6": update("", ORIGIN + "40 02 06 02 01 0000fde9 80 0e 2c 0002 01 20" + NH6 + LL6 +
                        "00 30 20010db80001"),
    "update_v6_ext": update("", "90 0e 00 1c 0002 01 10" + NH6 + "00 30 20010db80001" +
                            ORIGIN + ASPATH4),
    "withdraw_v4": update("100a01 180a0201", ""),
    "withdraw_v6": update("", "80 0f 0a 0002 01 30 20010db80001"),
    "eor_v4": update("", ""),
    "eor_v6": update("", "80 0f 03 0002 01"),
    "update_bad_origin": update("", "40 01 01 03" + ASPATH4 + NH, NLRI2),
    "update_dup_mp": update("", ORIGIN + ASPATH4 + "80 0f 03 0002 01 80 0f 03 0002 01"),
    "update_confed": update("", ORIGIN + "40 02 0c 03 01 0000ff45 02 01 0000fde9" + NH, NLRI2),
    "notification": msg(3, "06 02 627965"),
    "route_refresh": msg(5, "0002 00 01"),
}


def pb_field(num, payload):
    """A length-delimited protobuf field (strings and submessages)."""
    return bytes([num << 3 | 2]) + varint(len(payload)) + payload


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def frame(body):
    return len(body).to_bytes(4, "big") + body


# control.proto Request fields: show_summary 1, show_peers 2, show_routes 3,
# peer_reset 4, drain 10, undrain 11, set_state 12, show_fib 13,
# show_state 14, show_policy 15
CTL = {
    "summary": frame(pb_field(1, b"")),
    "peers_one": frame(pb_field(2, pb_field(1, b"10.0.0.2"))),
    "routes_prefix_peer": frame(pb_field(3, pb_field(1, b"10.1.0.0/24") +
                                         pb_field(2, b"fd00::2") + b"\x18\x01\x20\x01")),
    "routes_local": frame(pb_field(3, pb_field(2, b"local"))),
    "fib_policy": frame(pb_field(13, b"")) + frame(pb_field(15, pb_field(1, b"IMPORT"))),
    "state_calls": frame(pb_field(10, b"")) + frame(pb_field(11, b"")) +
    frame(b"\x62\x02\x08\x02") + frame(pb_field(14, b"")) + frame(pb_field(4, pb_field(1, b"10.0.0.2"))),
    "unknown_request": frame(pb_field(20, b"\x08\x01")),
    "too_large": (2 << 20).to_bytes(4, "big") + b"\x0a\x00",
}

# ---- netlink (native byte order, like the kernel's) ------------------------
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR = 16, 17, 20, 21
RTM_NEWROUTE, RTM_NEWNEXTHOP = 24, 104
NLM_F_MULTI = 2
RTPROT = 210


def rta(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def nlmsg(t, seq, body, flags=NLM_F_MULTI):
    return struct.pack("=IHHII", 16 + len(body), t, flags, seq, 0) + body


def done(seq):
    return nlmsg(NLMSG_DONE, seq, struct.pack("=i", 0))


def error(seq, err):
    return nlmsg(NLMSG_ERROR, seq, struct.pack("=i", err) + nlmsg(0, seq, b"", 0), 0)


def link(seq, index, name, up, t=RTM_NEWLINK):
    flags = 0x1 | 0x10000 if up else 0      # IFF_UP | IFF_LOWER_UP
    return nlmsg(t, seq, struct.pack("=BxHiII", 0, 1, index, flags, 0) +
                 rta(3, name.encode() + b"\0"))


def addr(seq, index, family, plen, a, flags=0, t=RTM_NEWADDR):
    return nlmsg(t, seq, struct.pack("=BBBBI", family, plen, 0, 0, index) +
                 rta(1, a) + rta(8, struct.pack("=I", flags)))


def nexthop(seq, nhid, family=2, gw=None, oif=0, group=(), blackhole=False):
    body = struct.pack("=BBBBI", family, 0, RTPROT, 0, 0) + rta(1, struct.pack("=I", nhid))
    if group:
        body += rta(2, b"".join(struct.pack("=IBBH", g, 0, 0, 0) for g in group))
    if blackhole:
        body += rta(4, b"")
    if oif:
        body += rta(5, struct.pack("=I", oif))
    if gw:
        body += rta(6, gw)
    return nlmsg(RTM_NEWNEXTHOP, seq, body)


def route(seq, family, plen, dst, nhid, rtype=1):
    return nlmsg(RTM_NEWROUTE, seq, struct.pack("=BBBBBBBBI", family, plen, 0, 0, 254, RTPROT,
                                                0, rtype, 0) +
                 rta(15, struct.pack("=I", 254)) + rta(1, dst) + rta(30, struct.pack("=I", nhid)))


V4 = bytes([10, 0, 0, 1])
GW4 = bytes([10, 0, 0, 2])
V6 = bytes.fromhex("fd000000000000000000000000000001")
GW6 = bytes.fromhex("fd000000000000000000000000000002")


def rec(kind, data=b""):
    return kind.encode() + len(data).to_bytes(2, "big") + data


def start(nhobj=True, adopt=True):
    """The replies to fib_new's dumps: probe (seq 1), links (2), addresses
    (3), nexthops (4), IPv4 routes (5), IPv6 routes (6)."""
    out = rec("K", done(1) if nhobj else error(1, -22))
    out += rec("K", link(2, 1, "lo", True) + link(2, 2, "eth0", True) +
               link(2, 3, "eth1", True) + done(2))
    out += rec("K", addr(3, 2, 2, 30, V4) + addr(3, 2, 10, 64, V6) + done(3))
    if nhobj:
        nh = (nexthop(4, 1001, gw=GW4, oif=2) + nexthop(4, 1002, group=(1001,)) +
              nexthop(4, 1003, blackhole=True) + done(4)) if adopt else done(4)
        out += rec("K", nh)
    out += rec("K", (route(5, 2, 24, bytes([192, 0, 2, 0]), 1002) if adopt else b"") + done(5))
    out += rec("K", done(6))
    return out


def acks(first, n, err_at=None):
    return b"".join(rec("K", error(first + i, -22 if i == err_at else 0)) for i in range(n))


ROUTE_V4 = rec("R", bytes([0, 24, 198, 51, 100, 0]) + b"\0" * 12 +
               struct.pack(">I", 2) + GW4 + b"\0" * 12)
ROUTE_ECMP = rec("R", bytes([0, 16, 100, 64, 0, 0]) + b"\0" * 12 +
                 struct.pack(">I", 2) + GW4 + b"\0" * 12 +
                 struct.pack(">I", 3) + bytes([10, 0, 1, 2]) + b"\0" * 12 +
                 b"\xff" + struct.pack(">I", 3) + bytes([10, 0, 1, 6]) + b"\0" * 12)
ROUTE_V6 = rec("R", bytes([1, 48]) + bytes.fromhex("20010db8000100000000000000000000") +
               struct.pack(">I", 2) + GW6)
NETLINK = {
    "start_adopt_sweep": b"\0" + start() + rec("S") + acks(7, 4) + rec("F"),
    "start_no_nhobj": b"\0" + start(nhobj=False, adopt=False) + ROUTE_V4 + acks(7, 2) + rec("F"),
    "routes_acked": b"\1" + start(adopt=False) + ROUTE_V4 + ROUTE_ECMP + ROUTE_V6 +
    acks(7, 12) + rec("F") + acks(19, 12),
    "route_failed": b"\0" + start(adopt=False) + ROUTE_V4 + acks(7, 3, err_at=1) + rec("F"),
    "link_down_event": b"\0" + start(adopt=False) + ROUTE_ECMP + acks(7, 8) + rec("F") +
    acks(15, 8) + rec("M", link(0, 2, "eth0", False, RTM_NEWLINK)) +
    rec("M", link(0, 2, "eth0", True)),
    "addr_events": b"\0" + start(adopt=False) +
    rec("M", addr(0, 3, 2, 30, bytes([10, 0, 1, 1]))) +
    rec("M", addr(0, 3, 10, 64, V6, flags=0x40)) +
    rec("M", addr(0, 3, 10, 64, V6)) +
    rec("M", addr(0, 2, 2, 30, V4, t=RTM_DELADDR)) + rec("L") + rec("K", done(7)),
    "blackhole": b"\0" + start(adopt=False) + rec("B", bytes([0, 8, 10]) + b"\0" * 15) +
    rec("D", bytes([0, 24, 192, 0, 2]) + b"\0" * 13) + acks(7, 3) + rec("F"),
}


def write(out, name, seeds):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for seed, data in sorted(seeds.items()):
        with open(os.path.join(d, seed), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {d}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    write(out, "msg", SEEDS)
    write(out, "open", {k: v[19:] for k, v in SEEDS.items() if k.startswith("open")})
    write(out, "notify", {k: v for k, v in SEEDS.items() if k in ("notification", "route_refresh")} |
          {"notification_shutdown": msg(3, "06 02 0b 6d61696e74656e616e6365"),
           "notification_open_bad_as": msg(3, "02 02 fde9"),
           "route_refresh_borr": msg(5, "0001 01 01"),
           "route_refresh_short": msg(5, "0001 00")})
    write(out, "ctl", CTL)
    write(out, "netlink", NETLINK)


if __name__ == "__main__":
    main()
