#!/usr/bin/env python3
"""Netlink monitor of the failover benchmark (bench.py --failover): runs in
the DUT's namespace, records every link, route and nexthop notification
with the time it was read, and replays them to find when the kernel was
repaired after a link went down.

    nlmon.py SPEC.json              (ip netns exec NS nlmon.py SPEC.json)
    nlmon.py --produce N TABLE [delete]     (the calibration producer)

SPEC: {"families": ["ipv4", ...], "prefixes": N (bgpwire.py's first N per
family), "fail": IFNAME (the DUT's end of the failed link), "good":
[IFNAME, ...] (where the prefixes must end up), "peers": [ADDR, ...] (the
BGP neighbors over the failed link), "rt": true (SCHED_FIFO priority 1,
so the monitor reads as soon as the kernel queues), "max_seconds": S,
"log": PATH (the replay's events, one line each)}.

Subscribed from the start (RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE,
RTNLGRP_IPV6_ROUTE, RTNLGRP_NEXTHOP; 256 MiB receive buffer). Commands on
stdin, one per line; events on stdout, one JSON object per line with "ev"
and "t" (CLOCK_MONOTONIC, like speaker.py):
  calibration TABLE  where the routes a producer put in TABLE were read
            (calibration {routes, t_first, t_last, t_last_lo}); forgets them
  mute, unmute  leave (join) the groups: muted, unmuted
  dump      forget what was read, dump nexthops and routes into the model:
            dumped {initial: {interfaces: prefixes}}
  arm       poll /proc/self/net/tcp{,6} every 2 ms for the neighbors'
            sessions (Established -> anything else = down)
  status    status {messages, t_last, t_link}: counters only, no parsing
            (cheap enough to ask while the DUT works)
  analyze   replay everything read since the dump: result {...} (below)
  quit

Reading: recvmmsg(2) (ctypes), every queued message in one call, and no
parsing while the DUT works. A message's time is when its batch was read
(netlink has no kernel timestamps: SO_TIMESTAMP is ignored on netlink
sockets); it was queued after the monitor last saw the queue empty (the
previous batch, or a poll(2) that timed out: polls give up after 1 ms), so
each time comes with that lower bound (*_lo): the resolution. The calibration
measures the rest: a producer adds N routes with one sendmsg, which
returns when the kernel has processed them all; the monitor's reading of
the last one minus that return is its lag behind the kernel.

The kernel does part of the work silently: when a link loses carrier it
deletes every nexthop object over it, drops them from their groups and
deletes each group left empty together with every route using it, and
sends no notification for any of that (net/ipv4/nexthop.c,
nexthop_flush_dev; checked on 6.18). Routes with inline next hops stay,
flagged linkdown. The replay does the same at the link event. A prefix is
repaired when its route in the main table (lowest metric) resolves,
through its nexthop object or group or its inline next hops, to a
non-empty set of interfaces all in "good". When the kernel's own action at
the link event leaves every prefix repaired (a route at a higher metric on
other links takes over: closbgpd's standby routes), the repair time is 0:
repaired with the link event, without a message from the DUT.

result: {repaired, t_link(_lo), t_repaired(_lo), t_session_down,
t_first_dut, good, total, initial, final, counts_repair, counts_all,
kernel_notifications, dut_pids, overruns, truncated, messages, batches};
counts_* are {NEWROUTE, DELROUTE, NEWNEXTHOP, DELNEXTHOP} seen after the
link event from the DUT's requests (nlmsg_pid != 0), up to t_repaired and
up to the end of the capture.
"""
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bgpwire as w  # noqa: E402

now = time.monotonic

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP = 1, 2
SO_RCVBUFFORCE = 33
RTNLGRP_NEXTHOP = 32
GROUPS = (1, 7, 11, RTNLGRP_NEXTHOP)     # RTNLGRP_LINK, _IPV4_ROUTE, _IPV6_ROUTE, _NEXTHOP

NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_REPLACE, NLM_F_CREATE, NLM_F_APPEND = 0x100, 0x400, 0x800
MSG_TRUNC, MSG_DONTWAIT = 0x20, 0x40
SO_SNDBUFFORCE = 32
RTN_BLACKHOLE = 6
CALIB_PROTO = 250           # the calibration producer's routes (not a DUT's)
RTM_NEWLINK, RTM_DELLINK = 16, 17
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
RTM_NEWNEXTHOP, RTM_DELNEXTHOP, RTM_GETNEXTHOP = 104, 105, 106
NAMES = {RTM_NEWROUTE: "NEWROUTE", RTM_DELROUTE: "DELROUTE",
         RTM_NEWNEXTHOP: "NEWNEXTHOP", RTM_DELNEXTHOP: "DELNEXTHOP"}

IFF_UP, IFF_LOWER_UP = 0x1, 0x10000
RTA_DST, RTA_OIF, RTA_PRIORITY, RTA_MULTIPATH, RTA_TABLE, RTA_NH_ID = 1, 4, 6, 9, 15, 30
NHA_ID, NHA_GROUP, NHA_BLACKHOLE, NHA_OIF = 1, 2, 4, 5
RT_TABLE_MAIN = 254
RTNH_F_DEAD, RTNH_F_LINKDOWN = 0x1, 0x10

NLH = struct.Struct("=IHHII")
IFI = struct.Struct("=BxHiII")
RTM = struct.Struct("=BBBBBBBBI")
NHM = struct.Struct("=BBBBI")
RTA = struct.Struct("=HH")
RTNH = struct.Struct("=HBBi")
U32 = struct.Struct("=I")
MAX_MESSAGES = 2_000_000          # the capture is bounded


def messages(buf):
    """(type, flags, pid, payload memoryview) of each message in buf."""
    off, end = 0, len(buf)
    mv = memoryview(buf)
    while off + NLH.size <= end:
        ln, ty, fl, _seq, pid = NLH.unpack_from(buf, off)
        if ln < NLH.size or off + ln > end:
            break
        yield ty, fl, pid, mv[off + NLH.size:off + ln]
        off += (ln + 3) & ~3


def attrs(p, off):
    """{type: memoryview} of the rtattrs of p from off (first one wins)."""
    out = {}
    end = len(p)
    while off + RTA.size <= end:
        ln, ty = RTA.unpack_from(p, off)
        if ln < RTA.size or off + ln > end:
            break
        out.setdefault(ty & 0x3FFF, p[off + RTA.size:off + ln])
        off += (ln + 3) & ~3
    return out


def parse_link(p):
    _fam, _type, index, flags, _change = IFI.unpack_from(p, 0)
    return index, bool(flags & IFF_UP) and bool(flags & IFF_LOWER_UP)


def parse_nexthop(p):
    """(id, {"oif", "group", "blackhole"})."""
    a = attrs(p, NHM.size)
    nid = U32.unpack_from(a[NHA_ID])[0] if NHA_ID in a else None
    nh = {"oif": None, "group": None, "blackhole": NHA_BLACKHOLE in a}
    if NHA_GROUP in a:
        g = a[NHA_GROUP]
        nh["group"] = [U32.unpack_from(g, i)[0] for i in range(0, len(g) - 7, 8)]
    if NHA_OIF in a:
        nh["oif"] = U32.unpack_from(a[NHA_OIF])[0]
    return nid, nh


