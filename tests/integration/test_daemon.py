"""closbgpd as a process, and closctl as a CLI.

- SIGHUP with an invalid config: rejected and logged with file/path/reason,
  the daemon keeps running and its sessions stay Established;
- SIGHUP with a valid changed config (one more network): FRR gets it;
- SIGTERM: FRR receives Cease/Administrative Shutdown, closbgpd exits 0;
- closctl usage errors (exit 2) and an unreachable socket (exit 1);
- closbgpd -c bad.json exits non-zero naming the file, path and reason.

The tests of this module share one topology and run in file order.
"""
import json
import os
import subprocess

import pytest

from lib import addr, closbgp, frr
from lib.poll import wait_json, wait_until

pytestmark = pytest.mark.closbgp

CLOS_AS, FRR_AS = 65001, 65002
L = addr.link(1)
NETWORKS = [{"prefix": "192.0.2.0/24", "community": ["65001:100"]}]


def config(networks):
    return closbgp.device_config("10.0.0.1", CLOS_AS, networks=networks,
                                 neighbors=[closbgp.neighbor(L.b4, FRR_AS)])


@pytest.fixture(scope="module")
def net(module_topo_factory):
    if not closbgp.available():
        return None
    t = module_topo_factory("daemon")
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=L.v4)
    f = t.frr(b, frr.bgp_config(FRR_AS, "10.0.0.2", neighbors=[
        {"address": L.a4, "remote_as": CLOS_AS}]))
    c = t.closbgpd(a, config(NETWORKS))
    return {"clos": c, "frr": f, "topo": t, "ns": a}


def _new_log(c, offset):
    return c.log_text()[offset:]


def test_sighup_invalid_config_is_rejected(net):
    c, f = net["clos"], net["frr"]
    c.wait_established(L.b4)
    f.wait_established(L.a4)
    count = c.peer(L.b4)["established_count"]
    frr_count = f.neighbor(L.a4)["connectionsEstablished"]
    good = open(c.conf).read()

    bad = json.loads(good)
    bad["closbgp-device:bgp"]["local-as"] = "not-a-number"
    c.write_config(bad)
    offset = len(c.log_text())
    c.reload()
    try:
        # The rejection line, not the "reloading FILE" line before it.
        text = wait_until(lambda: (lambda t: t if "rejected" in t and (
                                   c.conf in t or os.path.basename(c.conf) in t) else None)(
                                       _new_log(c, offset)),
                          10, "closbgpd logs the rejected config")
    finally:
        c.write_config(good)
    assert "local-as" in text, "the log names the path: %s" % text
    assert c.running, "closbgpd exited after a bad reload: %s" % c.log_tail()
    assert c.peer_state(L.b4) == "Established"
    assert c.peer(L.b4)["established_count"] == count
    assert c.summary()["local_as"] == CLOS_AS
    assert f.peer_state(L.a4) == "Established"
    assert f.neighbor(L.a4)["connectionsEstablished"] == frr_count


def test_sighup_valid_config_adds_network(net):
    c, f = net["clos"], net["frr"]
    c.wait_established(L.b4)
    count = c.peer(L.b4)["established_count"]
    wait_until(lambda: f.route("192.0.2.0/24").get("paths"), 30, "FRR has 192.0.2.0/24")
    c.write_config(config(NETWORKS + [{"prefix": "203.0.113.0/24",
                                       "community": ["65001:300"]}]))
    c.reload()
    wait_until(lambda: f.route("203.0.113.0/24").get("paths"), 30,
               "FRR has the network added by SIGHUP")
    path = f.route("203.0.113.0/24")["paths"][0]
    assert path["aspath"]["string"] == str(CLOS_AS)
    assert path["community"]["list"] == ["65001:300"]
    assert "192.0.2.0/24" in f.routes()
    # adding a network does not reset the session
    assert c.peer(L.b4)["established_count"] == count
    assert c.running


def test_sigterm_sends_cease_and_exits_0(net):
    c, f = net["clos"], net["frr"]
    c.wait_established(L.b4)
    f.wait_established(L.a4)
    code = c.stop(timeout=10)
    assert code == 0, "closbgpd exit code %s: %s" % (code, c.log_tail())
    wait_json(lambda: f.neighbor(L.a4),
              {"lastErrorCodeSubcode": "0602",
               "lastNotificationReason": "Cease/Administrative Shutdown",
               "lastResetDueTo": "BGP Notification received"},
              15, "FRR received Cease/Administrative Shutdown")
    assert f.peer_state(L.a4) != "Established"


def test_closctl_usage_error_exits_2(net):
    for args in (["--no-such-option"], ["show", "no-such-thing"]):
        res = closbgp.closctl_run(None, *args)
        assert res.returncode == 2, (args, res)
        assert "usage" in (res.stderr + res.stdout).lower(), (args, res)


def test_closctl_missing_socket_exits_1(net, tmp_path):
    sock = str(tmp_path / "nothing.sock")
    res = closbgp.closctl_run(sock, "show", "summary")
    assert res.returncode == 1, res
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert res.stdout == ""


def test_start_with_bad_config_fails(net, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"closbgp-device:bgp": {"router-id": "10.0.0.1",
                                                       "local-as": "not-a-number"}}))
    daemon = closbgp.binaries()[0]
    # In the test's namespace, so that even a wrongly accepted config
    # would not touch the root namespace.
    res = net["ns"].run([daemon, "-c", str(bad), "-n", "-s", str(tmp_path / "s.sock")],
                        check=False, timeout=15)
    assert res.returncode != 0
    err = res.stderr + res.stdout
    assert "bad.json" in err, err
    assert "local-as" in err, err
    assert len(err) < 4000


def test_start_with_missing_config_fails(net, tmp_path):
    missing = tmp_path / "missing.json"
    res = subprocess.run(net["ns"].exec_argv([closbgp.binaries()[0], "-c", str(missing), "-n"]),
                         capture_output=True, text=True, timeout=15)
    assert res.returncode != 0
    assert "missing.json" in res.stderr
