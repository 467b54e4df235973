"""The demo of tools/demo: closbgpd and FRR in two namespaces, clos-demo-a
and clos-demo-b, joined by a veth; shows them Established and the routes
they exchange, then tears everything down (unless --keep).

    python3 tests/integration/lib/demo.py [--keep] [--destroy]

Uses the same harness as the integration tests (lib/topo.py).
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from lib import closbgp, frr, netns, topo  # noqa: E402
from lib.poll import wait_until  # noqa: E402

DEMO_PREFIX = "clos-demo-"
WORKDIR = "/tmp/clos-demo"
CLOS_AS, FRR_AS = 65001, 65002
A4, B4, A6, B6 = "10.0.0.1", "10.0.0.2", "fd00::1", "fd00::2"


def say(text):
    print("\n==> " + text, flush=True)


def show(argv):
    print("$ " + " ".join(argv), flush=True)
    res = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    sys.stdout.write(res.stdout + res.stderr)
    sys.stdout.flush()
    return res


def destroy():
    """Stop everything inside clos-demo-* (by PID) and delete the namespaces."""
    for name in netns.list_namespaces():
        if name.startswith(DEMO_PREFIX):
            print("deleting namespace %s and the daemons in it" % name)
            netns.delete_namespace(name)
    shutil.rmtree(WORKDIR, ignore_errors=True)


def run(keep):
    missing = closbgp.missing_binaries()
    if missing:
        print("demo: closbgp is not built: %s" % ", ".join(missing), file=sys.stderr)
        return 1
    destroy()
    os.makedirs(WORKDIR, exist_ok=True)
    t = topo.Topology("demo", WORKDIR, ns_prefix=DEMO_PREFIX)
    ok = False
    try:
        say("namespaces clos-demo-a (closbgpd, AS %d) and clos-demo-b (FRR %s, AS %d), "
            "one veth: %s/30 %s/64 <-> %s/30 %s/64" % (CLOS_AS, "8.4", FRR_AS, A4, A6, B4, B6))
        a, b = t.add_node("a"), t.add_node("b")
        t.add_link(a, b, v4=(A4 + "/30", B4 + "/30"), v6=(A6 + "/64", B6 + "/64"),
                   if_a="to-frr", if_b="to-clos")

        say("starting FRR bgpd (no zebra) in clos-demo-b; it originates 3 prefixes")
        conf = frr.bgp_config(FRR_AS, B4, neighbors=[
            {"address": A4, "remote_as": CLOS_AS, "local_only_out": True},
            {"address": A6, "remote_as": CLOS_AS, "local_only_out": True}],
            networks=[("198.51.100.0/24", "TAG"), ("203.0.113.0/24", "TAG"),
                      ("100.64.0.0/16", "TAG")],
            networks6=[("2001:db8:b::/48", "TAG")])
        f = t.frr(b, conf + frr.route_map("TAG", community="65002:10", med=50))
        print("config: %s" % f.conf)

        say("starting closbgpd -n (no kernel FIB) in clos-demo-a; it originates 2 prefixes")
        c = t.closbgpd(a, closbgp.device_config(A4, CLOS_AS, neighbors=[
            closbgp.neighbor(B4, FRR_AS, description="frr v4"),
            closbgp.neighbor(B6, FRR_AS, description="frr v6")], networks=[
            {"prefix": "192.0.2.0/24", "community": ["65001:100"],
             "large-community": ["65001:1:2"]},
            {"prefix": "2001:db8:a::/48", "community": ["65001:100"]}]), log_level="info")
        print("config: %s\nlog:    %s" % (c.conf, c.log))

        say("waiting for both sessions to be Established")
        for peer in (B4, B6):
            c.wait_established(peer, timeout=60)
        for peer in (A4, A6):
            f.wait_established(peer, timeout=60)
        wait_until(lambda: len(c.routes()) >= 4, 30, "closbgpd has FRR's 4 prefixes")
        wait_until(lambda: "192.0.2.0/24" in f.routes(), 30, "FRR has 192.0.2.0/24")
        wait_until(lambda: "2001:db8:a::/48" in f.routes("ipv6"), 30, "FRR has 2001:db8:a::/48")

        ctl = closbgp.binaries()[1]
        vty = ["vtysh", "--vty_socket", f.dir]
        say("closbgpd's view")
        show([ctl, "-s", c.sock, "show", "summary"])
        show([ctl, "-s", c.sock, "show", "routes"])
        say("FRR's view")
        show(vty + ["-c", "show bgp summary"])
        show(vty + ["-c", "show bgp ipv4 unicast"])
        show(vty + ["-c", "show bgp ipv6 unicast"])
        show(vty + ["-c", "show bgp ipv4 unicast 192.0.2.0/24"])
        ok = True
        if keep:
            say("left running (--keep). Try:")
            print("  %s -s %s show peers" % (ctl, c.sock))
            print("  %s -s %s --json show routes" % (ctl, c.sock))
            print("  %s -c 'show bgp neighbors'" % " ".join(vty))
            print("  ip netns exec clos-demo-a ip addr")
            print("closbgpd PID %d, FRR bgpd PID %d, files in %s"
                  % (c.proc.pid, f.proc.pid, WORKDIR))
            print("destroy with: tools/demo --destroy")
        return 0
    except Exception as exc:  # noqa: BLE001 - print and tear down
        print("demo failed: %s" % exc, file=sys.stderr)
        print(t.log_tails(), file=sys.stderr)
        return 1
    finally:
        if not (keep and ok):
            say("tearing down")
            t.stop()
            shutil.rmtree(WORKDIR, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="leave the demo running")
    ap.add_argument("--destroy", action="store_true", help="tear a kept demo down")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("demo: needs root (network namespaces)", file=sys.stderr)
        return 1
    if args.destroy:
        destroy()
        return 0
    return run(args.keep)


if __name__ == "__main__":
    sys.exit(main())
