"""The failover benchmark (issue 12, `run --failover`): link-down -> kernel
repaired, with N prefixes behind the link and a precomputed backup.

    clos-bench-feed ==(links A, B, C: eth0..2 -- feed0..2)== clos-bench-dut

One feeder speaker with a session over each link (AS 65001, IPv4, and
IPv6 with --failover-ipv6). A announces N prefixes per family with
rack_prefix's community, B and C the same prefixes with backup_path's;
the DUT's import policy (policy.py FAILOVER_CHAINS) gives the backups
LOCAL_PREF 90 and A's paths 100, so the kernel holds every prefix via A
and B + C is the next-best ECMP set.

nlmon.py listens in the DUT's namespace from before the DUT starts; first
it is calibrated (calibrate(): a producer adds as many routes as the
repair needs with one sendmsg, with the monitor not listening and
listening, alternately).
Once `ip -j route show` / `ip -j nexthop show` have every prefix via A and
the DUT is idle, the monitor dumps the kernel's state and A is set down at
the feeder's end (`ip link set eth0 down` in clos-bench-feed): the DUT's
feed0 loses carrier, as with a cable pulled. The monitor's replay gives
link event -> every prefix resolves via B and/or C in the kernel
(`repaired`), -> the DUT's TCP session to A leaves Established
(`session_down`), -> the DUT's first route or nexthop message, and how
many messages the DUT sent for the repair; `ip -j` checks the end state
independently. One failure per scenario, on a fresh topology (bench.py's
rounds repeat it).
"""
import ipaddress
import json
import os
import subprocess
import sys
import time

import bgpwire as w
import duts
import policy as pol
from duts import Topology

HERE = os.path.dirname(os.path.abspath(__file__))
now = time.monotonic
LINKS = ("A", "B", "C")
QUIET = 1.0                 # seconds without route/nexthop messages before a replay
CALIB_TABLE = 100           # the calibration producer's routes


def fed_prefixes(families, n):
    out = set()
    for afi in families:
        if afi == "ipv4":
            out |= {"%s/24" % ipaddress.IPv4Address(w.V4_BASE + (i << 8)) for i in range(n)}
        else:
            out |= {"%s/48" % ipaddress.IPv6Address((w.V6_BASE + i) << 80) for i in range(n)}
    return out


def kernel_where(ns, families, fed):
    """{interfaces the route resolves to ("feed1+feed2", "none", ...): count}
    over the fed prefixes, from `ip -j route show` and `ip -j nexthop show`
    (independent of nlmon.py), and {"group": n, "nhid": n, "inline": n}:
    how the routes point at their next hops."""
    nhs = {}
    out = ns.run(["ip", "-j", "nexthop", "show"], check=False, timeout=60).stdout
    for e in json.loads(out or "[]"):
        nhs[e["id"]] = e

    def nh_devs(nid, depth=0):
        e = nhs.get(nid)
        if e is None or depth > 4:
            return set()
        if e.get("group"):
            s = set()
            for m in e["group"]:
                s |= nh_devs(m["id"], depth + 1)
            return s
        if e.get("blackhole") is not None and "dev" not in e:
            return {"blackhole"}
        return {e.get("dev", "?")}

    where, kinds = {}, {"group": 0, "nhid": 0, "inline": 0}
    best = {}
    for fam in families:
        out = ns.run(["ip", "-j", "-4" if fam == "ipv4" else "-6", "route", "show", "table",
                      "main"], check=False, timeout=60).stdout
        for r in json.loads(out or "[]"):
            dst = r.get("dst", "")
            if "/" not in dst:
                dst += "/32" if fam == "ipv4" else "/128"
            if dst not in fed:
                continue
            metric = r.get("metric", 0)
            if dst not in best or metric < best[dst].get("metric", 0):
                best[dst] = r
    for dst, r in best.items():
        if "nhid" in r:
            devs = nh_devs(r["nhid"])
            kinds["group" if nhs.get(r["nhid"], {}).get("group") else "nhid"] += 1
        else:
            kinds["inline"] += 1
            hops = r.get("nexthops") or [r]
            devs = {h.get("dev", "?") + ("(linkdown)" if "linkdown" in h.get("flags", ()) else "")
                    for h in hops}
        key = "+".join(sorted(devs)) or "none"
        where[key] = where.get(key, 0) + 1
    missing = len(fed) - len(best)
    if missing:
        where["none"] = where.get("none", 0) + missing
    return where, kinds


