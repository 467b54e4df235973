#!/usr/bin/env python3
"""closbgp benchmark: closbgpd, FRR and BIRD as the device under test (DUT),
one after another, fed and drained by our own speakers (speaker.py; the
sink is benchsink, its C twin, when built) in network namespaces. See
tests/bench/README.md; results go to docs/benchmarks.md.

Scenarios, each on a fresh topology (duts.py):
  sink     feeder -> sink directly (no DUT): the harness's own ceiling
  prop     1 feeder session announces N IPv4 prefixes, the sink gets them
           from the DUT; then the feeder withdraws them all.   FIB off.
  fib      the same with the DUT programming the kernel.
  fanin    F feeder links (default 24), one IPv4 and one IPv6 session each,
           every session announcing the same M prefixes per family.
  policy   the fan-in with community 65001:1 on every fed path, per DUT
           without policy and with the policy of policy.py (11 import
           statements per feeder session, 12 export on the sink session, the
           matching one last); closbgpd also with its result cache off and
           with a prefix-set statement that makes it evaluate every path.
  agg      prop with every fed path tagged rack_prefix, in three bursts
           (announce, withdraw, announce again), per DUT without and with
           aggregates covering every fed prefix (a few hundred, plus one
           covering them all; min-more-specifics 1); the sink also counts
           the aggregates (issue 12).
  failover 3 feeder links A, B, C; A's paths at LOCAL_PREF 100, the same
           prefixes over B and C at 90 (backup_path); A's link loses
           carrier: link event -> kernel repaired, measured by a netlink
           monitor in the DUT's namespace (failover.py, nlmon.py; issue 12).
  fiback   the fan-in, FIB on, with FIB-acknowledged advertisement on and
           off: closbgpd fib-acknowledgement true / false, FRR with and
           without `bgp suppress-fib-pending`, BIRD (no equivalent) once for
           reference; the sink's table and the DUT's kernel checked after
           the announce (issue 13).
"""
import argparse
import copy
import fcntl
import ipaddress
import json
import os
import platform
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

import bgpwire
import duts
import failover
import policy as pol
from duts import Topology, netns

HERE = os.path.dirname(os.path.abspath(__file__))
now = time.monotonic
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOCK = "/run/lock/closbgp-bench.lock" if os.path.isdir("/run/lock") else "/tmp/closbgp-bench.lock"


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


# -- /proc measurements ---------------------------------------------------
def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])      # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


def exec_seconds(pids):
    """CPU time of every thread of pids, in ns precision: the first field
    of /proc/PID/task/TID/schedstat (sum_exec_runtime), where utime + stime
    count 10 ms ticks. A thread that ended is not counted."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    total += int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                pass
    return total / 1e9


def mem_kb(pids, key):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


class KernelCounter:
    """Routes in the DUT namespace's kernel, without a text dump of the
    table (a dump of 20k 24-way IPv6 routes takes long enough to blur the
    time being measured). IPv4: the 'Prefixes' of the main FIB trie
    (/proc/PID/net/fib_triestat); IPv6: the second field of
    /proc/PID/net/rt6_stats, the FIB nodes that hold routes: one per prefix,
    however many ECMP siblings or whether nexthop objects are used."""

    def __init__(self, ns, pid, families):
        self.ns, self.pid, self.families = ns, pid, families
        self.cost = 0.0

    def v4(self):
        with open("/proc/%d/net/fib_triestat" % self.pid) as f:
            text = f.read()
        main = text.split("Main:", 1)[1]
        for line in main.splitlines():
            if "Prefixes:" in line:
                return int(line.split()[-1])
        return 0

    def v6(self):
        with open("/proc/%d/net/rt6_stats" % self.pid) as f:
            return int(f.read().split()[1], 16)

    def count(self):
        t = now()
        c = {}
        if "ipv4" in self.families:
            c["ipv4"] = self.v4()
        if "ipv6" in self.families:
            c["ipv6"] = self.v6()
        self.cost = now() - t
        return c


# -- speakers -------------------------------------------------------------
def benchsink_binary():
    """The C sink, next to closbgpd in the same build tree ($CLOSBGP_BUILD)."""
    build = os.path.dirname(os.path.dirname(duts.closbgpd_binary()))
    return os.path.join(build, "tests", "bench", "benchsink")


def benchsink_argv(binary, spec):
    """benchsink's command line for a speaker.py spec of sink sessions only."""
    argv = [binary, "--expect", str(spec.get("expect", 0)),
            "--hold", str(spec.get("hold", 180))]
    if spec.get("aggregates"):
        argv += ["--aggregates", str(spec["aggregates"])]
    if "max_seconds" in spec:
        argv += ["--max-seconds", str(spec["max_seconds"])]
    for s in spec["sessions"]:
        argv += ["--session", ",".join(str(s[k]) for k in (
            "id", "mode", "local", "peer", "local_as", "peer_as", "router_id", "afi"))]
    return argv


class SpeakerProc:
    """A speaker in a namespace; events read by a thread into a queue.
    speaker.py, or benchsink (C, same protocol) when every session is a sink,
    it is built and py_sink is not set. self.impl: "c" or "python". script:
    another program of this directory with the same protocol (a spec file,
    line commands, JSON events), e.g. nlmon.py."""

    def __init__(self, ns, spec, workdir, name, py_sink=False, script=None):
        self.name = name
        path = os.path.join(workdir, name + ".json")
        with open(path, "w") as f:
            json.dump(spec, f)
        self.logf = open(os.path.join(workdir, name + ".log"), "w")
        binary = benchsink_binary()
        if script:
            self.impl = "python"
            argv = [sys.executable, os.path.join(HERE, script), path]
        elif (not py_sink and all(s["role"] == "sink" for s in spec["sessions"])
                and os.access(binary, os.X_OK)):
            self.impl = "c"
            argv = benchsink_argv(binary, spec)
        else:
            self.impl = "python"
            argv = [sys.executable, os.path.join(HERE, "speaker.py"), path]
        self.proc = subprocess.Popen(
            ns.exec_argv(argv),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.logf,
            start_new_session=True)
        self.events = queue.Queue()
        self.last_status = {}
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            self.logf.write(line.decode() if isinstance(line, bytes) else line)
            self.events.put(ev)

    def cmd(self, text):
        self.proc.stdin.write((text + "\n").encode())
        self.proc.stdin.flush()

    def poll_events(self):
        out = []
        for _ in range(100000):
            try:
                ev = self.events.get_nowait()
            except queue.Empty:
                break
            if ev["ev"] == "status":
                self.last_status = ev
            out.append(ev)
        return out

    def stop(self):
        try:
            self.cmd("quit")
        except (OSError, ValueError):
            pass
        netns.stop_process(self.proc, timeout=5)
        self.logf.close()


