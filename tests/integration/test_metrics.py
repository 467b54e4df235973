"""closbgpd's Prometheus endpoint, scraped by a real Prometheus server.

closbgpd (kernel FIB on, metrics on 127.0.0.1:9179 inside its namespace)
<-> FRR, which announces PREFIXES IPv4 prefixes; Prometheus (the Debian
package) runs in closbgpd's namespace, scrapes it every second into a TSDB
in the test's directory, and is queried through its HTTP API until what it
scraped matches `closctl --json show summary`: the peer Established, the
prefixes received and advertised, the Loc-RIB, the kernel FIB, the device
state. The raw /metrics
text passes `promtool check metrics`; other paths and methods are refused;
a reload that moves the endpoint re-binds it without touching the session.
"""
import copy

import pytest

from lib import addr, closbgp, frr, prometheus, report
from lib.poll import wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
L = addr.link(1)
PREFIXES = addr.v4_prefixes(25)
METRICS = {"address": "127.0.0.1", "port": 9179}
URL = "http://127.0.0.1:9179/metrics"


def clos_config(metrics):
    conf = closbgp.device_config("10.0.0.1", CLOS_AS, neighbors=[
        closbgp.neighbor(L.b4, FRR_AS, description="frr")],
        networks=[{"prefix": "192.0.2.0/24"}])
    conf["closbgp-device:bgp"]["metrics"] = dict(metrics)
    return conf


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    if not prometheus.available():
        pytest.fail("%s missing: install the Debian package prometheus (tools/deps)"
                    % prometheus.BINARY, pytrace=False)
    t = module_topo_factory("metrics")
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=L.v4)
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": CLOS_AS, "local_only_out": True}],
        networks=[(p, None) for p in PREFIXES]))
    c = t._daemon(closbgp.FibClosbgpd(a, t.dir, clos_config(METRICS)), True)
    # started and stopped by PID with the topology
    p = t._daemon(prometheus.Prometheus(a, t.dir, ["127.0.0.1:9179"], job="closbgpd"), True)
    return {"clos": c, "frr": f, "prom": p, "ns": a}


def converged(c):
    """closctl's summary once the FRR peer is up with all its prefixes."""
    s = c.summary()
    peer = next(p for p in s["peers"] if p["address"] == L.b4)
    if peer["state"] == "Established" and peer["prefixes_received"] == len(PREFIXES) \
            and peer["prefixes_sent"] == 1 and s["fib"]["installed"] == len(PREFIXES):
        return s
    return None


def scraped(prom):
    """What Prometheus holds now, keyed as the summary is."""
    sel = 'peer="%s"' % L.b4
    state = prom.query('closbgp_peer_state{%s} == 1' % sel)
    return {
        "up": prom.value('up{job="closbgpd"}'),
        "state": [lab["state"] for lab, _ in state],
        "peer_as": [lab["peer_as"] for lab, _ in state],
        "prefixes_received": prom.value("closbgp_peer_prefixes_received{%s}" % sel),
        "prefixes_accepted": prom.value("closbgp_peer_prefixes_accepted{%s}" % sel),
        "prefixes_sent": prom.value("closbgp_peer_prefixes_advertised{%s}" % sel),
        "uptime": prom.value("closbgp_peer_uptime_seconds{%s}" % sel),
        "updates_in": prom.value('closbgp_peer_messages_received_total{%s,type="update"}' % sel),
        "opens_out": prom.value('closbgp_peer_messages_sent_total{%s,type="open"}' % sel),
        "established": prom.value("closbgp_peer_established_transitions_total{%s}" % sel),
        "loc_ipv4": prom.value('closbgp_rib_prefixes{family="ipv4"}'),
        "live": prom.value('closbgp_device_state{state="live"}'),
        "memory": prom.value("sum(closbgp_memory_bytes)"),
        "fib_installed": prom.value('closbgp_fib_routes{state="installed"}'),
        "fib_routes": prom.value("sum(closbgp_fib_routes)"),
        "fib_nexthops": prom.value("closbgp_fib_nexthops"),
        "fib_errors": prom.value("closbgp_fib_errors_total"),
    }


