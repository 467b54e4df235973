"""Tests of tools/closlab: a small lab of 2 FRR routers and 1 host.

    r1 (AS 65001) eth1 --- eth1 r2 (AS 65002) eth2 --- eth1 h1

r2 redistributes its connected networks, so r1 learns h1's subnet over BGP
and pings h1 through r2.  Needs root, iproute2 and FRR (/usr/lib/frr);
skipped otherwise.  Run: python3 -m pytest -q tests/closlab

Every lab that `closlab deploy` may have made is destroyed: by the fixture,
and otherwise at exit; SIGTERM/SIGHUP end the run like Ctrl-C
(tests/integration/lib/cleanup.py).
"""

import contextlib
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CLOSLAB = os.path.join(HERE, "..", "..", "tools", "closlab")
LAB = "clt%d" % (os.getpid() % 100000)

sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from lib import cleanup  # noqa: E402

cleanup.install()
_DEPLOYED = {}  # topology file -> cleanup token

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.access("/usr/lib/frr/zebra", os.X_OK),
    reason="needs root and FRR")

FRR_CONF = """\
frr defaults datacenter
hostname {name}
interface eth1
 ip address 10.0.0.{me}/31
exit
{extra}router bgp {asn}
 bgp router-id 10.255.0.{rid}
 no bgp ebgp-requires-policy
 neighbor 10.0.0.{peer} remote-as {peer_asn}
 neighbor 10.0.0.{peer} timers 1 3
 neighbor 10.0.0.{peer} timers connect 1
 address-family ipv4 unicast
  redistribute connected
 exit-address-family
exit
"""

TOPO = """\
name: {lab}
mgmt:
  network: none-here
topology:
  defaults:
    kind: linux
    env:
      LEVEL: defaults
      FROM_DEFAULTS: "yes"
  kinds:
    linux:
      env:
        LEVEL: kind
      exec:
        - sysctl -w net.ipv4.ip_forward=1
  nodes:
    r1:
      image: quay.io/frrouting/frr:8.4.4
      binds:
        - r1/frr.conf:/etc/frr/frr.conf
        - r1/daemons:/etc/frr/daemons
    r2:
      image: frrouting/frr:v8.4.0
      binds:
        - r2/frr.conf:/etc/frr/frr.conf
        - r2/daemons:/etc/frr/daemons
    h1:
      image: alpine:3.19
      env:
        LEVEL: node
      exec:
        - ip addr add 192.168.2.10/24 dev eth1
        - ip route add default via 192.168.2.1
  links:
    - endpoints: ["r1:eth1", "r2:eth1"]
    - endpoints: ["r2:eth2", "h1:eth1"]
"""


def _destroy_at_exit(topo):
    subprocess.run([CLOSLAB, "destroy", "-t", topo, "--cleanup"],
                   capture_output=True, timeout=120)