def parse_route(p):
    """(key, route) of a main-table route; key (family, dst int, plen,
    metric); route {"nhid", "oifs" [(ifindex, linkdown)]}; None otherwise."""
    fam, dlen, _slen, _tos, table, _proto, _scope, _rtype, rflags = RTM.unpack_from(p, 0)
    a = attrs(p, RTM.size)
    if RTA_TABLE in a:
        table = U32.unpack_from(a[RTA_TABLE])[0]
    if table != RT_TABLE_MAIN or fam not in (socket.AF_INET, socket.AF_INET6):
        return None, None
    dst = int.from_bytes(a[RTA_DST], "big") if RTA_DST in a else 0
    metric = U32.unpack_from(a[RTA_PRIORITY])[0] if RTA_PRIORITY in a else 0
    r = {"nhid": U32.unpack_from(a[RTA_NH_ID])[0] if RTA_NH_ID in a else None, "oifs": []}
    if RTA_MULTIPATH in a:
        mp = a[RTA_MULTIPATH]
        off = 0
        while off + RTNH.size <= len(mp):
            ln, fl, _hops, idx = RTNH.unpack_from(mp, off)
            if ln < RTNH.size:
                break
            r["oifs"].append((idx, bool(fl & (RTNH_F_LINKDOWN | RTNH_F_DEAD))))
            off += (ln + 3) & ~3
    elif RTA_OIF in a:
        r["oifs"].append((U32.unpack_from(a[RTA_OIF])[0],
                          bool(rflags & (RTNH_F_LINKDOWN | RTNH_F_DEAD))))
    return (fam, dst, dlen, metric), r


class Model:
    """The main table's routes of the fed prefixes and the nexthop objects,
    as the kernel holds them; counts the prefixes that resolve to `good`
    interfaces."""

    def __init__(self, fed, good):
        self.fed = fed                      # {(family, dst int, plen)}
        self.good_if = set(good)
        self.nh = {}                        # id -> {"oif", "group", "blackhole"}
        self.routes = {}                    # (family, dst, plen) -> {metric: route}
        self.users = {}                     # nhid -> {(family, dst, plen)}
        self.parents = {}                   # nhid -> {group ids}
        self.ok = {}                        # (family, dst, plen) -> bool
        self.good = 0

    # -- resolution ----------------------------------------------------
    def nh_oifs(self, nid, depth=0):
        nh = self.nh.get(nid)
        if nh is None or depth > 4:
            return None
        if nh["group"] is not None:
            out = set()
            for m in nh["group"]:
                out |= self.nh_oifs(m, depth + 1) or set()
            return out
        if nh["blackhole"]:
            return {"blackhole"}
        return {nh["oif"]}

    def route_oifs(self, pfx):
        rs = self.routes.get(pfx)
        if not rs:
            return None
        r = rs[min(rs)]
        if r["nhid"] is not None:
            return self.nh_oifs(r["nhid"])
        return {("linkdown", i) if down else i for i, down in r["oifs"]}

    def _eval(self, pfx):
        o = self.route_oifs(pfx)
        ok = bool(o) and o <= self.good_if
        if ok != self.ok.get(pfx, False):
            self.good += 1 if ok else -1
        self.ok[pfx] = ok

    def _nh_users(self, nid, seen=None):
        """Prefixes whose route uses nid directly or through a group."""
        seen = seen if seen is not None else set()
        if nid in seen:
            return set()
        seen.add(nid)
        out = set(self.users.get(nid, ()))
        for g in self.parents.get(nid, ()):
            out |= self._nh_users(g, seen)
        return out

    # -- changes ---------------------------------------------------------
    def set_route(self, key, r, flags, delete):
        pfx, metric = key[:3], key[3]
        if pfx not in self.fed:
            return False
        rs = self.routes.setdefault(pfx, {})
        old = rs.get(metric)
        if delete:
            if old is not None and key[0] == socket.AF_INET6 and r["oifs"] and old["nhid"] is None \
                    and len(old["oifs"]) > 1 and len(r["oifs"]) < len(old["oifs"]):
                gone = {i for i, _ in r["oifs"]}          # one IPv6 sibling deleted
                old["oifs"] = [o for o in old["oifs"] if o[0] not in gone]
            else:
                rs.pop(metric, None)
        elif old is not None and flags & NLM_F_APPEND and r["nhid"] is None and old["nhid"] is None:
            old["oifs"] = old["oifs"] + r["oifs"]          # IPv6 sibling added
        else:
            rs[metric] = r
        if old is not None and old["nhid"] is not None:
            self.users.get(old["nhid"], set()).discard(pfx)
        cur = rs.get(metric)
        if cur is not None and cur["nhid"] is not None:
            self.users.setdefault(cur["nhid"], set()).add(pfx)
        if not rs:
            del self.routes[pfx]
        self._eval(pfx)
        return True

    def set_nh(self, nid, nh):
        old = self.nh.get(nid)
        if old is not None and old["group"]:
            for m in old["group"]:
                self.parents.get(m, set()).discard(nid)
        if nh is None:
            self.nh.pop(nid, None)
        else:
            self.nh[nid] = nh
            for m in nh["group"] or ():
                self.parents.setdefault(m, set()).add(nid)
        for pfx in self._nh_users(nid):
            self._eval(pfx)

    def link_down(self, ifindex):
        """What the kernel does by itself when ifindex loses carrier."""
        dead = [i for i, nh in self.nh.items() if nh["oif"] == ifindex and nh["group"] is None]
        affected = set()
        for nid in dead:
            affected |= self._nh_users(nid)
            self.nh.pop(nid, None)
        changed = True
        for _ in range(8):                  # groups left empty go too (nested: bounded)
            if not changed:
                break
            changed = False
            for gid, nh in list(self.nh.items()):
                if nh["group"] is None:
                    continue
                live = [m for m in nh["group"] if m in self.nh]
                if len(live) != len(nh["group"]):
                    nh["group"] = live
                    changed = True
                if not live:
                    affected |= self._nh_users(gid)
                    self.nh.pop(gid)
        gone = {n for n in list(self.users) if n not in self.nh}
        for pfx in affected:
            rs = self.routes.get(pfx, {})
            for m in [m for m, r in rs.items() if r["nhid"] in gone]:
                del rs[m]
            if not rs:
                self.routes.pop(pfx, None)
        for n in gone:
            self.users.pop(n, None)
        for pfx in affected:
            self._eval(pfx)
        for pfx, rs in self.routes.items():    # inline next hops: flagged linkdown
            for r in rs.values():
                if r["nhid"] is None and any(i == ifindex for i, _ in r["oifs"]):
                    r["oifs"] = [(i, d or i == ifindex) for i, d in r["oifs"]]
                    self._eval(pfx)

    def where(self, names):
        """{description of the resolved interfaces: prefixes} over the fed set."""
        out = {}
        for pfx in self.fed:
            o = self.route_oifs(pfx)
            key = "none" if not o else "+".join(sorted(names.get(i, str(i)) for i in o))
            out[key] = out.get(key, 0) + 1
        return out