def wait_ready(speakers, dut, timeout):
    """Until every speaker reports ready; errors are returned, not raised."""
    pending = {s.name for s in speakers}
    deadline = now() + timeout
    errors = []
    for _ in range(int(timeout / 0.05) + 1):
        for s in speakers:
            for ev in s.poll_events():
                if ev["ev"] == "ready":
                    pending.discard(s.name)
                elif ev["ev"] == "error":
                    errors.append("%s: %s" % (ev.get("id"), ev.get("reason")))
            if s.proc.poll() is not None:
                return "speaker %s exited (%s)" % (s.name, s.proc.returncode)
        if dut is not None:
            try:
                dut._alive() if hasattr(dut, "_alive") else None
            except RuntimeError as exc:
                return str(exc)
        if not pending:
            return None
        if now() > deadline:
            break
        time.sleep(0.05)
    sessions = {s.name: s.last_status.get("sessions") for s in speakers}
    return "sessions not established after %ds: %s %s" % (timeout, sessions, errors[-3:])


def wait_idle(pids, quiet=1.0, limit=15.0):
    """Until the DUT burns (almost) no CPU for `quiet` seconds."""
    deadline = now() + limit
    last = cpu_seconds(pids)
    since = now()
    for _ in range(int(limit / 0.1) + 1):
        time.sleep(0.1)
        c = cpu_seconds(pids)
        if c - last > 0.02:
            last, since = c, now()
        if now() - since >= quiet or now() > deadline:
            return


# -- one phase (announce or withdraw) --------------------------------------
# The sink's events for the fed prefixes and the aggregates (--aggregates).
PARTS = {"announce": {"fed_full": "sink_fed", "agg_full": "sink_agg"},
         "withdraw": {"fed_empty": "sink_fed", "agg_empty": "sink_agg"}}
# The aggregation benchmark's bursts, as keys of its result.
AGG_BURSTS = ("announce", "withdraw", "reannounce")


def run_phase(phase, feeder, sink, dut_pids, kernel, k_target, expected, timeout, stall,
              kernel_at_sink=False):
    """Send `phase` to the feeder (and the sink, which resets its counters),
    then poll until the sink is full/empty and the kernel holds k_target
    routes (if kernel is given). Returns a dict of times relative to the
    feeder's first byte. kernel_at_sink: count the kernel's routes as soon
    as the sink's full/empty event is read (kernel_at_sink, kernel's count;
    kernel_at_sink_lag: how long after the sink's event)."""
    r = {"phase": phase}
    sink.cmd(phase)
    feeder.cmd(phase)
    t_cmd = now()
    t0 = None
    sink_done = kern_done = False
    t_sink = t_kern = t_sent = None
    last_progress = now()
    last_cpu = cpu_seconds(dut_pids)
    t_cpu = now()
    last_count = None
    last_k = None
    next_k = 0.0
    k_reached = None
    parts = {}
    errors = []
    deadline = now() + timeout
    for _ in range(int(timeout / 0.02) + 10):
        t = now()
        for ev in feeder.poll_events():
            if ev["ev"] == "sent" and ev.get("phase") == phase:
                t0, t_sent = ev["t_first"], ev["t"]
            elif ev["ev"] == "error":
                errors.append("feeder %s: %s" % (ev.get("id"), ev.get("reason")))
        for ev in sink.poll_events():
            if ev["ev"] == ("full" if phase == "announce" else "empty"):
                sink_done, t_sink = True, ev["t"]
                r["sink_rx_updates"] = ev.get("rx_updates")
                if kernel_at_sink and kernel is not None:
                    r["kernel_at_sink"] = sum(kernel.count().values())
                    r["kernel_at_sink_lag"] = now() - t_sink
            elif ev["ev"] in PARTS[phase]:
                parts.setdefault(PARTS[phase][ev["ev"]], ev["t"])
            elif ev["ev"] == "error":
                errors.append("sink %s: %s" % (ev.get("id"), ev.get("reason")))
        st = sink.last_status
        count = st.get("count")
        if count != last_count:
            last_count, last_progress = count, t
        if phase == "withdraw" and not sink_done and count == 0 and st.get("t", 0) > t_cmd \
                and st.get("rx_withdrawn", 0) > 0:
            sink_done, t_sink = True, st.get("t_last_rx") or st["t"]
        if kernel is not None and not kern_done and t >= next_k:
            c = kernel.count()
            tot = sum(c.values())
            ok = tot >= k_target if phase == "announce" else tot <= k_target
            if ok:
                kern_done, t_kern = True, now()
            if tot != last_k:
                last_k, last_progress = tot, t
            k_reached = tot
            r["kernel_poll_max_s"] = max(r.get("kernel_poll_max_s", 0), kernel.cost)
            next_k = now() + max(0.05, 2 * kernel.cost)
        c = cpu_seconds(dut_pids)
        if c > last_cpu:           # any clock tick
            last_cpu, t_cpu = c, t
        if t0 is not None and sink_done and (kernel is None or kern_done):
            break
        if errors:
            break
        if t > deadline:
            r["error"] = "timeout after %ds" % timeout
            break
        # Stalled: everything sent, nothing moves at the sink or in the kernel
        # and the DUT is idle.
        if t_sent is not None and t - max(last_progress, t_cpu, t_sent) > stall:
            r["error"] = "stalled: no progress for %ds" % stall
            break
        time.sleep(0.02)
    # A fresh count (the sink may still be parsing duplicates of fan-in).
    t_ask = now()
    sink.cmd("status")
    for _ in range(200):
        sink.poll_events()
        if sink.last_status.get("t", 0) >= t_ask:
            break
        time.sleep(0.05)
    r["sink_count"] = sink.last_status.get("count")
    for k in ("v4", "v6"):
        if k in sink.last_status:
            r["sink_" + k] = sink.last_status[k]
    r["sink_expected"] = expected
    if errors:
        r["error"] = "; ".join(errors[:3])
    if t0 is None:
        r.setdefault("error", "feeder did not finish sending")
        return r
    r["t0_abs"] = t0
    r["t_cpu_abs"] = t_cpu
    r["send"] = t_sent - t0
    if sink_done:
        r["sink"] = t_sink - t0
    for k, t in parts.items():          # sink_fed, sink_agg (--aggregate)
        r[k] = t - t0
    if "sink_agg" in r and "sink_fed" in r:
        # The aggregates complete (gone) after the last contributor came
        # (went) -- as the sink sees both: the DUT's reading of the last
        # contributor is not observable, the feeder wrote it long before.
        r["agg_after_fed"] = r["sink_agg"] - r["sink_fed"]
    if kernel is not None:
        r["kernel_count"] = k_reached
        if kern_done:
            r["kernel"] = t_kern - t0
    return r