def closlab(*args, check=True):
    topo = args[args.index("-t") + 1] if "-t" in args else None
    if topo and args[0] == "deploy" and topo not in _DEPLOYED:
        # registered first: even a deploy that fails half-way is destroyed
        _DEPLOYED[topo] = cleanup.register("closlab lab " + topo,
                                           lambda: _destroy_at_exit(topo))
    with cleanup.shielded() if args[0] == "destroy" else contextlib.nullcontext():
        p = subprocess.run([CLOSLAB] + list(args), capture_output=True,
                           text=True, timeout=120)
    # a destroyed lab, or a refused deploy (closlab rolls back what it made)
    if topo in _DEPLOYED and p.returncode == (0 if args[0] == "destroy" else 1):
        cleanup.unregister(_DEPLOYED.pop(topo))
    if check and p.returncode != 0:
        raise AssertionError("closlab %s: rc %d\n%s%s" % (
            " ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def poll(fn, timeout=30.0, step=0.2):
    """Call fn until it returns a true value; bounded in time and count."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / step) + 1):
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)
    return fn()


def netns():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True).stdout
    return {l.split()[0] for l in out.splitlines() if l.strip()}


def write_lab(d, text=None):
    for i, name in ((1, "r1"), (2, "r2")):
        os.makedirs(d / name, exist_ok=True)
        extra = ("interface eth2\n ip address 192.168.2.1/24\nexit\n"
                 if i == 2 else "")
        (d / name / "frr.conf").write_text(FRR_CONF.format(
            name=name, me=i - 1, peer=2 - i, asn=65000 + i,
            peer_asn=65003 - i, rid=i, extra=extra))
        (d / name / "daemons").write_text("zebra=yes\nbgpd=yes\n")
    f = d / "lab.clab.yml"
    f.write_text(text if text is not None else TOPO.format(lab=LAB))
    return str(f)


def load_module():
    loader = importlib.machinery.SourceFileLoader("closlab_mod", CLOSLAB)
    spec = importlib.util.spec_from_loader("closlab_mod", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    d = tmp_path_factory.mktemp("closlab")
    topo = write_lab(d)
    closlab("destroy", "-t", topo, check=False)
    try:
        closlab("deploy", "-t", topo)
        yield topo
    finally:
        closlab("destroy", "-t", topo, "--cleanup", check=False)


def bgp_state(topo, node):
    p = closlab("exec", "-t", topo, "--node", node, "--", "vtysh", "-c",
                "show bgp summary json", check=False)
    try:
        peers = json.loads(p.stdout)["ipv4Unicast"]["peers"]
    except (ValueError, KeyError):
        return None
    return [v["state"] for v in peers.values()]


def test_deploy_namespaces_links_addresses(lab):
    ns = {"clos-%s-%s" % (LAB, n) for n in ("r1", "r2", "h1")}
    assert ns <= netns()
    for n, ifs in (("r1", ["eth1"]), ("r2", ["eth1", "eth2"]),
                   ("h1", ["eth1"])):
        out = subprocess.run(["ip", "-n", "clos-%s-%s" % (LAB, n), "-j",
                              "link"], capture_output=True, text=True).stdout
        links = {l["ifname"]: l for l in json.loads(out)}
        for i in ifs:
            assert i in links and "UP" in links[i]["flags"], (n, i)
            assert links[i].get("link_type") == "ether"
    # r1's eth1 is one end of a veth whose peer is in another namespace
    out = subprocess.run(["ip", "-n", "clos-%s-r1" % LAB, "-d", "-j", "link",
                          "show", "eth1"], capture_output=True,
                         text=True).stdout
    l = json.loads(out)[0]
    assert l["linkinfo"]["info_kind"] == "veth" and "link_netnsid" in l
    # h1 got its address and route from exec lines; r2's from frr.conf
    out = closlab("exec", "-t", lab, "--node", "h1", "--", "ip", "-j",
                  "addr", "show", "eth1").stdout
    assert "192.168.2.10" in out
    assert "default via 192.168.2.1" in closlab(
        "exec", "-t", lab, "h1", "--", "ip", "route").stdout
    assert poll(lambda: "192.168.2.1/24" in closlab(
        "exec", "-t", lab, "--node", "r2", "--", "ip", "addr").stdout)


def test_frr_session_established(lab):
    assert poll(lambda: bgp_state(lab, "r1") == ["Established"]), \
        bgp_state(lab, "r1")
    assert bgp_state(lab, "r2") == ["Established"]
    # r1 reaches h1 through r2 with the route learnt over BGP
    assert poll(lambda: "192.168.2.0/24" in closlab(
        "exec", "-t", lab, "--node", "r1", "--", "ip", "route").stdout)
    assert poll(lambda: closlab("exec", "-t", lab, "--node", "r1", "--",
                                "ping", "-c1", "-W1", "192.168.2.10",
                                check=False).returncode == 0, timeout=10)


def test_exec_forms_env_and_hostname(lab):
    # containerlab style: --cmd with --label clab-node-name=
    p = closlab("exec", "-t", lab, "--cmd", "sh -c 'echo $LEVEL "
                "$FROM_DEFAULTS $(hostname)'", "--label",
                "clab-node-name=h1")
    assert p.stdout.split() == ["node", "yes", "h1"]
    p = closlab("exec", "-t", lab, "--node", "r1", "--", "sh", "-c",
                "echo $LEVEL")
    assert p.stdout.strip() == "kind"
    # kind-level exec ran on every node (sysctl), node exec after it
    p = closlab("exec", "-t", lab, "--node", "h1", "--", "sysctl", "-n",
                "net.ipv4.ip_forward")
    assert p.stdout.strip() == "1"
    # plain vtysh reaches this node's daemons (hostname from frr.conf)
    p = closlab("exec", "-t", lab, "--node", "r2", "--", "vtysh", "-c",
                "show bgp summary json")
    assert json.loads(p.stdout)["ipv4Unicast"]["as"] == 65002
    # exit status of the command is passed through
    assert closlab("exec", "-t", lab, "--node", "h1", "--", "false",
                   check=False).returncode == 1


def test_inspect_json(lab):
    data = json.loads(closlab("inspect", "-t", lab, "--json").stdout)
    nodes = {c["node"]: c for c in data["containers"]}
    assert set(nodes) == {"r1", "r2", "h1"}
    for n in nodes.values():
        assert n["state"] == "running", n
        assert n["namespace"] == "clos-%s-%s" % (LAB, n["node"])
        assert n["name"] == "clab-%s-%s" % (LAB, n["node"])
    assert [p["name"] for p in nodes["r1"]["processes"]] == ["zebra", "bgpd"]
    assert all(p["alive"] for p in nodes["r1"]["processes"])
    assert nodes["h1"]["role"] == "host" and nodes["r1"]["role"] == "frr"
    assert any(a.startswith("192.168.2.10/24") for a in
               nodes["h1"]["ipv4_address"])
    table = closlab("inspect", "-t", lab).stdout
    assert "clab-%s-r1" % LAB in table and "running" in table
    assert os.path.isdir(os.path.join(os.path.dirname(lab), "clab-" + LAB,
                                      "r1"))


def test_deploy_again_refused(lab):
    p = closlab("deploy", "-t", lab, check=False)
    assert p.returncode != 0
    assert "already deployed" in p.stderr and "--reconfigure" in p.stderr
    assert bgp_state(lab, "r1") is not None  # the lab is untouched


def test_destroy_leaves_nothing(lab):
    data = json.loads(closlab("inspect", "-t", lab, "--json").stdout)
    pids = [p["pid"] for c in data["containers"] for p in c["processes"]]
    assert len(pids) == 4
    closlab("destroy", "-t", lab, "--cleanup")
    assert not [n for n in netns() if n.startswith("clos-%s-" % LAB)]
    for pid in pids:
        assert not os.path.exists("/proc/%d" % pid) or \
            b"frr" not in open("/proc/%d/cmdline" % pid, "rb").read()
    assert not os.path.exists(os.path.join(os.path.dirname(lab),
                                           "clab-" + LAB))
    assert json.loads(closlab("inspect", "-t", lab, "--json").stdout) == \
        {"containers": []}
    # and it deploys again afterwards (then the fixture destroys it)
    closlab("deploy", "-t", lab)
    assert poll(lambda: bgp_state(lab, "r1") == ["Established"])


@pytest.mark.parametrize("where,key,msg", [
    ("node", "ports: ['80:80']", "key 'ports' is a containerlab key"),
    ("node", "color: blue", "unknown key 'color'"),
    ("kind", "cmd: /bin/true", "key 'cmd' is a containerlab key"),
])
def test_unsupported_key(tmp_path, where, key, msg):
    name = "clu%d" % (os.getpid() % 100000)
    text = TOPO.format(lab=name)
    if where == "node":
        text = text.replace("    h1:\n", "    h1:\n      %s\n" % key)
        who = "topology.nodes.h1"
    else:
        text = text.replace("    linux:\n", "    linux:\n      %s\n" % key)
        who = "topology.kinds.linux"
    topo = write_lab(tmp_path, text)
    p = closlab("deploy", "-t", topo, check=False)
    assert p.returncode == 1
    assert msg in p.stderr and who in p.stderr, p.stderr
    assert not [n for n in netns() if n.startswith("clos-%s-" % name)]
    assert not os.path.exists(tmp_path / ("clab-" + name))


@pytest.mark.parametrize("change,msg", [
    (('"h1:eth1"]', '"h9:eth1"]'), "no node 'h9'"),
    (('"h1:eth1"]', '"h1:eth1234567890123"]'), "bad interface name"),
    (('"h1:eth1"]', '"host:veth-x"]'), "host links are not supported"),
    (("    kind: linux\n", "    kind: nokia_srlinux\n"),
     "kind 'nokia_srlinux' is not supported"),
    (("r1/frr.conf:", "r1/nope.conf:"), "does not exist"),
])
def test_bad_topology(tmp_path, change, msg):
    text = TOPO.format(lab="clb").replace(*change)
    topo = write_lab(tmp_path, text)
    p = closlab("deploy", "-t", topo, check=False)
    assert p.returncode == 1 and msg in p.stderr, p.stderr
    assert not os.path.exists(tmp_path / "clab-clb")


def test_inheritance(tmp_path):
    m = load_module()
    text = TOPO.format(lab="cli").replace(
        "      binds:\n        - r1/frr.conf",
        "      env:\n        LEVEL: r1\n      exec: [echo r1]\n"
        "      binds:\n        - r1/frr.conf")
    text = text.replace("  kinds:\n", "  kinds:\n    ignored_kind:\n"
                        "      image: nothing\n")
    lab = m.load(write_lab(tmp_path, text), str(tmp_path / "labs"))
    r1, h1 = lab.nodes["r1"], lab.nodes["h1"]
    assert lab.dir == str(tmp_path / "labs" / "clab-cli")
    assert r1.env["LEVEL"] == "r1" and r1.env["FROM_DEFAULTS"] == "yes"
    assert h1.env["LEVEL"] == "node" and lab.nodes["r2"].env["LEVEL"] == "kind"
    # exec: defaults + kind + node, in that order
    assert r1.exec == ["sysctl -w net.ipv4.ip_forward=1", "echo r1"]
    assert r1.role == "frr" and h1.role == "host"
    assert r1.bind_source("/etc/frr/frr.conf") == \
        str(tmp_path / "r1" / "frr.conf")
    assert r1.ns == "clos-cli-r1"
    assert lab.links[0][:2] == (("r1", "eth1"), ("r2", "eth1"))