def fed_set(families, n):
    out = set()
    for afi in families:
        if afi == "ipv4":
            out |= {(socket.AF_INET, w.V4_BASE + (i << 8), 24) for i in range(n)}
        else:
            out |= {(socket.AF_INET6, (w.V6_BASE + i) << 80, 48) for i in range(n)}
    return out


class Capture:
    """recvmmsg(2) on a netlink socket through ctypes: every message queued,
    up to VLEN, in one call, so that reading costs far less than the kernel
    spends producing a route notification (a recv() per message in Python
    does not keep up with a daemon's batch of 10k routes: measured 16-400 ms
    behind on this machine). Each batch is (t_lo, t_read, full,
    [messages]): every message of it was queued before t_read and after
    t_lo, the last moment the queue was seen empty -- the previous batch's
    read (unless that one was full) or the last read that timed out."""
    VLEN, SLOT = 1024, 8192

    def __init__(self, sock):
        import ctypes
        import ctypes.util
        self.ct = ctypes
        self.sock = sock

        class IoVec(ctypes.Structure):
            _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

        class MsgHdr(ctypes.Structure):
            _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                        ("iov", ctypes.POINTER(IoVec)), ("iovlen", ctypes.c_size_t),
                        ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                        ("flags", ctypes.c_int)]

        class MMsgHdr(ctypes.Structure):
            _fields_ = [("hdr", MsgHdr), ("len", ctypes.c_uint)]

        self.libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self.libc.recvmmsg.argtypes = [ctypes.c_int, ctypes.POINTER(MMsgHdr), ctypes.c_uint,
                                       ctypes.c_int, ctypes.c_void_p]
        self.libc.recvmmsg.restype = ctypes.c_int
        self.buf = ctypes.create_string_buffer(self.VLEN * self.SLOT)
        self.iov = (IoVec * self.VLEN)()
        self.msgs = (MMsgHdr * self.VLEN)()
        base = ctypes.addressof(self.buf)
        for k in range(self.VLEN):
            self.iov[k].base = base + k * self.SLOT
            self.iov[k].len = self.SLOT
            self.msgs[k].hdr.iov = ctypes.pointer(self.iov[k])
            self.msgs[k].hdr.iovlen = 1
        self.mv = memoryview(self.buf)
        self.truncated = 0
        self.t_empty = now()        # the queue was last seen empty
        self.poller = select.poll()
        self.poller.register(sock.fileno(), select.POLLIN)

    def read(self, timeout_ms):
        """One batch, or None when nothing came within timeout_ms; raises
        OSError (ENOBUFS: the kernel dropped messages). poll(2), not
        SO_RCVTIMEO: socket timeouts count in jiffies (a 2 ms one sleeps
        8 ms at HZ=250), poll's are high-resolution."""
        t_lo = self.t_empty
        if not self.poller.poll(timeout_ms):
            self.t_empty = now()
            return None
        n = self.libc.recvmmsg(self.sock.fileno(), self.msgs, self.VLEN, MSG_DONTWAIT, None)
        t = now()
        if n < 0:
            err = self.ct.get_errno()
            if err == 11:                     # EAGAIN: empty after all
                self.t_empty = t
                return None
            if err == 4:                      # EINTR
                return None
            raise OSError(err, os.strerror(err))
        if n < self.VLEN:                     # gathered until the queue was empty
            self.t_empty = t
        out = []
        for k in range(n):
            m = self.msgs[k]
            if m.hdr.flags & MSG_TRUNC:
                self.truncated += 1
            off = k * self.SLOT
            out.append(bytes(self.mv[off:off + min(m.len, self.SLOT)]))
        return (t_lo, t, n == self.VLEN, out)


