"""Network namespaces, veth links and processes inside them.

Every namespace is named clos-it-<short>-<node> (clos-demo-<node> for the
demo) and is deleted by whoever created it. Nothing here touches the root
namespace's routes, addresses or sysctls: veth pairs are created directly
inside their namespaces, sysctls are written with `ip netns exec`.

Every namespace is registered with lib.cleanup as soon as it is created, so
that a run that is interrupted or whose teardown fails still removes it at
exit; delete_namespace() checks that the name is really gone and raises
CommandError if it is not (a failed `ip netns delete` used to pass
silently).
"""
import os
import re
import signal
import subprocess
import time

from . import cleanup

NS_PREFIX = "clos-it-"
NETNS_DIR = "/run/netns"
_OWNER_RE = re.compile(r"^clos-it-p(\d+)t\d+-")


class CommandError(RuntimeError):
    """A command run in a namespace failed."""


def _run(argv, timeout=15, check=True, input=None):
    try:
        res = subprocess.run(argv, capture_output=True, text=True,
                             timeout=timeout, input=input)
    except subprocess.TimeoutExpired as exc:
        raise CommandError("timeout after %ss: %s" % (timeout, " ".join(argv))) from exc
    if check and res.returncode != 0:
        raise CommandError("%s -> exit %d: %s" % (" ".join(argv), res.returncode,
                                                   (res.stderr or res.stdout).strip()))
    return res


def _try(argv, timeout=15):
    """Run argv; None instead of an exception when it cannot run in time."""
    try:
        return _run(argv, timeout=timeout, check=False)
    except CommandError:
        return None


def list_namespaces():
    res = _run(["ip", "-j", "netns", "list"], check=False)
    names = []
    if res.returncode == 0 and res.stdout.strip():
        import json
        names = [e["name"] for e in json.loads(res.stdout)]
    return names


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_pid(pid, timeout=5.0):
    """SIGTERM one process by PID, SIGKILL it if it outlives `timeout`."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.05) + 1):
        if not _pid_alive(pid) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if _pid_alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def ns_exists(name):
    return os.path.lexists(os.path.join(NETNS_DIR, name))


def delete_namespace(name, attempts=3):
    """Stop the processes still inside `name` (by PID), then delete it.

    Raises CommandError if the name is still there after `attempts` tries
    (a timeout of one command does not stop the others)."""
    why = ""
    for attempt in range(attempts):
        res = _try(["ip", "netns", "pids", name])
        for tok in (res.stdout.split() if res else []):
            if tok.isdigit():
                kill_pid(int(tok), timeout=3.0)
        res = _try(["ip", "netns", "delete", name])
        if not ns_exists(name):
            return
        why = (res.stderr or res.stdout).strip() if res else "timeout"
        time.sleep(0.2 * (attempt + 1))
    raise CommandError("namespace %s not deleted: %s" % (name, why))


def _start_time(pid):
    """Start time of a process (seconds since the epoch), None if unknown."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            btime = next(int(l.split()[1]) for l in f if l.startswith("btime "))
        return btime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _owner_alive(pid, name):
    """True if the process that made namespace `name` still runs.

    A live PID is not enough: PIDs are reused, and /run/netns may outlive a
    reboot (a stale entry then has no process at all). A process that
    started after the namespace was made is not its owner."""
    if pid == os.getpid() or not _pid_alive(pid):
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmdline = f.read()
        if b"python" not in cmdline and b"pytest" not in cmdline:
            return False    # the owner is a Python test process
    except OSError:
        return False
    start = _start_time(pid)
    try:
        made = os.stat(os.path.join(NETNS_DIR, name)).st_mtime
    except OSError:
        return False
    return start is None or start <= made + 5.0


def cleanup_leftovers(prefix=NS_PREFIX, log=print):
    """Delete clos-it-* namespaces left by a crashed run.

    Names carry the PID of the pytest process that made them
    (clos-it-p<PID>t<N>-<node>); namespaces of a run that is still alive
    (someone else's concurrent run) are left alone.
    """
    removed = []
    for name in list_namespaces():
        if not name.startswith(prefix):
            continue
        m = _OWNER_RE.match(name)
        if m and _owner_alive(int(m.group(1)), name):
            continue
        try:
            delete_namespace(name)
        except CommandError as exc:
            log("closbgp-it: %s" % exc)
            continue
        removed.append(name)
    if removed:
        log("closbgp-it: removed leftover namespaces: %s" % " ".join(removed))
    return removed