def dut_quiet_time(pids, t0, t_last, quiet=1.0, limit=20.0):
    """Seconds from t0 until the DUT's last CPU activity (t_last: the last one
    seen so far), waiting for `quiet` seconds without any (the DUT has
    converged: every path processed)."""
    last = cpu_seconds(pids)
    deadline = now() + limit
    for _ in range(int(limit / 0.05) + 1):
        time.sleep(0.05)
        c = cpu_seconds(pids)
        if c > last:
            last, t_last = c, now()
        if now() - t_last >= quiet:
            return t_last - t0
        if now() > deadline:
            break
    return None          # never quiet: busy with something else


# -- one scenario ------------------------------------------------------------
def run_scenario(dut_name, kind, fib, n, feeders, families, workdir, timeout, settle=5.0,
                 py_sink=False, policy=None, aggregates=None, fiback=None):
    """policy (kind "policy" only): None (the DUT without policy), "on",
    "nocache" (closbgpd without its policy result cache), "perpath"
    (closbgpd evaluating every path: duts.py). aggregates (kind "agg"
    only): None, or the (prefix, min) the DUT originates. fiback (kind
    "fiback" only): "on", "off" (FIB-acknowledged advertisement, duts.py
    fib_ack) or "none" (the DUT has no such thing: as configured)."""
    res = {"dut": dut_name, "kind": kind, "fib": fib, "prefixes": n,
           "sessions": feeders * len(families), "families": families}
    tag = ""
    if kind == "policy":
        res["policy"] = policy or "none"
        tag = "-" + res["policy"]
    elif kind == "agg":
        res["aggregate"] = "on" if aggregates else "none"
        res["aggregates"] = len(aggregates or ())
        if aggregates:
            res["aggregate_len"] = int(aggregates[0][0].split("/")[1])
            res["aggregate_cover"] = aggregates[-1][0]
        tag = "-" + res["aggregate"]
    elif kind == "fiback":
        res["fiback"] = fiback or "none"
        tag = "-" + res["fiback"]
    wd = os.path.join(workdir, "%s-%s%s%s" % (dut_name, kind, tag,
                                              "-fib" if fib and kind != "fib" else ""))
    os.makedirs(wd, exist_ok=True)
    topo = Topology(feeders)
    dut = feeder = sink = None
    expected = n * len(families)
    try:
        topo.create()
        feed_sessions = []
        for i in range(feeders):
            a = topo.feed_addrs(i)
            for afi in families:
                k = afi[-1]
                feed_sessions.append({
                    "id": "f%d_%s" % (i, afi), "role": "feed", "mode": "connect",
                    "local": a["feed" + k], "peer": a["dut" + k], "nexthop": a["feed" + k],
                    "local_as": duts.FEED_AS, "peer_as": duts.DUT_AS,
                    "router_id": a["feed4"], "afi": afi, "prefixes": n})
                if kind == "policy":
                    feed_sessions[-1]["communities"] = [pol.FEED_COMMUNITY]
                elif kind == "agg":        # the aggregates' contributor route type
                    feed_sessions[-1]["communities"] = [pol.ROUTE_TYPES["rack_prefix"]]
        if kind == "sink":
            # The sink plays the DUT: one listening session per feeder session.
            sink_ns = topo.dut
            sink_sessions = []
            for i in range(feeders):
                a = topo.feed_addrs(i)
                sink_sessions += [{"id": "sink%d_%s" % (i, afi), "role": "sink", "mode": "listen",
                                   "local": a["dut" + afi[-1]], "peer": a["feed" + afi[-1]],
                                   "local_as": duts.DUT_AS, "peer_as": duts.FEED_AS,
                                   "router_id": "10.255.0.1", "afi": afi} for afi in families]
            pids = []
        else:
            dut = duts.DUTS[dut_name](topo, wd, fib, families, policy,
                                      aggregates=aggregates,
                                      fib_ack=FIBACK_VALUE.get(fiback)).start()
            pids = dut.pids()
            sink_ns = topo.sink
            s = Topology.SINK
            sink_sessions = [{"id": "sink_" + afi, "role": "sink", "mode": "connect",
                              "local": s["sink" + afi[-1]], "peer": s["dut" + afi[-1]],
                              "local_as": duts.SINK_AS, "peer_as": duts.DUT_AS,
                              "router_id": s["sink4"], "afi": afi} for afi in families]
        n_agg = len(aggregates or ())
        sink = SpeakerProc(sink_ns, {"name": "sink", "expect": expected + n_agg,
                                     "aggregates": n_agg, "sessions": sink_sessions,
                                     "hold": duts.HOLD}, wd, "sink", py_sink)
        res["sink_impl"] = sink.impl
        feeder = SpeakerProc(topo.feed, {"name": "feeder", "sessions": feed_sessions,
                                         "hold": duts.HOLD}, wd, "feeder")
        err = wait_ready([sink, feeder], dut, 60 + 2 * feeders)
        if err:
            res["error"] = err
            return res
        if pids:
            # Let the DUT finish its session-start work (FRR, e.g., holds a
            # new update group's first advertisement for its coalesce time,
            # up to seconds with many peers) before the clock starts.
            time.sleep(settle)
            wait_idle(pids)
        kernel = KernelCounter(topo.dut, pids[0], families) if fib else None
        base_k = sum(kernel.count().values()) if kernel else 0
        res["rss_start_kb"] = mem_kb(pids, "VmRSS")
        cpu0 = cpu_seconds(pids)
        exec0 = exec_seconds(pids)
        log("%s %s: announcing %d x %d prefixes" % (dut_name, kind, len(feed_sessions), n))
        stall = 20 if kind != "sink" else 10
        ann = run_phase("announce", feeder, sink, pids, kernel, base_k + expected,
                        expected, timeout, stall, kernel_at_sink=kind == "fiback")
        if "kernel_at_sink" in ann:
            ann["kernel_at_sink"] -= base_k
        res["announce"] = ann
        if pids and "t0_abs" in ann:
            # Converged = the DUT's last CPU activity (every path processed).
            q = dut_quiet_time(pids, ann["t0_abs"], ann["t_cpu_abs"])
            if q is not None:
                ann["dut_quiet"] = max(q, ann.get("sink", 0), ann.get("kernel", 0))
        if pids:
            res["cpu_announce"] = cpu_seconds(pids) - cpu0
            res["cpu_exec_announce"] = exec_seconds(pids) - exec0
            res["rss_peak_kb"] = mem_kb(pids, "VmHWM")
            res["rss_end_kb"] = mem_kb(pids, "VmRSS")
        if kind == "fiback" and "t0_abs" in ann:
            # Off the clock: the sink's table and the DUT's kernel.
            res["check"] = fiback_check(topo, dut, ann, n, families, fiback)
            if not res["check"]["ok"]:
                res["error"] = "FIB acknowledgement check failed: %s" % res["check"]["problems"]
            if hasattr(dut, "fib_stats"):       # closbgpd: kernel messages and batches
                try:
                    res["dut_fib"] = dut.fib_stats()
                except (OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
                    res["dut_fib"] = {"error": "%s: %s" % (type(exc).__name__, exc)}
        if kind == "policy" and "sink" in ann:
            # Off the clock: did import policy run (LOCAL_PREF, community)?
            res["check"] = policy_check(dut, policy)
            if policy and not res["check"].get("ok"):
                res["error"] = "import policy not applied at the DUT: %s" % res["check"]
        got_any = ("sink" in ann or ann.get("sink_count")
                   or (kernel and (ann.get("kernel_count") or 0) > base_k))
        if not got_any:
            res["error"] = ann.get("error") or "sink received nothing"
            if kind != "sink" and not ann.get("sink_count"):
                res["unsupported"] = True
            return res
        cpu1 = cpu_seconds(pids)
        exec1 = exec_seconds(pids)
        log("%s %s: withdrawing" % (dut_name, kind))
        wdr = run_phase("withdraw", feeder, sink, pids, kernel, base_k, expected, timeout, stall)
        res["withdraw"] = wdr
        if kind == "agg" and pids and "t0_abs" in wdr:
            q = dut_quiet_time(pids, wdr["t0_abs"], wdr["t_cpu_abs"])
            if q is not None:
                wdr["dut_quiet"] = max(q, wdr.get("sink", 0), wdr.get("kernel", 0))
        if pids:
            res["cpu_withdraw"] = cpu_seconds(pids) - cpu1
            res["cpu_exec_withdraw"] = exec_seconds(pids) - exec1
            res["rss_peak_kb"] = mem_kb(pids, "VmHWM")
        if kind == "agg" and "sink" in wdr:
            # The third burst: every contributor back at once. The last
            # withdrawal's quiet wait separates it from the second.
            cpu2 = cpu_seconds(pids)
            exec2 = exec_seconds(pids)
            log("%s %s: announcing again" % (dut_name, kind))
            ann2 = run_phase("announce", feeder, sink, pids, kernel, base_k + expected,
                             expected, timeout, stall)
            res["reannounce"] = ann2
            if pids and "t0_abs" in ann2:
                q = dut_quiet_time(pids, ann2["t0_abs"], ann2["t_cpu_abs"])
                if q is not None:
                    ann2["dut_quiet"] = max(q, ann2.get("sink", 0), ann2.get("kernel", 0))
            res["cpu_reannounce"] = cpu_seconds(pids) - cpu2
            res["cpu_exec_reannounce"] = exec_seconds(pids) - exec2
            res["rss_peak_kb"] = mem_kb(pids, "VmHWM")
            bursts = [res.get(ph) or {} for ph in AGG_BURSTS]
            if all("sink" in b for b in bursts):
                res["total_sink"] = sum(b["sink"] for b in bursts)
            if all("dut_quiet" in b for b in bursts):
                res["total_quiet"] = sum(b["dut_quiet"] for b in bursts)
            res["cpu_total"] = sum(res.get("cpu_" + ph, 0) for ph in AGG_BURSTS)
            res["cpu_exec_total"] = sum(res.get("cpu_exec_" + ph, 0) for ph in AGG_BURSTS)
        return res
    except Exception as exc:  # noqa: BLE001 - one scenario must not stop the run
        res["error"] = "%s: %s" % (type(exc).__name__, exc)
        return res
    finally:
        for s in (feeder, sink):
            if s is not None:
                s.stop()
        if dut is not None:
            dut.stop()
            if duts.CALLGRIND["on"] and hasattr(dut, "instructions"):
                res["instructions"] = dut.instructions()
        topo.delete()
        with open(os.path.join(wd, "result.json"), "w") as f:
            json.dump(res, f, indent=1)


def policy_check(dut, policy):
    """The DUT's best path for the first fed IPv4 prefix after the announce:
    LOCAL_PREF and communities (policy.py's import sets LOCAL_PREF "fed" and
    adds IMPORT_MARK) and, for closbgpd, its policy result cache counters."""
    out = {}
    try:
        out.update(dut.route_attrs("32.0.0.0/24"))
    except (OSError, ValueError, KeyError, IndexError, RuntimeError,
            subprocess.SubprocessError) as exc:
        out["check_error"] = "%s: %s" % (type(exc).__name__, exc)
    if hasattr(dut, "policy_stats"):
        try:
            out.update(dut.policy_stats())
        except (OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
            out["stats_error"] = "%s: %s" % (type(exc).__name__, exc)
    out["ok"] = (out.get("local_pref") == pol.LOCAL_PREF["fed"]
                 and pol.IMPORT_MARK in out.get("communities", ()))
    return out


def kernel_prefixes(ns, family):
    """The main table's destinations in ns: {(network int, length)}."""
    out = ns.run(["ip", "-j", "-%s" % family[-1], "route", "show", "table", "main"],
                 timeout=120).stdout
    got = set()
    for rt in json.loads(out or "[]"):
        dst = rt.get("dst")
        if not dst or dst == "default":
            continue
        try:
            net = ipaddress.ip_network(dst if "/" in dst else
                                       dst + ("/32" if family == "ipv4" else "/128"))
        except ValueError:
            continue
        got.add((int(net.network_address), net.prefixlen))
    return got


def fed_prefixes(family, n):
    """The feeders' n prefixes of family (bgpwire.py), as kernel_prefixes has them."""
    if family == "ipv4":
        return {(bgpwire.V4_BASE + (i << 8), 24) for i in range(n)}
    return {((bgpwire.V6_BASE + i) << 80, 48) for i in range(n)}


def fiback_check(topo, dut, ann, n, families, variant):
    """After the announce: the sink holds all n prefixes of each family,
    and -- for the acknowledged variants -- the DUT's kernel holds every
    one of them (`ip -j route show` in the DUT's namespace: the sink can
    only have fed prefixes, and has all of them) and already held them all
    when the harness read the sink's "full" event (kernel_at_sink)."""
    out = {"problems": []}
    for fam in families:
        k = "v" + fam[-1]
        out["sink_" + k] = ann.get("sink_" + k)
        if ann.get("sink_" + k) != n:
            out["problems"].append("sink has %s of %d %s prefixes" % (ann.get("sink_" + k), n, fam))
        try:
            want = fed_prefixes(fam, n)
            have = kernel_prefixes(topo.dut, fam)
            missing = want - have
            out["kernel_" + k] = len(want & have)
            if missing and variant == "on":
                out["problems"].append("kernel lacks %d of the %d %s prefixes the sink has"
                                       % (len(missing), n, fam))
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            out["problems"].append("ip route: %s: %s" % (type(exc).__name__, exc))
    out["kernel_at_sink"] = ann.get("kernel_at_sink")
    out["kernel_at_sink_lag"] = ann.get("kernel_at_sink_lag")
    expected = n * len(families)
    if variant == "on" and ann.get("kernel_at_sink") is not None \
            and ann["kernel_at_sink"] < expected:
        out["problems"].append("kernel had %d of %d routes when the sink had them all"
                               % (ann["kernel_at_sink"], expected))
    if hasattr(dut, "fiback_config"):
        try:
            out["config"] = dut.fiback_config()
        except (OSError, ValueError, KeyError, RuntimeError, subprocess.SubprocessError) as exc:
            out["problems"].append("configuration: %s: %s" % (type(exc).__name__, exc))
        if variant in ("on", "off") and out.get("config") is not None \
                and out["config"] != (variant == "on"):
            out["problems"].append("the DUT runs with FIB acknowledgement %s, not %s"
                                   % ("on" if out["config"] else "off", variant))
    out["ok"] = not out["problems"]
    return out


# -- the run ------------------------------------------------------------------
# The FIB-acknowledgement benchmark's variants per DUT (duts.py fib_ack):
# the first round runs them in this order, the next one reversed, and so on.
FIBACK_VARIANTS = {"closbgpd": ("on", "off"), "frr": ("off", "on"), "bird": ("none",)}
FIBACK_VALUE = {"on": True, "off": False, "none": None}

POLICY_VARIANTS = {"closbgpd": (None, "on", "nocache", "perpath"), "frr": (None, "on"),
                   "bird": (None, "on")}


def aggregate_plan(n, length=None):
    """The aggregates of the aggregation benchmark for the first n fed IPv4
    /24s (bgpwire.py: from 32.0.0.0): one per /length they fall into --
    length by default the longest from /16 down that gives at most 1000,
    i.e. 256..4096 fed prefixes each (391 /16s for 100k) -- plus the
    longest prefix covering them all (32.0.0.0/7 for 100k). All with
    min-more-specifics 1. [(prefix, min), ...]."""
    base = bgpwire.V4_BASE
    last = base + ((n - 1) << 8)                 # the last fed /24
    if length is None:
        length = 16
        while length > 8 and (last >> (32 - length)) - (base >> (32 - length)) + 1 > 1000:
            length -= 1
    shift = 32 - length
    nets = ["%s/%d" % (ipaddress.IPv4Address(k << shift), length)
            for k in range(base >> shift, (last >> shift) + 1)]
    plen = length
    while plen > 1 and (base >> (32 - plen)) != (last >> (32 - plen)):
        plen -= 1
    cover = "%s/%d" % (ipaddress.IPv4Address((base >> (32 - plen)) << (32 - plen)), plen)
    if cover not in nets:
        nets.append(cover)
    return [(p, 1) for p in nets]


def plan(args):
    """(dut, kind, fib, n, feeders, families, variant) for every scenario,
    in order; variant: the policy (kind policy), "none"/"on" (agg)."""
    out = []
    fan = (args.fanin_prefixes, args.fanin_sessions, ["ipv4", "ipv6"])
    fo_fams = ["ipv4", "ipv6"] if args.failover_ipv6 else ["ipv4"]
    if args.policy_only or args.aggregate_only or args.failover_only or args.fiback_only:
        if args.fiback_only:
            out += fiback_plan(args, fan)
        if args.policy_only:
            out += [(d, "policy", args.fib) + fan + (v,)
                    for d in args.dut for v in POLICY_VARIANTS[d]]
        if args.aggregate_only:
            out += [(d, "agg", args.fib, args.prefixes, 1, ["ipv4"], v)
                    for d in args.dut for v in agg_variants(d)]
        if args.failover_only:
            out += [(d, "failover", True, args.failover_prefixes, len(failover.LINKS), fo_fams,
                     "failover") for d in args.dut]
        return out
    sizes = sorted({args.prefixes, *args.also_prefixes})
    if not args.no_sink_check:
        for n in sizes:
            out.append(("sink", "sink", False, n, 1, ["ipv4"], None))
        if args.fanin:
            out.append(("sink", "sink", False) + fan + (None,))
    for d in args.dut:
        for n in sizes:
            out.append((d, "prop", False, n, 1, ["ipv4"], None))
        if args.fib:
            out.append((d, "fib", True, args.prefixes, 1, ["ipv4"], None))
        if args.fanin:
            out.append((d, "fanin", args.fib) + fan + (None,))
        if args.policy:
            out += [(d, "policy", args.fib) + fan + (v,) for v in POLICY_VARIANTS[d]]
        if args.aggregate:
            out += [(d, "agg", args.fib, args.prefixes, 1, ["ipv4"], v) for v in agg_variants(d)]
        if args.failover:
            out.append((d, "failover", True, args.failover_prefixes, len(failover.LINKS),
                        fo_fams, "failover"))
    if args.fiback:
        out += fiback_plan(args, fan)
    return out


def fiback_plan(args, fan):
    """The fan-in with FIB on per DUT and FIB-acknowledgement variant."""
    return [(d, "fiback", True) + fan + (v,) for d in args.dut for v in FIBACK_VARIANTS[d]]


def round_order(scenarios, rnd, args):
    """Indices of scenarios in the order of round rnd (0-based): the plan's,
    with each DUT's FIB-acknowledgement variants and aggregation variants
    (without / with aggregates) reversed every other round
    (so that a drift of the machine's load does not favour one of a pair),
    and the DUTs without FIB acknowledgement (BIRD) only in the first round
    unless --fiback-all-rounds."""
    order = list(range(len(scenarios)))
    if rnd % 2:
        for kind in ("fiback", "agg"):
            for d in {s[0] for s in scenarios if s[1] == kind}:
                idx = [i for i in order if scenarios[i][0] == d and scenarios[i][1] == kind]
                for i, j in zip(idx, reversed(idx)):
                    order[i] = j
    if rnd and not args.fiback_all_rounds:
        order = [i for i in order if not (scenarios[i][1] == "fiback"
                                          and scenarios[i][6] == "none")]
    return order


def agg_variants(dut):
    """Without aggregates, and with them where the DUT has BGP aggregation."""
    return ("none", "on") if duts.DUTS[dut].AGGREGATES else ("none",)


def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem"] = "%.1f GiB" % (int(f.readline().split()[1]) / 1048576)
    except OSError:
        pass
    info["frr"] = duts.FrrDut.version()
    info["bird"] = duts.BirdDut.version()
    info["closbgpd"] = duts.ClosDut.version()
    try:
        info["closbgpd"] += ", built %s" % time.strftime(
            "%Y-%m-%d %H:%M %Z", time.localtime(os.stat(duts.closbgpd_binary()).st_mtime))
    except OSError:
        pass
    return info


def source_commit():
    """HEAD, and the daemon's files that differ from it (the build is of
    the work tree), as the run starts."""
    try:
        commit = subprocess.run(["git", "-C", duts.REPO, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        out = subprocess.run(["git", "-C", duts.REPO, "status", "--porcelain", "--", "bgpd",
                              "rib", "fib", "policy"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    changed = sorted({line[3:].strip() for line in out.splitlines() if line.strip()})
    if changed:
        commit += " + uncommitted changes to %s" % ", ".join(changed)
    return commit


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tests/bench/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefixes", type=int, default=100000,
                    help="IPv4 prefixes of the propagation tests (default 100000)")
    ap.add_argument("--also-prefixes", default="",
                    help="comma-separated further sizes of the FIB-off propagation test "
                         "(e.g. 100000)")
    ap.add_argument("--runs", type=int, default=1,
                    help="rounds over the whole plan; the report gives medians (default 1)")
    ap.add_argument("--dut", default="closbgpd,frr,bird",
                    help="comma-separated DUTs, run in this order (closbgpd,frr,bird)")
    ap.add_argument("--fib", action="store_true", help="also run with the kernel FIB on")
    ap.add_argument("--fanin", action="store_true", help="also run the fan-in test")
    ap.add_argument("--fanin-sessions", type=int, default=24,
                    help="feeder links of the fan-in test (default 24)")
    ap.add_argument("--policy", action="store_true",
                    help="also run the policy fan-in (issue 11): every DUT without and with "
                         "11 import + 12 export statements, closbgpd also with its policy "
                         "cache off and evaluating every path")
    ap.add_argument("--policy-only", action="store_true",
                    help="run only the policy fan-in; --out then replaces only the report's "
                         "policy block")
    ap.add_argument("--aggregate", action="store_true",
                    help="also run the aggregation benchmark (issue 12): prop in bursts, "
                         "every DUT without and with aggregates covering the feed")
    ap.add_argument("--aggregate-only", action="store_true",
                    help="run only the aggregation benchmark; --out then replaces only the "
                         "report's aggregate block")
    ap.add_argument("--aggregate-len", type=int, default=None,
                    help="length of the aggregates (default: the longest from 16 giving at "
                         "most 1000), plus one covering every fed prefix")
    ap.add_argument("--failover", action="store_true",
                    help="also run the failover benchmark (issue 12): link down -> kernel "
                         "repaired with a backup ECMP set")
    ap.add_argument("--failover-only", action="store_true",
                    help="run only the failover benchmark; --out then replaces only the "
                         "report's failover block")
    ap.add_argument("--failover-prefixes", type=int, default=10000,
                    help="prefixes per family behind the failed link (default 10000)")
    ap.add_argument("--failover-ipv6", action="store_true",
                    help="failover with IPv6 sessions and prefixes too")
    ap.add_argument("--failover-no-rt", action="store_true",
                    help="run the failover's netlink monitor without SCHED_FIFO")
    ap.add_argument("--failover-timeout", type=int, default=60,
                    help="seconds after the link went down before a DUT counts as not "
                         "repaired (default 60)")
    ap.add_argument("--fiback", action="store_true",
                    help="also run the FIB-acknowledgement benchmark (issue 13): the fan-in, FIB "
                         "on, closbgpd with fib-acknowledgement true and false, FRR without and "
                         "with bgp suppress-fib-pending, BIRD (no equivalent) for reference")
    ap.add_argument("--fiback-only", action="store_true",
                    help="run only the FIB-acknowledgement benchmark; --out then replaces only "
                         "the report's fiback block")
    ap.add_argument("--fiback-all-rounds", action="store_true",
                    help="run the FIB-acknowledgement benchmark's reference DUT without "
                         "FIB acknowledgement (BIRD) in every round, not only the first")
    ap.add_argument("--note", default=None,
                    help="a line for the report's machine table (e.g. what else ran on the "
                         "machine)")
    ap.add_argument("--fanin-prefixes", type=int, default=None,
                    help="prefixes per family per fan-in session (default: --prefixes / 10)")
    ap.add_argument("--timeout", type=int, default=None,
                    help="seconds per phase (default 120 + prefixes/2000)")
    ap.add_argument("--settle", type=float, default=5.0,
                    help="seconds between sessions up and the announce (default 5)")
    ap.add_argument("--no-sink-check", action="store_true",
                    help="skip measuring feeder -> sink without a DUT")
    ap.add_argument("--py-sink", action="store_true",
                    help="use speaker.py as the sink even when benchsink (C) is built")
    ap.add_argument("--callgrind", action="store_true",
                    help="run closbgpd under valgrind's callgrind and report the instructions "
                         "in its event loop (deterministic work; its times are ~30x slower "
                         "and not comparable); the aggregate block gives their ratio")
    ap.add_argument("--out", default=None, help="write the Markdown report here")
    ap.add_argument("--workdir", default=None, help="logs and configs (default: a temp dir)")
    args = ap.parse_args(argv)
    duts.CALLGRIND["on"] = args.callgrind
    args.dut = [d.strip() for d in args.dut.split(",") if d.strip()]
    args.policy = args.policy or args.policy_only
    args.aggregate = args.aggregate or args.aggregate_only
    args.failover = args.failover or args.failover_only
    args.fiback = args.fiback or args.fiback_only
    if args.aggregate_len is not None and not 8 <= args.aggregate_len <= 23:
        ap.error("--aggregate-len: 8..23")
    try:
        args.also_prefixes = [int(x) for x in args.also_prefixes.split(",") if x.strip()]
    except ValueError:
        ap.error("--also-prefixes: comma-separated numbers")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if any(n < 1 for n in args.also_prefixes):
        ap.error("--also-prefixes: sizes must be positive")
    for d in args.dut:
        if d not in duts.DUTS:
            ap.error("unknown DUT %r (known: %s)" % (d, ", ".join(duts.DUTS)))
    if args.fanin_prefixes is None:
        args.fanin_prefixes = max(1, args.prefixes // 10)
    if os.geteuid() != 0:
        ap.error("needs root (network namespaces)")
    workdir = args.workdir or tempfile.mkdtemp(prefix="closbgp-bench-")
    os.makedirs(workdir, exist_ok=True)
    # FRR's daemons drop to the frr user: they must reach their directories
    # (mkdtemp makes 0700 ones).
    os.chmod(workdir, 0o755)

    lockf = open(LOCK, "w")
    try:
        fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit("another benchmark run holds %s" % LOCK)

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)

    results = []
    loads = []
    t_start = time.time()
    with open("/proc/loadavg") as f:
        load_before = " ".join(f.read().split()[:3])
    commit = source_commit()
    try:
        duts.cleanup(log=log)
        scenarios = plan(args)
        runs = [[] for _ in scenarios]
        # Round after round over the whole plan, so that a slow spell of
        # the machine hits every DUT alike.
        for rnd in range(args.runs):
            for i in round_order(scenarios, rnd, args):
                d, kind, fib, n, feeders, fams, pv = scenarios[i]
                with open("/proc/loadavg") as f:
                    loads.append(float(f.read().split()[0]))
                maxn = n * feeders * len(fams)
                timeout = args.timeout or int(120 + maxn / 2000)
                log("scenario %s %s%s%s: %d sessions x %d prefixes%s" %
                    (d, kind, " " + (pv or "none") if kind in ("policy", "agg", "fiback")
                     else "",
                     " fib" if fib else "", feeders * len(fams), n,
                     " (round %d of %d)" % (rnd + 1, args.runs) if args.runs > 1 else ""))
                wd = workdir if args.runs == 1 else os.path.join(workdir, "round%d" % (rnd + 1))
                os.makedirs(wd, exist_ok=True)
                os.chmod(wd, 0o755)
                if kind == "failover":
                    r = failover.run(sys.modules[__name__], d, n, fams,
                                     os.path.join(wd, "%s-failover" % d), timeout,
                                     args.failover_timeout, rt=not args.failover_no_rt)
                elif kind == "agg":
                    aggs = aggregate_plan(n, args.aggregate_len) if pv == "on" else None
                    r = run_scenario(d, kind, fib, n, feeders, fams, wd, timeout, args.settle,
                                     args.py_sink, aggregates=aggs)
                elif kind == "fiback":
                    r = run_scenario(d, kind, fib, n, feeders, fams, wd, timeout, args.settle,
                                     args.py_sink, fiback=pv)
                else:
                    r = run_scenario(d, kind, fib, n, feeders, fams, wd, timeout, args.settle,
                                     args.py_sink, pv)
                r["round"] = rnd + 1
                log("  -> %s" % json.dumps(summary_line(r)))
                runs[i].append(r)
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
    finally:
        duts.cleanup(log=log)
    results = [merge_runs(rs) for rs in runs if rs]
    info = machine_info()
    if commit:
        info["commit"] = commit
    info["duration_s"] = round(time.time() - t_start)
    impls = sorted({r["sink_impl"] for r in results if "sink_impl" in r})
    if impls:
        info["sink"] = ", ".join({"c": "benchsink (C, %s)" % benchsink_binary(),
                                  "python": "speaker.py (Python)"}[i] for i in impls)
    info["load average before the run"] = load_before
    with open("/proc/loadavg") as f:
        info["load average after the run"] = " ".join(f.read().split()[:3])
    if loads:
        info["load average during the run"] = (
            "%.2f–%.2f (1 min, at the start of each of %d scenarios; %d CPUs)"
            % (min(loads), max(loads), len(loads), os.cpu_count() or 0))
    if args.note:
        info["note"] = args.note
    cmd = "tests/bench/run " + " ".join(argv if argv is not None else sys.argv[1:])
    with open(os.path.join(workdir, "results.json"), "w") as f:
        json.dump({"machine": info, "command": cmd, "results": results}, f, indent=1)
    import report
    only = [b for b, flag in (("policy", args.policy_only), ("aggregate", args.aggregate_only),
                              ("failover", args.failover_only), ("fiback", args.fiback_only))
            if flag]
    blocks = {b: report.BLOCKS[b][1](results, info, cmd.strip()) for b in only}
    if only:
        text = "\n".join(blocks[b] for b in only)
    else:
        text = report.render(results, info, cmd.strip(), args)
    if args.out:
        try:
            with open(args.out) as f:
                old = f.read()
        except OSError:
            old = ""
        if only:
            # Only this run's blocks change; the rest of the file stays.
            text = old
            for b in only:
                text = report.replace_block(text, b, blocks[b])
        else:
            # Keep the blocks of benchmarks this run has not run, and the
            # fabric benchmark's block (tests/bench/fabric writes it).
            for b, (kind, _) in report.BLOCKS.items():
                if not any(r["kind"] == kind for r in results):
                    text = report.replace_block(text, b, report.block(old, b))
            block = report.block(old, "fabric")
            if block:
                text = text.rstrip("\n") + "\n\n" + block + "\n"
        with open(args.out, "w") as f:
            f.write(text)
        log("report written to %s" % args.out)
    else:
        sys.stdout.write(text)
    log("logs, configs and results.json in %s" % workdir)
    return 0


def _median(vals):
    v = sorted(vals)
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def merge_runs(rs):
    """One result from a scenario's rounds: every number is the median over
    the rounds that have it (per field, so one slow round moves no column);
    other fields and the first error come from the first round that has no
    error (the first round if all have one)."""
    base = next((r for r in rs if not r.get("error")), rs[0])
    out = copy.deepcopy(base)
    for k, v in base.items():
        if _num(v):
            out[k] = _median([r[k] for r in rs if _num(r.get(k))])
        elif isinstance(v, dict):
            for kk, vv in v.items():
                if _num(vv):
                    out[k][kk] = _median([r[k][kk] for r in rs
                                          if isinstance(r.get(k), dict) and _num(r[k].get(kk))])
    for r in rs:
        if r.get("error") and not out.get("error"):
            out["error"] = r["error"]
    out["rounds"] = len(rs)
    out["rounds_sink"] = [(r.get("announce") or {}).get("sink") for r in rs]
    if rs[0].get("kind") == "agg":
        out["rounds_bursts"] = [[(r.get(ph) or {}).get("sink") for ph in AGG_BURSTS] for r in rs]
        out["rounds_cpu"] = [r.get("cpu_total") for r in rs]
        out["rounds_cpu_exec"] = [r.get("cpu_exec_total") for r in rs]
    if rs[0].get("kind") == "fiback":
        out["rounds_detail"] = [{"round": r.get("round"),
                                 "sink": (r.get("announce") or {}).get("sink"),
                                 "kernel": (r.get("announce") or {}).get("kernel"),
                                 "cpu": r.get("cpu_announce"),
                                 "cpu_exec": r.get("cpu_exec_announce"),
                                 "kernel_at_sink": (r.get("announce") or {}).get("kernel_at_sink"),
                                 "ok": (r.get("check") or {}).get("ok"),
                                 "problems": (r.get("check") or {}).get("problems"),
                                 "error": r.get("error")} for r in rs]
        out["check_ok_rounds"] = sum(1 for r in rs if (r.get("check") or {}).get("ok"))
        if isinstance(out.get("check"), dict):
            out["check"]["ok"] = all((r.get("check") or {}).get("ok") for r in rs)
            out["check"]["problems"] = ["round %s: %s" % (r.get("round"), p)
                                        for r in rs for p in (r.get("check") or {}).get(
                                            "problems", ["not checked"])]
    out.pop("round", None)
    if rs[0].get("kind") == "failover":
        out["rounds_failover"] = [dict(r.get("failover") or {}, error=r.get("error"))
                                  for r in rs]
    return out


def summary_line(r):
    out = {"dut": r["dut"], "kind": r["kind"]}
    if "policy" in r:
        out["policy"] = r["policy"]
    if "aggregate" in r:
        out["aggregate"] = r["aggregate"]
    if "fiback" in r:
        out["fiback"] = r["fiback"]
    if "failover" in r:
        out.update({k: round(v, 4) if isinstance(v, float) else v
                    for k, v in r["failover"].items()})
        out["after"] = r.get("kernel_after")
    for ph in AGG_BURSTS:
        p = r.get(ph) or {}
        for k in ("sink", "sink_agg", "kernel", "dut_quiet", "error"):
            if k in p:
                out["%s_%s" % (ph[:3], k)] = round(p[k], 3) if isinstance(p[k], float) else p[k]
    for k in ("rss_peak_kb", "cpu_announce", "error"):
        if k in r:
            out[k] = r[k]
    if "check" in r:
        out["check"] = {k: v for k, v in r["check"].items() if k != "ok"}
    return out


if __name__ == "__main__":
    sys.exit(main())
