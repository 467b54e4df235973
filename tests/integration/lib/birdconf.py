"""BIRD 2 configuration text for one eBGP session."""


def bgp_session(router_id, local_addr, local_as, peer_addr, peer_as, statics=(),
                community=None, large_community=None, hold=9, keepalive=3,
                ttl_security=True, name="peer", password=None):
    """statics: IPv4 prefixes originated by a static protocol and exported
    into BGP with the given community ("65003,1") / large community
    ("65003,1,2"). password: the session's TCP-MD5 key (RFC 2385)."""
    sets = ""
    if community:
        sets += "bgp_community.add((%s)); " % community
    if large_community:
        sets += "bgp_large_community.add((%s)); " % large_community
    routes = "\n".join("  route %s blackhole;" % p for p in statics)
    return """router id %(rid)s;
log stderr all;
protocol device { }
protocol static originated {
  ipv4;
%(routes)s
}
protocol bgp %(name)s {
  local %(laddr)s as %(las)d;
  neighbor %(paddr)s as %(pas)d;
  hold time %(hold)d;
  keepalive time %(ka)d;
  connect retry time 2;
  error wait time 1, 5;
  ttl security %(ttl)s;
%(password)s  ipv4 {
    import all;
    export filter { if proto = "originated" then { %(sets)saccept; } reject; };
  };
}
""" % {"rid": router_id, "routes": routes, "name": name, "laddr": local_addr,
       "las": local_as, "paddr": peer_addr, "pas": peer_as, "hold": hold,
       "ka": keepalive, "ttl": "on" if ttl_security else "off", "sets": sets,
       "password": '  password "%s";\n' % password if password else ""}
