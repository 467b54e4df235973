"""A raw BGP speaker for the integration tests: one TCP session whose every
byte the test chooses (malformed messages, messages out of order), with
what comes back parsed by a background thread.

The socket is created inside the speaker's namespace by a short helper run
with `ip netns exec`, which hands it over with SCM_RIGHTS: the test process
never changes namespace, and the socket stays in the one it was made in.
Encodings come from tests/bench/bgpwire.py (header, KEEPALIVE, OPEN,
attributes); the message builders below add what a malformed-message test
needs (any OPEN field, raw attribute bytes, UPDATE fields given as bytes).

    p = RawPeer(ns, "10.0.1.2", "10.0.1.1").connect()
    p.establish(open_msg(65002, hold=9, router_id="10.0.0.2"))
    p.send(update(attrs=..., nlri=...))
    code, subcode, data = p.wait_notification(10)
"""
import ipaddress
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

from . import netns

_BENCH = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
if _BENCH not in sys.path:
    sys.path.insert(0, _BENCH)
import bgpwire as w  # noqa: E402  (tests/bench/bgpwire.py)

OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
header = w.header
keepalive = w.keepalive
attr = w._attr          # (flags, type, value) with the extended length when needed
MARKER = w.MARKER

# Made in the namespace, passed back on the UNIX socket given as argv[1].
_HELPER = ("import socket,sys\n"
           "u = socket.socket(fileno=int(sys.argv[1]))\n"
           "s = socket.socket(int(sys.argv[2]), socket.SOCK_STREAM)\n"
           "socket.send_fds(u, [b's'], [s.fileno()])\n")