def test_prometheus_scrapes_what_closctl_shows(net):
    c, prom = net["clos"], net["prom"]
    s = wait_until(lambda: converged(c), 60, "closbgpd: %s Established with %d prefixes"
                   % (L.b4, len(PREFIXES)))
    peer = next(p for p in s["peers"] if p["address"] == L.b4)

    def matches():
        got = scraped(prom)
        ok = (got["up"] == 1 and got["state"] == ["Established"]
              and got["peer_as"] == [str(FRR_AS)]
              and got["prefixes_received"] == peer["prefixes_received"]
              and got["prefixes_accepted"] == peer["prefixes_received"]
              and got["prefixes_sent"] == peer["prefixes_sent"]
              and got["uptime"] and got["uptime"] > 0
              and got["updates_in"] and got["updates_in"] >= 1
              and got["opens_out"] and got["opens_out"] >= 1
              and got["established"] == 1
              and got["loc_ipv4"] == s["loc_rib"]["ipv4"]
              and got["live"] == 1 and got["memory"] and got["memory"] > 0
              and got["fib_installed"] == s["fib"]["installed"]
              and got["fib_routes"] == s["fib"]["routes"]
              and got["fib_nexthops"] == s["fib"]["nexthops"]
              and got["fib_errors"] == s["fib"]["errors"])
        if not ok:      # reported with the last value seen on timeout
            raise AssertionError("scraped %s" % got)
        return got

    got = wait_until(matches, 60, "Prometheus' view of closbgpd to match closctl "
                     "(%s, %d prefixes)" % (peer["state"], peer["prefixes_received"]),
                     interval=0.5)
    assert got["prefixes_received"] == len(PREFIXES)
    report.note("Prometheus scraped closbgpd: peer %s %s, %d prefixes received, %d "
                "advertised, uptime %d s, %d UPDATEs in, %d kernel routes installed" % (
                    L.b4, got["state"][0], got["prefixes_received"], got["prefixes_sent"],
                    got["uptime"], got["updates_in"], got["fib_installed"]))
    targets = prom.targets()
    assert [t["health"] for t in targets] == ["up"], targets
    assert targets[0]["lastError"] == ""


def test_exposition_is_valid(net):
    r = prometheus.http_get(net["ns"], URL)
    assert r is not None
    status, headers, body = r
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body.encode())
    ok, out = prometheus.check_metrics(body)
    assert ok and out == "", out
    names, types = set(), {}
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            types[name] = typ
        elif not line.startswith("#"):
            names.add(line.split("{")[0].split(" ")[0])
    assert names and all(n.startswith("closbgp_") for n in names)
    assert all(n.endswith("_total") == (types[n] == "counter") for n in names)
    for want in ("closbgp_peer_state", "closbgp_peer_uptime_seconds",
                 "closbgp_peer_prefixes_received", "closbgp_peer_prefixes_accepted",
                 "closbgp_peer_prefixes_advertised", "closbgp_peer_messages_received_total",
                 "closbgp_peer_messages_sent_total", "closbgp_peer_established_transitions_total",
                 "closbgp_rib_prefixes", "closbgp_rib_paths", "closbgp_memory_bytes",
                 "closbgp_policy_cache_hits_total", "closbgp_policy_cache_misses_total",
                 "closbgp_device_state", "closbgp_device_state_transitions_total"):
        assert want in names, want
    for want in ("closbgp_fib_routes", "closbgp_fib_nexthops", "closbgp_fib_groups",
                 "closbgp_fib_errors_total", "closbgp_fib_failovers_total",
                 "closbgp_fib_takeovers_total"):
        assert want in names, want
    assert 'closbgp_fib_routes{state="installed"} %d' % len(PREFIXES) in body.splitlines()


def test_other_requests_refused(net):
    ns = net["ns"]
    assert prometheus.http_get(ns, "http://127.0.0.1:9179/")[0] == 404
    assert prometheus.http_get(ns, "http://127.0.0.1:9179/metrics/x")[0] == 404
    assert prometheus.http_get(ns, URL, method="POST")[0] == 405


def test_reload_rebinds(net):
    c, ns = net["clos"], net["ns"]
    before = c.peer(L.b4)["established_count"]
    moved = dict(METRICS, port=9180)
    c.write_config(clos_config(moved))
    c.reload()
    wait_until(lambda: (prometheus.http_get(ns, "http://127.0.0.1:9180/metrics") or [0])[0]
               == 200, 15, "the endpoint on port 9180")
    assert prometheus.http_get(ns, URL) is None    # the old port is closed
    # off, then back where Prometheus scrapes it
    off = copy.deepcopy(clos_config(METRICS))
    del off["closbgp-device:bgp"]["metrics"]
    c.write_config(off)
    c.reload()
    wait_until(lambda: prometheus.http_get(ns, "http://127.0.0.1:9180/metrics") is None, 15,
               "the endpoint off")
    c.write_config(clos_config(METRICS))
    c.reload()
    wait_until(lambda: (prometheus.http_get(ns, URL) or [0])[0] == 200, 15,
               "the endpoint back on port 9179")
    assert c.peer(L.b4)["state"] == "Established"
    assert c.peer(L.b4)["established_count"] == before
    assert "metrics: endpoint 127.0.0.1 port 9179 closed" in c.log_text()