def calibrate(topo, mon, routes, pairs=3):
    """The kernel's time for `routes` route additions in one sendmsg, in
    the DUT's namespace before the DUT starts, with the monitor not
    listening and listening, `pairs` times each, alternately (see
    nlmon.py): kernel_alone and kernel_monitored are the fastest of each
    (the least disturbed by the rest of the machine), monitor_lag and
    monitor_window the worst. Table 100, deleted again after each."""
    def produce(*extra):
        out = topo.dut.run([sys.executable, os.path.join(HERE, "nlmon.py"), "--produce",
                            str(routes), str(CALIB_TABLE)] + list(extra), timeout=120).stdout
        return json.loads(out.strip().splitlines()[-1])

    alone, monitored, lag, window = [], [], [], []
    cal = {}
    for _ in range(pairs):
        mon_command(mon, "mute", "muted", 10)
        p = produce()
        alone.append(p["t1"] - p["t0"])
        produce("delete")
        mon_command(mon, "unmute", "unmuted", 10)
        p = produce()
        c = mon_command(mon, "calibration %d" % CALIB_TABLE, "calibration", 30) or {}
        monitored.append(p["t1"] - p["t0"])
        if c.get("routes") == routes and c.get("t_last") is not None:
            lag.append(c["t_last"] - p["t1"])
            window.append(c["t_last"] - c["t_last_lo"])
        else:
            cal["error"] = "monitor saw %s of %d calibration routes" % (c.get("routes"), routes)
        produce("delete")
        mon.cmd("calibration %d" % CALIB_TABLE)           # forget the deletions
        wait_event(mon, ("calibration",), 30)
    cal.update({"kernel_alone": min(alone), "kernel_monitored": min(monitored)})
    if lag:
        cal.update({"monitor_lag": max(lag), "monitor_window": max(window)})
    return cal


def mon_command(mon, cmd, answer, timeout):
    mon.cmd(cmd)
    ev = wait_event(mon, (answer,), timeout)
    return ev if ev and ev["ev"] == answer else None


