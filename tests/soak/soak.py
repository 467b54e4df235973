#!/usr/bin/python3
"""Flap soak of closbgpd (issue 14): RSS and file descriptors flat, the
kernel FIB equal to the Loc-RIB at the end, no sanitizer report.

    tests/soak/run [--minutes 60] [--interval 5] [--workdir DIR] ...

See tests/soak/README.md. Needs root, iproute2, Debian's python3 and a
closbgpd build ($CLOSBGP_BUILD, default build/; a --enable-sanitizers
build is what the test is for). Exit status 0 only if every check passed.
"""
import argparse
import csv
import ipaddress
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402  (tests/lib/harness.py)
from harness import netns  # noqa: E402

DUT_AS, FEED_AS = 65000, 65001
MIB = 1024 * 1024


# -- the topology ------------------------------------------------------------
def link_addrs(i):
    return {"dut4": "10.0.%d.1" % i, "feed4": "10.0.%d.2" % i,
            "dut6": "fd00:%x::1" % i, "feed6": "fd00:%x::2" % i}


class Soak(harness.Run):
    NAME = "soak"

    def __init__(self, args):
        super().__init__(args)
        self.unexpected = []      # session losses the feeder did not cause
        self.asan_dir = os.path.join(self.workdir, "sanitizer")
        n, per = args.sessions, args.routes // args.sessions
        self.sessions = []
        for i in range(n):
            a = link_addrs(i)
            v6 = args.ipv6 and i % 2 == 1
            k = "6" if v6 else "4"
            self.sessions.append({
                "id": "s%d" % i, "afi": "ipv6" if v6 else "ipv4",
                "local": a["feed" + k], "peer": a["dut" + k], "nexthop": a["feed" + k],
                "local_as": FEED_AS, "peer_as": DUT_AS, "router_id": "10.254.0.%d" % (i + 1),
                # disjoint ranges per family: session i holds block i
                "first": i * per, "count": per})
        # the final state: most sessions up, some Established with
        # everything withdrawn, some closed (every removal path of the FIB)
        self.final = {s["id"]: ("withdrawn" if i % 5 == 3 else "closed" if i % 5 == 4 else "up")
                      for i, s in enumerate(self.sessions)}

    # -- set-up ---------------------------------------------------------
    def setup(self):
        links = []
        for i in range(self.args.sessions):
            a = link_addrs(i)
            links.append(((a["dut4"] + "/30", a["feed4"] + "/30"),
                          (a["dut6"] + "/64", a["feed6"] + "/64")))
        self.sanitized = self.setup_topology(links)
        if not self.sanitized:
            self.notes.append("closbgpd is not an AddressSanitizer build: "
                              "the sanitizer check only sees UBSan, if any")

    def config(self):
        groups = [{"name": "feed" + k, "remote-as": FEED_AS, "passive": True,
                   "address-family": ["ipv%s-unicast" % k]} for k in "46"]
        nbrs = [{"address": s["local"], "peer-group": "feed" + s["afi"][-1]}
                for s in self.sessions]
        return {"closbgp-device:bgp": {
            "router-id": "10.255.0.1", "local-as": DUT_AS,
            "timers": {"hold-time": self.args.hold, "keepalive": self.args.hold // 3,
                       "connect-retry": 1},
            "peer-group": groups, "neighbor": nbrs}}

    def start_daemon(self):
        os.makedirs(self.asan_dir, exist_ok=True)
        env = dict(os.environ)
        # ours first, the caller's next (they win), the log path last
        asan = ["detect_leaks=1", "abort_on_error=0",
                "quarantine_size_mb=%d" % self.args.quarantine_mb]
        if env.get("ASAN_OPTIONS"):
            asan.append(env["ASAN_OPTIONS"])
        asan.append("log_path=%s/asan" % self.asan_dir)
        env["ASAN_OPTIONS"] = ":".join(asan)
        ubsan = ["print_stacktrace=1"]
        if env.get("UBSAN_OPTIONS"):
            ubsan.append(env["UBSAN_OPTIONS"])
        ubsan.append("log_path=%s/ubsan" % self.asan_dir)
        env["UBSAN_OPTIONS"] = ":".join(ubsan)
        super().start_daemon(self.config(), env=env)

    def start_feeder(self):
        spec = {"hold": self.args.hold, "period": self.args.period, "down": self.args.down,
                "max_seconds": self.args.minutes * 60 + 1800, "sessions": self.sessions}
        super().start_feeder("feeder", os.path.join(HERE, "soakfeed.py"), spec)

    def feeder_cmd(self, line):
        self.cmd("feeder", line)

    def note_event(self, ev):
        if ev.get("ev") == "error":
            self.unexpected.append(ev)
            self.log("feeder: session %s lost: %s" % (ev.get("id"), ev.get("reason")))
        elif ev.get("ev") == "status":
            self.flaps = ev.get("flaps", 0)

    # -- sampling -----------------------------------------------------------
    def sample(self, t0, phase):
        self.alive()
        rss, hwm = harness.vm_status(self.pid)
        fds = harness.open_fds(self.pid)
        s = self.ctl("show", "summary", timeout=20) or {}
        loc, fib, mem = s.get("loc_rib", {}), s.get("fib", {}), s.get("memory", {})
        row = {"t": round(time.monotonic() - t0, 2), "phase": phase,
               "rss_kib": rss, "hwm_kib": hwm, "fds": fds,
               "established": s.get("peers_established"),
               "loc_rib": (loc.get("ipv4") or 0) + (loc.get("ipv6") or 0) if loc else None,
               "paths": loc.get("paths"), "fib_routes": fib.get("routes"),
               "fib_nexthops": fib.get("nexthops"), "fib_groups": fib.get("groups"),
               "attr_sets": mem.get("attr_sets"), "refs": mem.get("refs"),
               "flaps": getattr(self, "flaps", 0)}
        self.samples.append(row)
        return row

    def counts(self):
        s = self.ctl("show", "summary", timeout=20) or {}
        loc, fib = s.get("loc_rib", {}), s.get("fib", {})
        return ((loc.get("ipv4") or 0) + (loc.get("ipv6") or 0), fib.get("routes"),
                fib.get("installed"))

    # -- the run ------------------------------------------------------------
    def run(self):
        a = self.args
        total = len(self.sessions) * (a.routes // a.sessions)
        self.log("workdir %s" % self.workdir)
        self.setup()
        self.start_daemon()
        self.start_feeder()
        self.wait_event("feeder", "ready", 120)
        self.wait(lambda: self.counts()[0] == total and self.counts()[2] == total,
                  120 + total / 1000, "%d routes in the Loc-RIB and the kernel" % total)
        self.log("%d sessions Established, %d routes in the Loc-RIB and the kernel" %
                 (len(self.sessions), total))
        t0 = time.monotonic()
        base = self.sample(t0, "baseline")
        self.feeder_cmd("flap")
        duration = a.minutes * 60.0
        nxt = t0 + a.interval
        for _ in range(int(duration / a.interval) + 2):
            self.drain_events()
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if time.monotonic() - t0 > duration + 0.5 * a.interval:
                break
            row = self.sample(t0, "flap")
            nxt += a.interval
            if len(self.samples) % max(1, int(60 / a.interval)) == 0:
                self.log("t=%4.0fs RSS %.1f MiB fds %d Loc-RIB %s flaps %s" %
                         (row["t"], row["rss_kib"] / 1024, row["fds"], row["loc_rib"], row["flaps"]))
        # the end: a known state, then the kernel against the Loc-RIB
        self.feeder_cmd("final " + json.dumps(self.final))
        fin = self.wait_event("feeder", "final_done", 120)
        self.flaps = sum(fin.get("flaps", {}).values())
        per = a.routes // a.sessions
        expected = set()
        for s in self.sessions:
            if self.final[s["id"]] == "up":
                expected |= prefixes(s["afi"], s["first"], per)
        stable = []

        def settled():
            c = self.counts()
            stable.append(c)
            return len(stable) >= 3 and all(x == (len(expected),) * 3 for x in stable[-3:])
        try:
            self.wait(settled, 120 + total / 1000, "the Loc-RIB and FIB to settle at %d routes"
                      % len(expected))
        except RuntimeError as exc:
            self.notes.append("%s; last counts (Loc-RIB, FIB, installed): %s" % (exc, stable[-1:]))
        self.sample(t0, "final")
        self.compare(expected)
        self.drain_events()
        self.check_session_losses()
        self.stop_all()
        self.check_flat(base, duration)
        self.check_sanitizers()

    def compare(self, expected):
        rib = {}
        routes = (self.ctl("show", "routes", timeout=120) or {}).get("routes", [])
        for r in routes:
            if r.get("best") or r.get("multipath"):
                rib.setdefault(norm(r["prefix"]), set()).add(str(ipaddress.ip_address(r["next_hop"])))
        kern = {}
        for fam in ("-4", "-6"):
            res = self.dut.run(["ip", "-j", fam, "route", "show", "proto", "210"], timeout=120)
            nhs = None
            for e in json.loads(res.stdout or "[]"):
                dst = e.get("dst")
                if dst == "default":
                    dst = "0.0.0.0/0" if fam == "-4" else "::/0"
                gws = set()
                if e.get("gateway"):
                    gws.add(e["gateway"])
                for nh in e.get("nexthops", []):
                    if nh.get("gateway"):
                        gws.add(nh["gateway"])
                if not gws and e.get("nhid") is not None:
                    if nhs is None:
                        nhs = nexthop_table(self.dut)
                    gws = nhs.get(e["nhid"], set())
                kern[norm(dst)] = {str(ipaddress.ip_address(g)) for g in gws}
        fib = (self.ctl("show", "fib", timeout=120) or {}).get("routes", [])
        self.result_counts = {"expected": len(expected), "loc_rib": len(rib),
                              "kernel": len(kern), "closctl_fib": len(fib)}
        self.check("Loc-RIB holds exactly the announced prefixes after the flaps",
                   set(rib) == expected, "Loc-RIB %d, expected %d%s" % (
                       len(rib), len(expected), diff(set(rib), expected)))
        bad_nh = [p for p in set(rib) & set(kern) if rib[p] != kern[p]]
        self.check("kernel FIB (ip route proto 210) equal to the Loc-RIB (prefixes and next hops)",
                   set(kern) == set(rib) and not bad_nh,
                   "kernel %d, Loc-RIB %d%s%s" % (
                       len(kern), len(rib), diff(set(kern), set(rib)),
                       "; next hops differ for %d, e.g. %s: kernel %s, Loc-RIB %s" % (
                           len(bad_nh), bad_nh[0], sorted(kern[bad_nh[0]]), sorted(rib[bad_nh[0]]))
                       if bad_nh else ""))
        states = {}
        for r in fib:
            states[r.get("state")] = states.get(r.get("state"), 0) + 1
        self.check("closctl show fib agrees (same prefixes, all installed)",
                   {norm(r["prefix"]) for r in fib} == set(rib)
                   and set(states) <= {"installed"},
                   "show fib %d routes, states %s" % (len(fib), states))

    def check_session_losses(self):
        self.check("no session lost that the feeder did not close (hold timer, NOTIFICATION)",
                   not self.unexpected,
                   "%d: %s" % (len(self.unexpected), "; ".join(
                       "%s %s" % (e.get("id"), e.get("reason")) for e in self.unexpected[:5])))

    def stop_all(self):
        feeder = self.procs.get("feeder")
        if feeder is not None and feeder.poll() is None:
            try:
                self.feeder_cmd("quit")
            except OSError:
                pass
            netns.stop_process(feeder, timeout=5)
        if self.daemon is not None:
            code = netns.stop_process(self.daemon, timeout=60)
            self.check("closbgpd exits 0 on SIGTERM (after LeakSanitizer's exit check)",
                       code == 0, "exit status %s" % code)

    # -- the checks -----------------------------------------------------------
    def check_flat(self, base, duration):
        a = self.args
        flap = [s for s in self.samples if s["phase"] == "flap"]
        half = [s for s in flap if s["t"] >= duration / 2]
        first = [base] + [s for s in flap if s["t"] < duration / 2]
        self.stats = {}
        if len(half) < 3:
            self.check("RSS and fds flat", False, "only %d samples in the second half" % len(half))
            return
        span = half[-1]["t"] - half[0]["t"]
        slope = linfit([s["t"] for s in half], [s["rss_kib"] for s in half])   # KiB/s
        growth_kib = slope * span
        ref = half[0]["rss_kib"]
        bound_kib = max(a.rss_pct / 100.0 * ref, a.rss_mib * 1024.0)
        rss = [s["rss_kib"] for s in self.samples]
        fds = [s["fds"] for s in self.samples]
        fslope = linfit([s["t"] for s in half], [s["fds"] for s in half])
        self.stats = {"rss_start": base["rss_kib"], "rss_max": max(rss), "rss_end": rss[-1],
                      "rss_half": ref, "rss_slope_min": slope * 60, "rss_growth": growth_kib,
                      "rss_bound": bound_kib, "fds_start": base["fds"], "fds_max": max(fds),
                      "fds_end": fds[-1], "fds_slope_min": fslope * 60, "span": span,
                      "fds_first_max": max(s["fds"] for s in first),
                      "fds_half_max": max(s["fds"] for s in half)}
        st = self.stats
        self.check("RSS flat: second-half growth (least-squares slope x %.0f s) below "
                   "max(%.1f %% of RSS, %d MiB)" % (span, a.rss_pct, a.rss_mib),
                   growth_kib < bound_kib,
                   "%+.2f MiB (%+.3f MiB/min), bound %.2f MiB" % (
                       growth_kib / 1024, slope * 60 / 1024, bound_kib / 1024))
        self.check("fds flat: second half never above the first half's maximum, "
                   "end not above the start",
                   st["fds_half_max"] <= st["fds_first_max"] and st["fds_end"] <= st["fds_start"],
                   "start %d, first-half max %d, second-half max %d, end %d" % (
                       st["fds_start"], st["fds_first_max"], st["fds_half_max"], st["fds_end"]))

    def check_sanitizers(self):
        reports = []
        pat = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|"
                         r"WARNING: .*Sanitizer|SUMMARY: .*Sanitizer")
        files = [self.daemon_log] + [os.path.join(self.asan_dir, f)
                                    for f in sorted(os.listdir(self.asan_dir))]
        for path in files:
            with open(path, errors="replace") as f:
                for line in f:
                    if pat.search(line):
                        reports.append("%s: %s" % (os.path.basename(path), line.strip()))
        self.check("no sanitizer report (ASan/LSan/UBSan logs in %s, closbgpd.log)" %
                   os.path.relpath(self.asan_dir, self.workdir),
                   not reports, "; ".join(reports[:5]) if reports else
                   "none%s" % ("" if self.sanitized else " (not a sanitizer build)"))

    # -- outputs -----------------------------------------------------------
    def write(self):
        if not (self.samples or self.checks):
            return
        if self.daemon is not None and not any("sanitizer" in c[0] for c in self.checks):
            try:
                self.check_sanitizers()
            except OSError:
                pass
        if self.samples:
            path = os.path.join(self.workdir, "soak.csv")
            with open(path, "w", newline="") as f:
                wr = csv.DictWriter(f, fieldnames=list(self.samples[0]))
                wr.writeheader()
                wr.writerows(self.samples)
        self.write_summary(self.markdown())
        self.log("CSV and summary in %s" % self.workdir)

    def markdown(self):
        a = self.args
        L = self.md_head("closbgpd flap soak") + [
             "- closbgpd: `%s` (%s)" % (self.closbgpd, "ASan/UBSan" if getattr(self, "sanitized", False)
                                         else "no ASan"),
             "- %d sessions (%s), %d routes in all, each session down every %.0f s for %.0f s "
             "(withdraw / Cease / withdraw / TCP close by turns), %.1f min, a sample every %.0f s; "
             "flaps: %s" % (len(self.sessions), ", ".join(sorted({s["afi"] for s in self.sessions})),
                            a.routes, a.period, a.down, a.minutes, a.interval,
                            getattr(self, "flaps", "?")),
             "- ASan quarantine %d MiB (`--quarantine-mb`)" % a.quarantine_mb, ""]
        st = getattr(self, "stats", {})
        if st:
            L += ["| | start | max | end | second half: slope per minute |",
                  "|---|---|---|---|---|",
                  "| RSS (MiB) | %.1f | %.1f | %.1f | %+.3f MiB/min (growth %+.2f MiB over %.0f s, "
                  "bound %.2f) |" % (st["rss_start"] / 1024, st["rss_max"] / 1024,
                                     st["rss_end"] / 1024, st["rss_slope_min"] / 1024,
                                     st["rss_growth"] / 1024, st["span"], st["rss_bound"] / 1024),
                  "| open fds | %d | %d | %d | %+.2f /min |" % (
                      st["fds_start"], st["fds_max"], st["fds_end"], st["fds_slope_min"]), ""]
        rc = getattr(self, "result_counts", None)
        if rc:
            L += ["Final state: expected %(expected)d prefixes, Loc-RIB %(loc_rib)d, "
                  "kernel (proto 210) %(kernel)d, closctl show fib %(closctl_fib)d." % rc, ""]
        return "\n".join(L) + "\n" + self.md_tail()