def ns_socket(ns, family=socket.AF_INET):
    """A TCP socket of namespace `ns` (a netns.Namespace)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        argv = ns.exec_argv(["/usr/bin/python3", "-c", _HELPER, str(b.fileno()), str(int(family))])
        res = subprocess.run(argv, pass_fds=(b.fileno(),), capture_output=True, text=True,
                             timeout=15)
        if res.returncode != 0:
            raise netns.CommandError("socket helper in %s: %s" % (ns.name, res.stderr.strip()))
        b.close()
        a.settimeout(5)
        _, fds, _, _ = socket.recv_fds(a, 16, 1)
    finally:
        a.close()
        b.close()
    if not fds:
        raise netns.CommandError("socket helper in %s passed no socket" % ns.name)
    return socket.socket(fileno=fds[0])


# ---- message builders ------------------------------------------------------

def capability(code, value=b""):
    return struct.pack("!BB", code, len(value)) + value


def caps_param(*caps):
    """One optional parameter of type 2 (RFC 5492) holding `caps`."""
    body = b"".join(caps)
    return struct.pack("!BB", 2, len(body)) + body


def std_caps(asn, afis=("ipv4", "ipv6"), as4=True):
    caps = [capability(1, struct.pack("!HBB", w.AFI[a], 0, 1)) for a in afis]
    caps.append(capability(2))
    if as4:
        caps.append(capability(65, struct.pack("!I", asn)))
    return caps


def open_msg(asn, hold=9, router_id="10.0.0.2", version=4, my_as=None, params=None,
             afis=("ipv4", "ipv6"), as4=True):
    """An OPEN; params (bytes) replaces the optional parameters (one type-2
    parameter with MP, route refresh and, with as4, AS4 by default)."""
    if params is None:
        params = caps_param(*std_caps(asn, afis, as4))
    if my_as is None:
        my_as = asn if asn <= 0xFFFF else 23456
    body = struct.pack("!BHH4sB", version, my_as, hold,
                       ipaddress.IPv4Address(router_id).packed, len(params) & 0xFF) + params
    return header(OPEN, len(body)) + body


def nlri(*prefixes):
    """<length, prefix> encoding of "a.b.c.d/n" or IPv6 prefixes."""
    out = b""
    for p in prefixes:
        net = ipaddress.ip_network(p, strict=False)
        out += bytes([net.prefixlen]) + net.network_address.packed[:(net.prefixlen + 7) // 8]
    return out


def update(withdrawn=b"", attrs=b"", nlri_field=b""):
    """An UPDATE from its three fields, given as bytes (lengths computed)."""
    body = struct.pack("!H", len(withdrawn)) + withdrawn + \
        struct.pack("!H", len(attrs)) + attrs + nlri_field
    return header(UPDATE, len(body)) + body


def origin(value=0):
    return attr(0x40, 1, bytes([value]))


def as_path(*asns, four=True):
    if not asns:
        return attr(0x40, 2, b"")
    fmt = "!I" if four else "!H"
    return attr(0x40, 2, bytes([2, len(asns)]) + b"".join(struct.pack(fmt, a) for a in asns))


def next_hop(addr):
    return attr(0x40, 3, ipaddress.IPv4Address(addr).packed)


def mp_reach(prefixes, nh, afi=2, flags=0x80):
    nhb = b"".join(ipaddress.ip_address(a).packed for a in (nh if isinstance(nh, tuple) else (nh,)))
    return attr(flags, 14, struct.pack("!HBB", afi, 1, len(nhb)) + nhb + b"\x00" + nlri(*prefixes))


def mp_unreach(prefixes, afi=2):
    return attr(0x80, 15, struct.pack("!HB", afi, 1) + nlri(*prefixes))


def notification(code, subcode, data=b""):
    return header(NOTIFICATION, 2 + len(data)) + bytes([code, subcode]) + data


# ---- the speaker ---------------------------------------------------------------

class RawPeer:
    """One BGP session to closbgpd (which should be passive for it)."""

    def __init__(self, ns, local, remote, port=179):
        self.ns, self.local, self.remote, self.port = ns, local, remote, port
        self.sock = None
        self.msgs = []              # (type, body) in arrival order
        self.closed = False
        self.keepalive_every = 0.0  # seconds; 0: the test sends them itself
        self._cond = threading.Condition()
        self._thread = None
        self._stop = False
        self._last_ka = 0.0

    def connect(self, timeout=10.0):
        fam = socket.AF_INET6 if ":" in self.remote else socket.AF_INET
        s = ns_socket(self.ns, fam)
        if fam == socket.AF_INET:   # GTSM (RFC 5082): closbgpd wants TTL 255
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.bind((self.local, 0))
        s.settimeout(timeout)
        try:
            s.connect((self.remote, self.port))
        except OSError:
            s.close()
            raise
        s.settimeout(None)
        self.sock = s
        self._thread = threading.Thread(target=self._run, name="rawbgp", daemon=True)
        self._thread.start()
        return self

    # -- background: read and parse, keepalives --------------------------
    def _run(self):
        buf = b""
        while not self._stop:
            try:
                r, _, _ = select.select([self.sock], [], [], 0.2)
            except (OSError, ValueError):
                break
            if self.keepalive_every and time.monotonic() - self._last_ka >= self.keepalive_every:
                try:
                    self.send(keepalive())
                except OSError:
                    pass
            if not r:
                continue
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buf += data
            while len(buf) >= 19:
                length = struct.unpack_from("!H", buf, 16)[0]
                if length < 19 or len(buf) < length:
                    break
                with self._cond:
                    self.msgs.append((buf[18], buf[19:length]))
                    self._cond.notify_all()
                buf = buf[length:]
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def send(self, data):
        with self._cond:   # one writer at a time (the keepalives too)
            if data[18:19] == bytes([KEEPALIVE]):
                self._last_ka = time.monotonic()
            self.sock.sendall(data)

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                v = pred()
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("raw peer %s: timed out after %.1fs waiting for %s; "
                                         "received %s%s" % (self.local, timeout, what,
                                                            self.summary(),
                                                            ", closed" if self.closed else ""))
                self._cond.wait(min(left, 0.5))

    def summary(self):
        names = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "REFRESH"}
        return [names.get(t, t) if t != NOTIFICATION else "NOTIFICATION %d/%d %s" % (
            b[0], b[1], b[2:].hex()) for t, b in self.msgs]

    def count(self, mtype):
        return sum(1 for t, _ in self.msgs if t == mtype)

    def notifications(self):
        return [(b[0], b[1], b[2:]) for t, b in self.msgs if t == NOTIFICATION and len(b) >= 2]

    def wait_message(self, mtype, timeout=10.0, after=0):
        """Wait for more than `after` messages of type mtype."""
        return self.wait(lambda: self.count(mtype) > after, timeout, "message type %d" % mtype)

    def wait_notification(self, timeout=10.0):
        """(code, subcode, data) of the first NOTIFICATION."""
        self.wait(lambda: self.notifications(), timeout, "a NOTIFICATION")
        return self.notifications()[0]

    def wait_closed(self, timeout=10.0):
        return self.wait(lambda: self.closed, timeout, "the connection to close")

    def establish(self, open_bytes, keepalive_every=3.0, timeout=10.0):
        """Send our OPEN, take closbgpd's, send KEEPALIVE, wait for its
        KEEPALIVE: both sides Established. Keepalives then go out every
        keepalive_every seconds (0: none)."""
        self.send(open_bytes)
        self.wait_message(OPEN, timeout)
        self.send(keepalive())
        self.wait_message(KEEPALIVE, timeout)
        self.keepalive_every = keepalive_every
        return self

    def close(self):
        self._stop = True
        if self._thread:
            self._thread.join(timeout=5)
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