def run(bench, dut_name, n, families, wd, timeout, fail_timeout, rt=True):
    """One failover on a fresh topology; bench is bench.py (SpeakerProc,
    wait_ready, wait_idle, log); rt: the monitor at SCHED_FIFO 1. Returns
    the scenario's result dict."""
    res = {"dut": dut_name, "kind": "failover", "fib": True, "prefixes": n,
           "sessions": len(LINKS) * len(families), "families": families}
    os.makedirs(wd, exist_ok=True)
    topo = Topology(len(LINKS))
    dut = feeder = mon = None
    fed = fed_prefixes(families, n)
    try:
        topo.create()
        # The monitor first: calibrated on an idle namespace, then it
        # listens through the DUT's start (and forgets that at its dump).
        peers = [topo.feed_addrs(0)["feed" + afi[-1]] for afi in families]
        spec = {"families": families, "prefixes": n, "fail": "feed0", "good": ["feed1", "feed2"],
                "peers": peers, "rt": rt, "max_seconds": timeout + fail_timeout + 600,
                "log": os.path.join(wd, "nlmon-events.log")}
        mon = bench.SpeakerProc(topo.dut, spec, wd, "nlmon", script="nlmon.py")
        ev = wait_event(mon, ("ready",), 30)
        if ev is None or ev["ev"] != "ready":
            res["error"] = "netlink monitor not ready: %s" % ev
            return res
        res["monitor_rt"] = ev.get("rt")
        res["calibration"] = calibrate(topo, mon, len(fed))
        sessions = []
        for i, link in enumerate(LINKS):
            a = topo.feed_addrs(i)
            rt = "rack_prefix" if link == "A" else "backup_path"
            for afi in families:
                k = afi[-1]
                sessions.append({
                    "id": "%s_%s" % (link, afi), "role": "feed", "mode": "connect",
                    "local": a["feed" + k], "peer": a["dut" + k], "nexthop": a["feed" + k],
                    "local_as": duts.FEED_AS, "peer_as": duts.DUT_AS, "router_id": a["feed4"],
                    "afi": afi, "prefixes": n, "communities": [pol.ROUTE_TYPES[rt]]})
        dut = duts.DUTS[dut_name](topo, wd, True, families, "failover").start()
        pids = dut.pids()
        feeder = bench.SpeakerProc(topo.feed, {"name": "feeder", "sessions": sessions,
                                               "hold": duts.HOLD}, wd, "feeder")
        err = bench.wait_ready([feeder], dut, 60)
        if err:
            res["error"] = err
            return res
        feeder.cmd("announce")
        # Every prefix on A in the kernel (bounded), then the DUT idle.
        t_end = now() + timeout
        where = {}
        for _ in range(int(timeout / 0.5) + 1):
            feeder.poll_events()
            where, kinds = kernel_where(topo.dut, families, fed)
            if where.get("feed0") == len(fed) or now() > t_end:
                break
            time.sleep(0.5)
        res["kernel_before"], res["install_before"] = where, kinds
        if where.get("feed0") != len(fed):
            res["error"] = "the kernel never had every prefix via A: %s" % where
            return res
        bench.wait_idle(pids)

        ev = mon_command(mon, "dump", "dumped", 60)
        if ev is None or ev.get("initial", {}).get("feed0") != len(fed):
            res["error"] = "the monitor's dump does not have every prefix via A: %s" % ev
            return res
        res["monitor_initial"] = ev.get("initial")
        ev = mon_command(mon, "arm", "armed", 10)
        if not (ev and ev.get("sessions")):
            res["error"] = "no Established TCP session to A seen by the monitor: %s" % ev
            return res

        bench.log("%s failover: link A down (%d prefixes x %d families)"
                  % (dut_name, n, len(families)))
        t_cmd = now()
        topo.feed.ip("link", "set", "dev", "eth0", "down")
        res["cmd_s"] = now() - t_cmd
        result = wait_repaired(mon, t_cmd, fail_timeout)
        res["monitor"] = {k: v for k, v in result.items() if k != "ev"}
        f = res["failover"] = {}
        tl = result.get("t_link")
        if tl is None:
            res["error"] = "the monitor saw no carrier loss on feed0"
            return res
        f["cmd_to_link"] = tl - t_cmd
        for key, src in (("repaired", "t_repaired"), ("session_down", "t_session_down"),
                         ("first_change", "t_first_dut")):
            if result.get(src) is not None:
                f[key] = result[src] - tl
        if result.get("t_repaired") is not None:
            # Read times: the link event was queued after t_link_lo, the
            # last repair after t_repaired_lo. The repair took at least
            # repaired_min, at most `repaired` + (t_link - t_link_lo).
            f["repaired_min"] = max(0.0, result["t_repaired_lo"] - tl)
            f["link_window"] = tl - result["t_link_lo"]
        for key, cnt in (("repair", "counts_repair"), ("all", "counts_all")):
            c = result.get(cnt) or {}
            f["routes_" + key] = c.get("NEWROUTE", 0) + c.get("DELROUTE", 0)
            f["nexthops_" + key] = c.get("NEWNEXTHOP", 0) + c.get("DELNEXTHOP", 0)
        if not result.get("repaired"):
            res["error"] = "not repaired after %ds: %s" % (fail_timeout, result.get("final"))
        if result.get("overruns"):
            res["error"] = "netlink monitor overran %d time(s): counts incomplete" \
                % result["overruns"]
        # The end state, independently of the monitor.
        where, kinds = kernel_where(topo.dut, families, fed)
        res["kernel_after"], res["install_after"] = where, kinds
        good = sum(c for k, c in where.items()
                   if k != "none" and set(k.split("+")) <= {"feed1", "feed2"})
        res["verified"] = good == len(fed)
        if not res["verified"] and not res.get("error"):
            res["error"] = "ip route: not every prefix via B/C after the repair: %s" % where
        if hasattr(dut, "fib_stats"):
            try:
                res["dut_fib"] = dut.fib_stats()
            except (OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
                res["dut_fib"] = {"error": str(exc)}
        return res
    except Exception as exc:  # noqa: BLE001 - one scenario must not stop the run
        res["error"] = "%s: %s" % (type(exc).__name__, exc)
        return res
    finally:
        for s in (mon, feeder):
            if s is not None:
                s.stop()
        if dut is not None:
            dut.stop()
        topo.delete()
        with open(os.path.join(wd, "result.json"), "w") as fh:
            json.dump(res, fh, indent=1)


def wait_event(proc, names, timeout):
    """The next event named in names (or an error) within timeout."""
    deadline = now() + timeout
    for _ in range(int(timeout / 0.02) + 1):
        for ev in proc.poll_events():
            if ev["ev"] in names or ev["ev"] == "error":
                return ev
        if proc.proc.poll() is not None or now() > deadline:
            return None
        time.sleep(0.02)
    return None


def wait_repaired(mon, t_cmd, limit):
    """Until the monitor has seen the link event and QUIET seconds without
    a route or nexthop message, then its replay; again while that says
    not repaired, up to limit seconds after the failure. Only counters are
    asked for while the DUT works (no parsing in the monitor then)."""
    deadline = t_cmd + limit
    analyzed_at = -1
    result = {}
    for _ in range(int(limit / 0.1) + 10):
        mon.cmd("status")
        st = wait_event(mon, ("status",), 10) or {}
        t_link = st.get("t_link")
        quiet_since = max(st.get("t_last") or 0, t_link or 0, t_cmd)
        done = now() > deadline
        if (t_link is not None and now() - quiet_since >= QUIET
                and st.get("messages") != analyzed_at) or done:
            analyzed_at = st.get("messages")
            mon.cmd("analyze")
            result = wait_event(mon, ("result",), 120) or {"error": "no result from the monitor"}
            if result.get("repaired") or done:
                return result
        time.sleep(0.1)
    return result
