"""The run of closbgpd against Python feeders in two namespaces, shared by
tests/soak/soak.py and tests/load/load.py.

Run holds what both do: the work directory, the namespaces
clos-<NAME>-p<PID>-dut and -feed with one veth link per session, closbgpd
started in the DUT namespace with a known PID, feeder processes
(tests/lib/bgpfeed.py) in the feeder namespace with their JSON events read
by a thread, polling with a timeout, `closctl --json`, /proc samples of
closbgpd, the checks and the Markdown summary's frame, and the teardown
(feeders, closbgpd, namespaces; also on Ctrl-C, SIGTERM and SIGHUP through
tests/integration/lib/cleanup.py). execute() is the common main(): leftovers
of crashed runs removed, the run, the teardown, the summary, the exit status.
"""
import datetime
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from lib import cleanup, netns  # noqa: E402


def build_dir():
    return os.path.abspath(os.environ.get("CLOSBGP_BUILD") or os.path.join(REPO, "build"))


def vm_status(pid):
    """(VmRSS, VmHWM) of a process in KiB."""
    rss = hwm = None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def cpu_seconds(pid):
    """User + system CPU time of a process."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


class Run:
    NAME = None               # "soak", "load": log prefix, clos-NAME-… namespaces, tests/NAME/run
    REMEMBERED = ()           # feeder events kept for a later wait_event

    def __init__(self, args):
        self.args = args
        self.workdir = args.workdir or tempfile.mkdtemp(prefix="clos-%s-" % self.NAME)
        os.makedirs(self.workdir, exist_ok=True)
        prefix = "clos-%s-p%d" % (self.NAME, os.getpid())
        self.dut = netns.Namespace(prefix + "-dut")
        self.feed = netns.Namespace(prefix + "-feed")
        self.daemon = None
        self.procs = {}           # feeder name -> Popen
        self.events = queue.Queue()
        self.seen = {}            # (feeder, event) -> the last one of REMEMBERED
        self.samples = []
        self.checks = []          # (name, ok, detail)
        self.notes = []
        b = build_dir()
        self.closbgpd = os.path.join(b, "bgpd", "closbgpd")
        self.closctl = os.path.join(b, "tools", "closctl")
        self.sock = os.path.join(self.workdir, "closbgpd.sock")

    def log(self, msg):
        log(self.NAME, msg)

    def path(self, name):
        return os.path.join(self.workdir, name)

    # -- set-up -------------------------------------------------------------
    def setup_topology(self, links):
        """Check the binaries, make both namespaces and link i (DUT f<i>,
        feeder d<i>) for each (v4 pair, v6 pair or None) of `links`.
        True if closbgpd is an AddressSanitizer build."""
        for p in (self.closbgpd, self.closctl):
            if not os.access(p, os.X_OK):
                raise RuntimeError("%s not built (set CLOSBGP_BUILD)" % p)
        with open(self.closbgpd, "rb") as f:
            sanitized = b"__asan_init" in f.read()
        self.dut.create()
        self.feed.create()
        for i, (v4, v6) in enumerate(links):
            netns.Link(self.dut, "f%d" % i, self.feed, "d%d" % i).create(v4=v4, v6=v6)
        return sanitized

    def start_daemon(self, config, env=None):
        """closbgpd in the DUT namespace; returns once its control socket answers."""
        conf = self.path("closbgpd.json")
        with open(conf, "w") as f:
            json.dump(config, f, indent=1)
        self.daemon_log = self.path("closbgpd.log")
        self.daemon = self.dut.popen([self.closbgpd, "-c", conf, "-s", self.sock,
                                      "--log-level", "notice"], self.daemon_log, env=env)
        self.pid = self.daemon.pid
        with open(self.path("closbgpd.pid"), "w") as f:
            f.write("%d\n" % self.pid)
        self.wait(lambda: self.alive() and os.path.exists(self.sock)
                  and self.ctl("show", "summary") is not None, 30, "closbgpd control socket")

    def start_feeder(self, name, script, spec, unlogged=()):
        """A feeder process in the feeder namespace: NAME.json (its spec),
        NAME.stderr, NAME.pid, NAME.events (its events but `unlogged`)."""
        path = self.path("%s.json" % name)
        with open(path, "w") as f:
            json.dump(spec, f, indent=1)
        err = open(self.path("%s.stderr" % name), "wb")
        p = subprocess.Popen(self.feed.exec_argv(["/usr/bin/python3", script, path]),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                             start_new_session=True)
        err.close()
        p.undo = cleanup.register("%s feeder %s" % (self.NAME, name),
                                  lambda: netns.stop_process(p, 5))
        self.procs[name] = p
        with open(self.path("%s.pid" % name), "w") as f:
            f.write("%d\n" % p.pid)
        evlog = open(self.path("%s.events" % name), "w")

        def reader():
            for line in p.stdout:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if ev.get("ev") not in unlogged:
                    evlog.write(line.decode(errors="replace"))
                    evlog.flush()
                ev["src"] = name
                self.events.put(ev)
            evlog.close()
        threading.Thread(target=reader, daemon=True).start()

    # -- feeders' commands and events -------------------------------------------
    def cmd(self, name, line):
        p = self.procs[name]
        p.stdin.write((line + "\n").encode())
        p.stdin.flush()

    def feeder_exited(self, name):
        code = self.procs[name].returncode
        if len(self.procs) == 1:
            return RuntimeError("feeder exited with %s" % code)
        return RuntimeError("feeder %s exited with %s" % (name, code))

    def wait_event(self, src, name, timeout):
        """The next event `name` of feeder `src` (or one REMEMBERED)."""
        if (src, name) in self.seen:
            return self.seen.pop((src, name))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self.events.get(timeout=max(0.05, min(1.0, deadline - time.monotonic())))
            except queue.Empty:
                if self.procs[src].poll() is not None:
                    raise self.feeder_exited(src)
                continue
            self.note_event(ev)
            if ev.get("ev") == name and ev.get("src") == src:
                return self.seen.pop((src, name), ev)
        raise RuntimeError("no %s event %r within %ss"
                           % ("feeder" if len(self.procs) == 1 else src, name, timeout))

    def note_event(self, ev):
        if ev.get("ev") in self.REMEMBERED:
            self.seen[(ev.get("src"), ev["ev"])] = ev

    def drain_events(self):
        for _ in range(100000):
            try:
                ev = self.events.get_nowait()
            except queue.Empty:
                return
            self.note_event(ev)

    # -- helpers ----------------------------------------------------------------
    def alive(self):
        if self.daemon.poll() is not None:
            raise RuntimeError("closbgpd exited with %s (see %s)"
                               % (self.daemon.returncode, self.daemon_log))
        return True

    def wait(self, fn, timeout, what):
        """Poll fn() every 0.2 s (feeder events drained) until true or timeout."""
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout / 0.2) + 10):
            self.drain_events()
            v = fn()
            if v:
                return v
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        raise RuntimeError("timeout (%ss) waiting for %s" % (timeout, what))

    def ctl(self, *args, timeout=60):
        """closctl --json ARGS, parsed; None on error or timeout."""
        try:
            res = subprocess.run([self.closctl, "-s", self.sock, "--json"] + list(args),
                                 capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if res.returncode != 0:
            return None
        return json.loads(res.stdout)

    # -- checks and summary -------------------------------------------------------
    def check(self, name, ok, detail):
        self.checks.append((name, bool(ok), detail))
        self.log("%s: %s (%s)" % ("PASS" if ok else "FAIL", name, detail))

    def passed(self):
        return bool(self.checks) and all(c[1] for c in self.checks)

    def md_head(self, title):
        """The summary's title (with PASS / FAIL), date and command lines."""
        return ["## %s: %s" % (title, "PASS" if self.passed() else "FAIL"), "",
                "- date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime(
                    "%Y-%m-%d %H:%M UTC"),
                "- command: `%s`" % " ".join(["tests/%s/run" % self.NAME] + sys.argv[1:])]

    def md_tail(self):
        """The checks table and the notes."""
        L = ["| check | result | detail |", "|---|---|---|"]
        L += ["| %s | %s | %s |" % (n, "pass" if o else "**FAIL**", d.replace("|", "/"))
              for n, o, d in self.checks]
        L += [""] + ["- note: %s" % n for n in self.notes]
        return "\n".join(L) + "\n"

    def write_summary(self, md):
        with open(self.path("summary.md"), "w") as f:
            f.write(md)
        sys.stdout.write(md)

    # -- teardown -------------------------------------------------------------------
    def daemon_stopped(self, code):
        """closbgpd's exit status at teardown (None: it did not exit)."""

    def teardown(self):
        with cleanup.shielded():
            for name, p in self.procs.items():
                try:
                    self.cmd(name, "quit")
                except (OSError, ValueError):
                    pass
                netns.stop_process(p, timeout=5)
                cleanup.unregister(p.undo)
            if self.daemon is not None:
                self.daemon_stopped(netns.stop_process(self.daemon, timeout=30))
            for ns in (self.feed, self.dut):
                try:
                    ns.delete()
                except netns.CommandError as exc:
                    self.log(str(exc))
                    self.check("namespace %s removed" % ns.name, False, str(exc))