def prefixes(afi, first, count):
    if afi == "ipv4":
        return {str(ipaddress.ip_network(((32 << 24) + ((first + i) << 8), 24)))
                for i in range(count)}
    return {str(ipaddress.ip_network((((0x2A00 << 32) + first + i) << 80, 48)))
            for i in range(count)}


def norm(p):
    return str(ipaddress.ip_network(p if "/" in p else p + ("/128" if ":" in p else "/32")))


def diff(a, b):
    extra, missing = sorted(a - b), sorted(b - a)
    out = ""
    if extra:
        out += "; %d extra, e.g. %s" % (len(extra), ", ".join(extra[:3]))
    if missing:
        out += "; %d missing, e.g. %s" % (len(missing), ", ".join(missing[:3]))
    return out


def nexthop_table(ns):
    """{nhid: set of gateways}, groups resolved to their members."""
    res = ns.run(["ip", "-j", "nexthop", "show"], timeout=60, check=False)
    ent = {e["id"]: e for e in json.loads(res.stdout or "[]")}
    out = {}
    for i, e in ent.items():
        if "group" in e:
            out[i] = {ent.get(g["id"], {}).get("gateway") for g in e["group"]} - {None}
        elif e.get("gateway"):
            out[i] = {e["gateway"]}
    return out


