"""Addressing plan of the test topologies: link i is 10.0.i.0/30 and
fd00:i::/64; the first node (closbgpd, by convention) is .1 / ::1."""


class LinkAddrs:
    def __init__(self, i):
        self.v4 = ("10.0.%d.1/30" % i, "10.0.%d.2/30" % i)
        self.v6 = ("fd00:%d::1/64" % i, "fd00:%d::2/64" % i)
        self.a4, self.b4 = (a.split("/")[0] for a in self.v4)
        self.a6, self.b6 = (a.split("/")[0] for a in self.v6)


def link(i):
    return LinkAddrs(i)


def v4_prefixes(count, first_octet=100, second_octet=64):
    """`count` distinct /24s: 100.64.0.0/24, 100.64.1.0/24, ..."""
    out = []
    for i in range(count):
        out.append("%d.%d.%d.0/24" % (first_octet, second_octet + i // 256, i % 256))
    return out