def log(name, msg):
    sys.stderr.write("%s: %s\n" % (name, msg))
    sys.stderr.flush()


def cleanup_leftovers(name):
    """Delete clos-NAME-p<PID>-* namespaces whose run is gone (by PID)."""
    prefix = "clos-%s-" % name
    owner_re = re.compile(r"^clos-%s-p(\d+)-" % re.escape(name))
    for ns in netns.list_namespaces():
        if not ns.startswith(prefix):
            continue
        m = owner_re.match(ns)
        if m and int(m.group(1)) != os.getpid() and netns._owner_alive(int(m.group(1)), ns):
            continue
        try:
            netns.delete_namespace(ns)
            log(name, "removed leftover namespace %s" % ns)
        except netns.CommandError as exc:
            log(name, str(exc))


def require_root(name):
    if os.geteuid() != 0:
        sys.exit("%s: needs root (network namespaces)" % name)


def execute(cls, args):
    """main() of a run: returns the exit status (0: every check passed)."""
    cleanup.install()
    cleanup_leftovers(cls.NAME)
    run = cls(args)
    try:
        run.run()
    except KeyboardInterrupt:
        run.check("run completed", False, "interrupted")
    except Exception as exc:  # noqa: BLE001 - reported, then cleaned up
        run.check("run completed", False, "%s: %s" % (type(exc).__name__, exc))
        tail = ""
        if run.daemon is not None:
            try:
                with open(run.daemon_log, errors="replace") as f:
                    tail = "".join(f.readlines()[-15:])
            except OSError:
                pass
        if tail:
            run.log("closbgpd.log tail:\n" + tail)
    finally:
        run.teardown()
    run.write()
    return 0 if run.passed() else 1