def linfit(xs, ys):
    """Least-squares slope of ys over xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0, help="flapping time (default 60)")
    ap.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--routes", type=int, default=100000, help="in all, split over the sessions")
    ap.add_argument("--no-ipv6", dest="ipv6", action="store_false",
                    help="IPv4 sessions only (default: every other session is IPv6)")
    ap.add_argument("--period", type=float, default=6.0, help="seconds between a session's flaps")
    ap.add_argument("--down", type=float, default=2.0, help="seconds a flap keeps it down")
    ap.add_argument("--hold", type=int, default=30, help="hold time of every session")
    ap.add_argument("--rss-pct", type=float, default=2.0,
                    help="RSS bound: second-half growth below this %% of RSS ...")
    ap.add_argument("--rss-mib", type=int, default=8, help="... or this many MiB, the larger")
    ap.add_argument("--quarantine-mb", type=int, default=16,
                    help="ASan's quarantine of freed memory (its default 256 fills slowly "
                         "and looks like growth)")
    ap.add_argument("--workdir", help="configs, logs, soak.csv, summary.md (default: a temp dir)")
    args = ap.parse_args()
    harness.require_root("soak")
    if args.sessions < 1 or args.sessions > 250 or args.routes < args.sessions:
        sys.exit("soak: --sessions 1..250 and --routes >= --sessions")
    sys.exit(harness.execute(Soak, args))

if __name__ == "__main__":
    main()
