#!/usr/bin/python3
"""Load test of closbgpd (issue 14): under 24 full tables at once plus an
UPDATE flood, no session starves.

    tests/load/run [--prefixes 50000] [--seconds 60] [--out docs/load.md] ...

See tests/load/README.md. Needs root, iproute2, Debian's python3 and a
closbgpd build ($CLOSBGP_BUILD, default build/; an optimized build is what
the numbers are for). Exit status 0 only if no hold timer expired, no
session was lost, and every KEEPALIVE gap stayed within nominal + 1 s.
"""
import argparse
import json
import os
import platform
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402  (tests/lib/harness.py)

DUT_AS, FEED_AS, FLOOD_AS = 65000, 65001, 65002
FLOOD_ID = "flood"


def link_addrs(i):
    return {"dut": "10.0.%d.1" % i, "feed": "10.0.%d.2" % i}


def pct(xs, p):
    if not xs:
        return None
    s = sorted(xs)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


class Load(harness.Run):
    NAME = "load"
    REMEMBERED = ("ready", "stopped", "report")

    def __init__(self, args):
        super().__init__(args)
        self.errors = []          # feeders' error events
        self.tables = []
        for i in range(args.feeders):
            a = link_addrs(i)
            self.tables.append({"id": "f%d" % i, "role": "table", "local": a["feed"],
                                "peer": a["dut"], "nexthop": a["feed"], "local_as": FEED_AS,
                                "router_id": "10.254.0.%d" % (i + 1),
                                "first": 0, "count": args.prefixes})
        a = link_addrs(args.feeders)
        self.flood = {"id": FLOOD_ID, "role": "flood", "local": a["feed"], "peer": a["dut"],
                      "nexthop": a["feed"], "local_as": FLOOD_AS, "router_id": "10.254.1.1",
                      "first": args.prefixes, "count": args.flood_prefixes,
                      "batch": args.flood_batch}

    # -- set-up -----------------------------------------------------------------
    def setup(self):
        links = []
        for i in range(self.args.feeders + 1):
            a = link_addrs(i)
            links.append(((a["dut"] + "/30", a["feed"] + "/30"), None))
        if self.setup_topology(links):
            self.notes.append("closbgpd is an AddressSanitizer build: "
                              "the timings are not those of the product")

    def config(self):
        t = {"hold-time": self.args.hold, "keepalive": self.args.keepalive, "connect-retry": 1}
        groups = [{"name": "feed", "remote-as": FEED_AS, "passive": True,
                   "address-family": ["ipv4-unicast"]},
                  {"name": "flood", "remote-as": FLOOD_AS, "passive": True,
                   "address-family": ["ipv4-unicast"]}]
        nbrs = [{"address": s["local"], "peer-group": "feed"} for s in self.tables]
        nbrs.append({"address": self.flood["local"], "peer-group": "flood"})
        return {"closbgp-device:bgp": {"router-id": "10.255.0.1", "local-as": DUT_AS,
                                       "timers": t, "peer-group": groups, "neighbor": nbrs}}

    def start_feeder(self, name, sessions, max_rounds):
        spec = {"hold": self.args.hold, "max_seconds": self.args.seconds + 900,
                "max_rounds": max_rounds, "sessions": sessions}
        super().start_feeder(name, os.path.join(HERE, "loadfeed.py"), spec,
                             unlogged=("report",))

    def note_event(self, ev):
        super().note_event(ev)
        if ev.get("ev") == "error":
            self.errors.append(ev)
            self.log("feeder %s: session %s lost: %s"
                     % (ev.get("src"), ev.get("id"), ev.get("reason")))
        elif ev.get("ev") == "report":
            self.reports[ev["src"]] = ev

    # -- sampling (a thread: RSS every second, the control socket's latency) -----
    def rss(self):
        rss, hwm = harness.vm_status(self.pid)
        return rss, hwm, harness.cpu_seconds(self.pid)

    def recvq(self):
        """Bytes waiting in closbgpd's sockets (Recv-Q of port 179): what
        backpressure leaves in the kernel instead of closbgpd's memory."""
        res = self.dut.run(["ss", "-Htn", "state", "established", "( sport = :179 )"],
                           timeout=10, check=False)
        q = {}
        for line in (res.stdout or "").splitlines():
            f = line.split()
            if len(f) >= 4:
                q[f[3].rsplit(":", 1)[0]] = int(f[0])
        return q

    def sampler(self, t0, stop):
        n = 0
        for _ in range(int((self.args.seconds + 1200) / self.args.interval) + 10):
            if stop.is_set():
                return
            t = time.monotonic()
            try:
                rss, hwm, cpu = self.rss()
            except OSError:
                return
            row = {"t": round(t - t0, 2), "phase": self.phase, "rss_kib": rss, "hwm_kib": hwm,
                   "cpu_s": round(cpu, 2)}
            if n % 5 == 0:
                q = self.recvq()
                row["recvq_flood"] = q.get(self.flood["local"], 0)
                row["recvq_tables"] = sum(v for k, v in q.items() if k != self.flood["local"])
                c0 = time.monotonic()
                s = self.ctl("show", "summary", timeout=30) or {}
                row["ctl_ms"] = round((time.monotonic() - c0) * 1000, 1)
                loc, fib = s.get("loc_rib", {}), s.get("fib", {})
                row["loc_rib"] = loc.get("ipv4")
                row["paths"] = loc.get("paths")
                row["fib_routes"] = fib.get("routes")
                row["established"] = s.get("peers_established")
            self.samples.append(row)
            n += 1
            stop.wait(max(0.0, self.args.interval - (time.monotonic() - t)))

    # -- the run ------------------------------------------------------------------
    def run(self):
        a = self.args
        self.reports = {}
        self.phase = "setup"
        self.log("workdir %s" % self.workdir)
        self.setup()
        self.start_daemon(self.config())
        rounds = max(2, int(a.seconds * 100000))     # a bound, far above what a DUT reads
        self.start_feeder("table", self.tables, 0)
        self.start_feeder("flood", [self.flood], rounds)
        self.wait_event("table", "ready", 120)
        self.wait_event("flood", "ready", 120)
        self.log("%d + 1 sessions Established" % len(self.tables))
        self.load_before = os.getloadavg()
        t0 = time.monotonic()
        stop = threading.Event()
        self.phase = "load"
        th = threading.Thread(target=self.sampler, args=(t0, stop), daemon=True)
        th.start()
        self.cmd("flood", "go")
        self.cmd("table", "go")
        self.t_go = time.monotonic()
        full = None
        deadline = t0 + a.seconds
        for _ in range(int(a.seconds / 0.5) + 10):
            self.drain_events()
            self.alive()
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError("feeder %s exited with %s" % (name, p.returncode))
            now = time.monotonic()
            if now >= deadline:
                break
            if full is None and self.samples and self.samples[-1].get("paths") is not None \
                    and self.samples[-1]["paths"] >= a.feeders * a.prefixes:
                full = now - t0
                self.log("t=%.1fs all %d table paths in the Adj-RIBs-In/Loc-RIB" %
                         (full, a.feeders * a.prefixes))
            time.sleep(min(0.5, deadline - now))
        self.full_at = full
        self.cmd("flood", "stop")
        self.phase = "settle"
        ev = self.wait_event("flood", "stopped", 30)
        self.flood_rounds = ev.get("rounds", {}).get(FLOOD_ID)
        self.t_stop = time.monotonic() - t0
        self.load_during = os.getloadavg()
        self.log("flood stopped after %.1fs, %s rounds" % (self.t_stop, self.flood_rounds))
        # settle: Loc-RIB steady for 3 polls (bounded), then the peers' view
        stable = []

        def settled():
            s = self.ctl("show", "summary", timeout=30) or {}
            stable.append(((s.get("loc_rib") or {}).get("ipv4"), (s.get("fib") or {}).get("routes")))
            return len(stable) >= 4 and len(set(stable[-4:])) == 1 and stable[-1][0]
        try:
            self.wait(settled, 120 + a.feeders * a.prefixes / 20000, "the Loc-RIB to settle")
        except RuntimeError as exc:
            self.notes.append(str(exc))
        self.settle_at = time.monotonic() - t0
        self.final_counts = stable[-1] if stable else None
        time.sleep(max(0.0, 2 * a.keepalive + 0.5 - 0))   # keepalives after the flood too
        stop.set()
        th.join(timeout=30)
        self.peers = self.ctl("show", "peers", timeout=60)
        with open(os.path.join(self.workdir, "peers.json"), "w") as f:
            json.dump(self.peers, f, indent=1)
        for name in ("table", "flood"):
            self.cmd(name, "report")
            self.wait_event(name, "report", 60)
        self.t_end = time.monotonic()
        self.t0 = t0
        self.analyse()

    # -- analysis -------------------------------------------------------------------
    def analyse(self):
        a = self.args
        nominal = float(min(a.keepalive, a.hold // 3) or 1)
        self.nominal = nominal
        self.per_session = []
        for name in ("table", "flood"):
            for s in self.reports[name]["sessions"]:
                ka = [t for t in s["ka_rx"] if t >= self.t_go]
                # gaps between KEEPALIVEs, plus the gap from "go" to the first
                # and from the last one to the report (a silent end counts)
                pts = [self.t_go] + ka + [self.t_end]
                gaps = [y - x for x, y in zip(pts, pts[1:])]
                inner = [y - x for x, y in zip(ka, ka[1:])]
                self.per_session.append({
                    "id": s["id"], "role": s["role"], "ka": len(ka),
                    "max": max(gaps) if gaps else None,
                    "p99": pct(inner, 99), "p50": pct(inner, 50),
                    "min": min(inner) if inner else None,
                    "dev": max(abs(g - nominal) for g in inner) if inner else None,
                    "max_rx_gap": s["max_rx_gap"], "errors": s["errors"],
                    "est": s["established_count"], "msgs": s["msgs_rx"],
                    "ka_tx_late": s["max_ka_tx_late"], "rounds": s["rounds"],
                    "bytes_tx": s["bytes_tx"]})
        self.feeder_loop = {n: self.reports[n]["max_loop"] for n in self.reports}
        # hold timers / session losses: the feeders' view and closbgpd's
        lost = [(e.get("src"), e.get("id"), e.get("reason")) for e in self.errors]
        lost += [(p["role"], p["id"], "established %d times" % p["est"])
                 for p in self.per_session if p["est"] != 1]
        self.check("no session lost in the feeders' view (NOTIFICATION, close, re-establish)",
                   not lost, "%d%s" % (len(lost), ": " + "; ".join(
                       "%s %s" % (i, r) for _, i, r in lost[:6]) if lost else ""))
        plist = (self.peers or {}).get("peers", self.peers if isinstance(self.peers, list) else [])
        bad, hold = [], []
        self.dut_peers = []
        for p in plist:
            est = p.get("established_count", p.get("establishedCount"))
            err = p.get("last_error") or p.get("lastError")
            state = p.get("state")
            self.dut_peers.append((p.get("address") or p.get("neighbor"), state, est, err))
            if est != 1 or err or str(state).lower() not in ("established", "fsm_established"):
                bad.append("%s state %s established %s times, last error %s" % (
                    p.get("address"), state, est, json.dumps(err)))
            if err and "hold" in json.dumps(err).lower():
                hold.append(p.get("address"))
        if self.peers is None:
            bad.append("closctl show peers failed")
        self.check("closbgpd's view: every peer Established once, no last error",
                   not bad and len(plist) == a.feeders + 1,
                   "%d peers%s" % (len(plist), "; " + "; ".join(bad[:5]) if bad else ""))
        self.hold_expired = len(hold) + sum(1 for e in self.errors if "4/0" in str(e.get("reason")))
        try:
            with open(self.daemon_log, errors="replace") as f:
                self.hold_log = [ln.strip() for ln in f if "hold timer expired" in ln]
        except OSError:
            self.hold_log = []
        self.hold_expired = max(self.hold_expired, len(self.hold_log))
        self.check("no hold timer expired (closbgpd.log, last errors, NOTIFICATION 4/0 received)",
                   self.hold_expired == 0, "%d%s" % (self.hold_expired, ": " + "; ".join(
                       self.hold_log[:3]) if self.hold_log else ""))
        worst = max(self.per_session, key=lambda p: p["max"] or 0)
        over = [p for p in self.per_session if p["max"] is None or p["max"] > nominal + a.slack]
        self.check("every KEEPALIVE gap within nominal %.0f s + %.0f s on every session"
                   % (nominal, a.slack), not over,
                   "worst %s %.3f s%s" % (worst["id"], worst["max"] or -1, "; over: " + ", ".join(
                       "%s %.2f" % (p["id"], p["max"] or -1) for p in over[:8]) if over else ""))
        # RSS
        load = [s for s in self.samples if s["phase"] == "load"]
        self.rss_peak = max((s["hwm_kib"] for s in self.samples), default=None)
        self.rss_max = max((s["rss_kib"] for s in self.samples), default=None)
        half = self.args.seconds / 2
        first = [s["rss_kib"] for s in load if s["t"] < half]
        second = [s["rss_kib"] for s in load if s["t"] >= half]
        self.rss_halves = (max(first) if first else None, max(second) if second else None,
                           load[-1]["rss_kib"] if load else None)
        rq = [s.get("recvq_flood") for s in load if s.get("recvq_flood") is not None]
        rqt = [s.get("recvq_tables") for s in load if s.get("recvq_tables") is not None]
        self.recvq_stats = (max(rq) if rq else None, max(rqt) if rqt else None)
        ctl = [s["ctl_ms"] for s in load if s.get("ctl_ms") is not None]
        self.ctl_max = max(ctl) if ctl else None

    # -- output -----------------------------------------------------------------------
    def markdown(self):
        a = self.args
        cpu = ""
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
        except OSError:
            pass
        lb = getattr(self, "load_before", None)
        ld = getattr(self, "load_during", None)
        L = self.md_head("closbgpd under load") + [
             "- closbgpd: `%s`, kernel FIB on" % os.path.relpath(self.closbgpd, REPO),
             "- machine: %s, %d CPUs, kernel %s; load average before the load %s, at the end "
             "of the flood %s" % (cpu or platform.machine(), os.cpu_count(), platform.release(),
                                  "/".join("%.2f" % x for x in lb) if lb else "?",
                                  "/".join("%.2f" % x for x in ld) if ld else "?"),
             "- %d feeder sessions, each announcing the same %d IPv4 prefixes at once "
             "(%d paths), plus 1 flooder churning %d prefixes (announce / withdraw in batches "
             "of %d, as fast as closbgpd reads) for %.0f s; hold %d s, keepalive %d s on "
             "every session" % (a.feeders, a.prefixes, a.feeders * a.prefixes, a.flood_prefixes,
                                a.flood_batch, a.seconds, a.hold, a.keepalive), ""]
        if hasattr(self, "per_session"):
            fr = getattr(self, "flood_rounds", None)
            L += ["- all %d table paths in closbgpd at t = %s s; flood stopped at t = %.1f s "
                  "after %s rounds (%s prefix changes); Loc-RIB settled at t = %.1f s "
                  "(Loc-RIB, FIB routes: %s)" % (
                      a.feeders * a.prefixes,
                      "%.1f" % self.full_at if self.full_at is not None else "never (within the run)",
                      self.t_stop, fr, fr * a.flood_batch if fr is not None else "?",
                      self.settle_at, self.final_counts),
                  "- hold timers expired: **%d**; sessions lost: %d" % (
                      self.hold_expired, len(self.errors)),
                  "- closbgpd RSS: peak (VmHWM) **%.1f MiB**; max VmRSS in the first half of the "
                  "flood %.1f MiB, second half %.1f MiB, at its end %.1f MiB" % (
                      (self.rss_peak or 0) / 1024, (self.rss_halves[0] or 0) / 1024,
                      (self.rss_halves[1] or 0) / 1024, (self.rss_halves[2] or 0) / 1024),
                  "- bytes waiting unread in closbgpd's sockets (Recv-Q, sampled): flooder max "
                  "%s, the 24 feeders max %s in all (backpressure: left in the kernel)" % (
                      self.recvq_stats[0], self.recvq_stats[1]),
                  "- `closctl show summary` latency during the load: max %s ms" % self.ctl_max,
                  "- the feeders' own loop (measurement quality): longest iteration %s" % ", ".join(
                      "%s %.3f s" % kv for kv in self.feeder_loop.items()), "",
                  "KEEPALIVEs closbgpd sent, as received by the feeders (from the start of the "
                  "load to the end of the run, %.0f s; nominal %.0f s; `max` includes the "
                  "start and end edges; `dev` = max |gap − nominal|; `any rx gap` = longest "
                  "silence of any message type):" % (self.t_end - self.t_go, self.nominal), "",
                  "| session | KEEPALIVEs | max gap (s) | p99 (s) | p50 (s) | min (s) | dev (s) | "
                  "any rx gap (s) | UPDATEs rx | our KA late (s) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
            for p in self.per_session:
                f = lambda x: "%.3f" % x if x is not None else "-"   # noqa: E731
                L.append("| %s%s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    p["id"], " (flooder)" if p["role"] == "flood" else "", p["ka"], f(p["max"]),
                    f(p["p99"]), f(p["p50"]), f(p["min"]), f(p["dev"]), f(p["max_rx_gap"]),
                    p["msgs"].get("2", 0), f(p["ka_tx_late"])))
            L.append("")
        return "\n".join(L) + "\n" + self.md_tail()

    def write(self):
        if self.samples:
            keys = []
            for s in self.samples:
                keys += [k for k in s if k not in keys]
            with open(os.path.join(self.workdir, "load.csv"), "w") as f:
                f.write(",".join(keys) + "\n")
                for s in self.samples:
                    f.write(",".join(str(s.get(k, "")) for k in keys) + "\n")
        md = self.markdown()
        self.write_summary(md)
        if self.args.out:
            with open(self.args.out, "a") as f:
                f.write("\n" + md)
            self.log("appended to %s" % self.args.out)
        self.log("CSV and summary in %s" % self.workdir)

    def daemon_stopped(self, code):
        if code not in (0, None):
            self.notes.append("closbgpd exit status %s on SIGTERM" % code)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefixes", type=int, default=50000, help="per feeder (same set on all)")
    ap.add_argument("--feeders", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=60.0, help="flood time (default 60)")
    ap.add_argument("--flood-prefixes", type=int, default=20000,
                    help="the flooder's block (disjoint from the feeders')")
    ap.add_argument("--flood-batch", type=int, default=2000,
                    help="prefixes per announce / withdraw round of the flooder")
    ap.add_argument("--hold", type=int, default=9)
    ap.add_argument("--keepalive", type=int, default=3)
    ap.add_argument("--slack", type=float, default=1.0, help="allowed KEEPALIVE gap above nominal")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between RSS samples")
    ap.add_argument("--workdir", help="configs, logs, load.csv, summary.md (default: a temp dir)")
    ap.add_argument("--out", help="append the Markdown summary to this file (e.g. docs/load.md)")
    args = ap.parse_args()
    harness.require_root("load")
    if not 1 <= args.feeders <= 250 or args.prefixes < 1 or args.flood_prefixes < 1:
        sys.exit("load: --feeders 1..250, --prefixes and --flood-prefixes >= 1")
    if args.prefixes + args.flood_prefixes > 1 << 20:
        sys.exit("load: --prefixes + --flood-prefixes must stay below 2^20 (/24s from 32.0.0.0)")
    sys.exit(harness.execute(Load, args))

if __name__ == "__main__":
    main()