class Monitor:
    def __init__(self, spec):
        self.spec = spec
        self.fail = socket.if_nametoindex(spec["fail"])
        self.good = [socket.if_nametoindex(n) for n in spec["good"]]
        self.names = {socket.if_nametoindex(n): n for n in [spec["fail"]] + spec["good"]}
        self.names.update({("linkdown", i): n + "(linkdown)" for i, n in self.names.items()})
        self.names["blackhole"] = "blackhole"
        self.fed = fed_set(spec["families"], spec["prefixes"])
        self.peers = {ipaddress.ip_address(a) for a in spec.get("peers", ())}
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 256 << 20)
        self.sock.bind((0, 0))
        self.listen(True)
        self.cap = Capture(self.sock)
        self.batches = []                   # (t_lo, t_read, full, [bytes])
        self.nmsg = 0
        self.initial = []                   # dump: bytes
        self.overruns = 0
        self.t_link = None
        self.t_last = None
        self.armed = False
        self.next_tcp = 0.0
        self.t_session_down = None
        self.sessions_seen = False
        self.rt = False

    def listen(self, on):
        """Join (leave) the groups: the calibration measures the kernel
        with and without this listener."""
        for g in GROUPS:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP if on
                                 else NETLINK_DROP_MEMBERSHIP, g)

    # -- dump --------------------------------------------------------------
    def dump(self):
        """Forget what was read so far and take the kernel's state."""
        self.drain()
        self.batches, self.nmsg, self.initial = [], 0, []
        self.t_link = self.t_last = None
        d = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        d.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        d.bind((0, 0))
        reqs = [(RTM_GETNEXTHOP, NHM.pack(socket.AF_UNSPEC, 0, 0, 0, 0))]
        for afi in self.spec["families"]:
            fam = socket.AF_INET if afi == "ipv4" else socket.AF_INET6
            reqs.append((RTM_GETROUTE, RTM.pack(fam, 0, 0, 0, 0, 0, 0, 0, 0)))
        for seq, (ty, body) in enumerate(reqs, 1):
            d.send(NLH.pack(NLH.size + len(body), ty, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body)
            for _ in range(1_000_000):
                buf = d.recv(1 << 20)
                done = False
                for mty, _fl, _pid, _p in messages(buf):
                    if mty in (NLMSG_DONE, NLMSG_ERROR):
                        done = True
                self.initial.append(buf)
                if done:
                    break
        d.close()
        m = Model(self.fed, self.good)
        for buf in self.initial:
            for ty, fl, _pid, p in messages(buf):
                apply(m, ty, fl, p)
        return m.where(self.names)

    # -- TCP sessions to the peers over the failed link ------------------------
    def _tcp_established(self):
        n = 0
        for path, v6 in (("/proc/self/net/tcp", False), ("/proc/self/net/tcp6", True)):
            try:
                with open(path) as f:
                    lines = f.read().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if len(fields) < 4 or fields[3] != "01":          # TCP_ESTABLISHED
                    continue
                raw = bytes.fromhex(fields[2].split(":")[0])
                if v6:
                    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    addr = ipaddress.IPv6Address(raw)
                    if addr.ipv4_mapped:
                        addr = addr.ipv4_mapped
                else:
                    addr = ipaddress.IPv4Address(raw[::-1])
                if addr in self.peers:
                    n += 1
        return n

    def poll_tcp(self, t):
        if not self.armed or self.t_session_down is not None or t < self.next_tcp:
            return
        self.next_tcp = t + 0.002
        if self._tcp_established():
            self.sessions_seen = True
        elif self.sessions_seen:
            # Read what is queued first: the link event that caused this
            # is older than the poll that found the session gone.
            self.drain()
            self.t_session_down = now()

    # -- capture -------------------------------------------------------------
    def read(self, timeout_ms=1):
        """One batch (waiting up to timeout_ms); False if none."""
        try:
            b = self.cap.read(timeout_ms)
        except OSError as exc:                 # ENOBUFS: messages were lost
            self.overruns += 1
            emit("error", reason="netlink: %s" % exc)
            return False
        if b is None:
            return False
        if self.nmsg < MAX_MESSAGES:
            self.batches.append(b)
            self.nmsg += len(b[3])
        for buf in b[3]:
            for ty, _fl, _pid, p in messages(buf):
                if ty in NAMES:
                    self.t_last = b[1]
                elif ty == RTM_NEWLINK and self.t_link is None:
                    idx, up = parse_link(p)
                    if idx == self.fail and not up:
                        self.t_link = b[1]
        return True

    def drain(self):
        """Read until the queue is empty (non-blocking)."""
        for _ in range(100000):
            if not self.read(0):
                break

    # -- replay ----------------------------------------------------------------
    def windows(self):
        """(t_lo, t_read, message) in order: it was queued in [t_lo, t_read]."""
        for t_lo, t_read, _full, msgs in self.batches:
            for buf in msgs:
                yield t_lo, t_read, buf

    def replay(self):
        m = Model(self.fed, self.good)
        log = []
        for buf in self.initial:
            for ty, fl, _pid, p in messages(buf):
                apply(m, ty, fl, p)
        res = {"initial": m.where(self.names), "total": len(self.fed), "overruns": self.overruns,
               "truncated": self.cap.truncated, "messages": self.nmsg,
               "batches": len(self.batches), "t_link": None, "t_repaired": None,
               "rt": self.rt}
        keys = ("NEWROUTE", "DELROUTE", "NEWNEXTHOP", "DELNEXTHOP")
        c_rep = dict.fromkeys(keys, 0)
        c_all = dict.fromkeys(keys, 0)
        kernel = dict.fromkeys(keys, 0)
        pids = {}
        link_up = True
        t_link = t_rep = t_first = None
        lo_link = lo_rep = None
        for lo, t, buf in self.windows():
            for ty, fl, pid, p in messages(buf):
                if ty == RTM_NEWLINK:
                    idx, up = parse_link(p)
                    if idx == self.fail and link_up and not up:
                        link_up = False
                        if t_link is None:
                            t_link, lo_link = t, lo
                        m.link_down(idx)
                        if m.good == len(self.fed) and t_rep is None:
                            # the kernel's own action at the carrier loss
                            # repaired it (routes at a higher metric on
                            # other links): repaired with the link event
                            t_rep, lo_rep = t, lo
                        log.append("%.6f [%.6f] link %s down (good %d)"
                                   % (t, lo, self.spec["fail"], m.good))
                    elif idx == self.fail and up:
                        link_up = True
                    continue
                if ty not in NAMES:
                    continue
                before = m.good
                touched = apply(m, ty, fl, p)
                if t_link is None:
                    continue
                name = NAMES[ty]
                if pid:
                    c_all[name] += 1
                    pids[pid] = pids.get(pid, 0) + 1
                    if t_first is None:
                        t_first = t
                    if t_rep is None or m.good < len(self.fed):
                        c_rep[name] += 1
                else:
                    kernel[name] += 1
                if m.good == len(self.fed) and before != m.good:
                    t_rep, lo_rep = t, lo
                elif m.good < len(self.fed):
                    t_rep = lo_rep = None
                if touched and len(log) < 200000:
                    log.append("%.6f [%.6f] %s pid %d (good %d)" % (t, lo, name, pid, m.good))
        res.update({"t_link": t_link, "t_link_lo": lo_link, "t_repaired": t_rep,
                    "t_repaired_lo": lo_rep, "t_first_dut": t_first,
                    "repaired": t_rep is not None, "good": m.good, "final": m.where(self.names),
                    "counts_repair": c_rep, "counts_all": c_all, "kernel_notifications": kernel,
                    "dut_pids": len(pids), "t_session_down": self.t_session_down,
                    "sessions_seen": self.sessions_seen})
        if self.spec.get("log"):
            with open(self.spec["log"], "w") as f:
                f.write("\n".join(log) + "\n")
        return res

    def calibration(self, table):
        """The batches holding routes of `table` (a producer's, see
        produce()): first and last read time, the last one's window."""
        first = last = last_lo = None
        n = 0
        for lo, t, buf in self.windows():
            for ty, _fl, _pid, p in messages(buf):
                if ty == RTM_NEWROUTE and len(p) >= RTM.size and p[4] == table:
                    n += 1
                    if first is None:
                        first = t
                    last, last_lo = t, lo
        return {"routes": n, "t_first": first, "t_last": last, "t_last_lo": last_lo,
                "batches": len(self.batches)}

    def run(self):
        why = None
        if self.spec.get("rt"):
            try:        # read as soon as the kernel queues: SCHED_FIFO, lowest priority
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
                self.rt = True
            except (OSError, AttributeError) as exc:
                why = "SCHED_FIFO: %s" % exc
        emit("ready", rt=self.rt, rt_error=why)
        deadline = now() + self.spec.get("max_seconds", 900)
        stdin_buf = b""
        next_stdin = 0.0
        for _ in range(100_000_000):
            t = now()
            if t > deadline:
                emit("error", reason="monitor deadline reached")
                return
            got = self.read()
            t = now()
            self.poll_tcp(t)
            if got and t < next_stdin:
                continue                   # busy reading: stdin every 10 ms
            next_stdin = t + 0.01
            r, _, _ = select.select([sys.stdin], [], [], 0)
            if r:
                chunk = os.read(sys.stdin.fileno(), 4096)
                if not chunk:
                    return
                stdin_buf += chunk
                while b"\n" in stdin_buf:
                    line, stdin_buf = stdin_buf.split(b"\n", 1)
                    if not self.command(line.decode().strip()):
                        return

    def command(self, cmd):
        if cmd == "dump":
            emit("dumped", initial=self.dump(), total=len(self.fed))
        elif cmd.startswith("calibration "):
            self.drain()
            emit("calibration", **self.calibration(int(cmd.split()[1])))
            self.batches, self.nmsg = [], 0
        elif cmd in ("mute", "unmute"):
            self.listen(cmd == "unmute")
            self.drain()
            emit(cmd + "d")
        elif cmd == "arm":
            self.armed = True
            self.sessions_seen = self._tcp_established() > 0
            emit("armed", sessions=self.sessions_seen)
        elif cmd == "status":
            emit("status", messages=self.nmsg, t_last=self.t_last, t_link=self.t_link,
                 t_session_down=self.t_session_down, overruns=self.overruns)
        elif cmd == "analyze":
            self.drain()
            emit("result", **self.replay())
        elif cmd == "quit":
            return False
        return True


def apply(m, ty, fl, p):
    """Apply one message to the model; True if it concerned the fed prefixes
    or a nexthop object."""
    if ty in (RTM_NEWROUTE, RTM_DELROUTE):
        key, r = parse_route(p)
        return key is not None and m.set_route(key, r, fl, ty == RTM_DELROUTE)
    if ty in (RTM_NEWNEXTHOP, RTM_DELNEXTHOP):
        nid, nh = parse_nexthop(p)
        if nid is not None:
            m.set_nh(nid, nh if ty == RTM_NEWNEXTHOP else None)
            return True
    return False


# -- the calibration producer ----------------------------------------------------
def produce(n, table, delete=False):
    """Add (delete) n blackhole IPv4 /24s in `table` with one sendmsg of n
    RTM_NEWROUTE (RTM_DELROUTE), as a batching daemon does; the kernel has
    processed them all when sendmsg returns (netlink requests run in the
    sender's context). {"t0", "t1", "acks", "errors"}: t1 - t0 is the
    kernel's time, and a monitor that read the last notification at t
    was t - t1 late."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)
    s.bind((0, 0))
    ty = RTM_DELROUTE if delete else RTM_NEWROUTE
    flags = NLM_F_REQUEST | NLM_F_ACK | (0 if delete else NLM_F_CREATE | NLM_F_REPLACE)
    out = []
    for i in range(n):
        body = RTM.pack(socket.AF_INET, 24, 0, 0, table, CALIB_PROTO, 0, RTN_BLACKHOLE, 0) + \
            RTA.pack(8, RTA_DST) + struct.pack("!I", (10 << 24) + (i << 8))
        out.append(NLH.pack(NLH.size + len(body), ty, flags, i + 1, 0) + body)
    data = b"".join(out)
    t0 = now()
    s.send(data)
    t1 = now()
    acks = errors = 0
    s.settimeout(5)
    try:
        for _ in range(n + 10):
            if acks >= n:
                break
            for mty, _fl, _pid, p in messages(s.recv(1 << 20)):
                if mty == NLMSG_ERROR:
                    acks += 1
                    if struct.unpack_from("=i", p, 0)[0]:
                        errors += 1
    except socket.timeout:
        pass
    s.close()
    return {"t0": t0, "t1": t1, "acks": acks, "errors": errors}


def emit(ev, **kw):
    kw["ev"] = ev
    kw.setdefault("t", now())
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def main():
    if sys.argv[1] == "--produce":              # nlmon.py --produce N TABLE [delete]
        emit("produced", **produce(int(sys.argv[2]), int(sys.argv[3]),
                                   len(sys.argv) > 4 and sys.argv[4] == "delete"))
        return
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    mon = Monitor(spec)
    emit("started", pid=os.getpid())
    try:
        mon.run()
    finally:
        mon.sock.close()


if __name__ == "__main__":
    main()