class Namespace:
    """One network namespace (a node of a topology)."""

    def __init__(self, name):
        self.name = name
        self.created = False
        self._undo = None

    def create(self):
        if ns_exists(self.name):
            raise CommandError("namespace %s exists already" % self.name)
        # registered before `ip netns add`: an interrupt half-way through
        # (the file made, the mount not) is undone too
        self.created = True
        self._undo = cleanup.register("namespace " + self.name, self.delete)
        _run(["ip", "netns", "add", self.name])
        self.ip("link", "set", "lo", "up")
        # Forwarding and no DAD delays: only inside this namespace.
        for key, val in (("net.ipv4.ip_forward", "1"),
                         ("net.ipv6.conf.all.forwarding", "1"),
                         ("net.ipv6.conf.default.accept_dad", "0"),
                         ("net.ipv6.conf.all.accept_dad", "0")):
            self.sysctl(key, val)
        return self

    def delete(self):
        """Delete the namespace (processes inside stopped by PID); raises
        CommandError if it cannot be removed."""
        if self.created:
            delete_namespace(self.name)
            self.created = False
        cleanup.unregister(self._undo)

    def exec_argv(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)

    def run(self, argv, timeout=15, check=True, input=None):
        """Run a command inside the namespace; returns CompletedProcess."""
        return _run(self.exec_argv(argv), timeout=timeout, check=check, input=input)

    def ip(self, *args, check=True):
        return _run(["ip", "-n", self.name] + list(args), check=check)

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", "%s=%s" % (key, value)])

    def popen(self, argv, logfile, env=None):
        """Start a long-running process in the namespace.

        `ip netns exec` execs the command, so the Popen PID is the daemon's.
        stdout and stderr go to `logfile`.
        """
        log = open(logfile, "ab")
        try:
            return subprocess.Popen(self.exec_argv(argv), stdout=log,
                                    stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env,
                                    start_new_session=True)
        finally:
            log.close()

    def link_set(self, ifname, up):
        self.ip("link", "set", "dev", ifname, "up" if up else "down")

    def link_state(self, ifname):
        import json
        out = self.ip("-j", "link", "show", "dev", ifname).stdout
        return json.loads(out)[0].get("operstate")

    def __repr__(self):
        return "Namespace(%s)" % self.name


class Link:
    """A veth pair between two namespaces, with v4/v6 addresses per end."""

    def __init__(self, ns_a, if_a, ns_b, if_b):
        self.ends = ((ns_a, if_a), (ns_b, if_b))

    def create(self, v4=None, v6=None):
        """v4/v6: (addr_a, addr_b) in CIDR notation, or None."""
        (na, ia), (nb, ib) = self.ends
        _run(["ip", "link", "add", "name", ia, "netns", na.name, "type", "veth",
              "peer", "name", ib, "netns", nb.name])
        for pair, extra in ((v4, []), (v6, ["nodad"])):
            if not pair:
                continue
            na.ip("addr", "add", pair[0], "dev", ia, *extra)
            nb.ip("addr", "add", pair[1], "dev", ib, *extra)
        na.link_set(ia, True)
        nb.link_set(ib, True)
        return self

    def set_up(self, side, up):
        """side: 0 (first namespace) or 1 (second)."""
        ns, ifname = self.ends[side]
        ns.link_set(ifname, up)


def wait_process_exit(proc, timeout):
    """Wait for a Popen to exit; return its code or None if still running."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def stop_process(proc, timeout=10.0, sig=signal.SIGTERM):
    """Signal a Popen by PID, wait, SIGKILL if needed; return the exit code."""
    if proc is None:
        return None
    if proc.poll() is not None:
        return proc.returncode
    try:
        os.kill(proc.pid, sig)
    except ProcessLookupError:
        pass
    code = wait_process_exit(proc, timeout)
    if code is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        code = wait_process_exit(proc, 5.0)
    return code
