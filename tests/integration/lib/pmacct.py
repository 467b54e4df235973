"""pmacct's BMP collector `pmbmpd` (Debian package `pmacct`) in a namespace.

Started by PID in the foreground with a config in the test's directory:
it listens on `bmp_daemon_ip`:`bmp_daemon_port` and writes every BMP
message it decodes as one JSON object per line to its message log
(`bmp_daemon_msglog_file`, `bmp_daemon_msglog_output: json`), which the
tests read (`messages`). Stopped by PID.
"""
import json
import os
import signal

from . import netns
from .poll import wait_until

BINARY = os.environ.get("PMBMPD", "/usr/sbin/pmbmpd")


class PmacctError(RuntimeError):
    pass


def available():
    return os.access(BINARY, os.X_OK)


class Pmbmpd:
    def __init__(self, ns, workdir, ip, port=1790, name=None):
        self.ns = ns
        self.name = name or ns.name
        self.ip, self.port = ip, port
        self.dir = os.path.join(workdir, "pmbmpd-" + self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "pmbmpd.conf")
        self.log = os.path.join(self.dir, "pmbmpd.log")
        self.msglog = os.path.join(self.dir, "bmp-msglog.json")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write("daemonize: false\n"
                    "logfile: %s\n"
                    "bmp_daemon_ip: %s\n"
                    "bmp_daemon_port: %d\n"
                    "bmp_daemon_msglog_file: %s\n"
                    "bmp_daemon_msglog_output: json\n"
                    % (self.log + ".daemon", ip, port, self.msglog))

    def logs(self):
        return [self.log, self.log + ".daemon", self.conf, self.msglog]

    def start(self, timeout=20):
        self.proc = self.ns.popen([BINARY, "-f", self.conf], self.log)
        wait_until(self._ready, timeout, "pmbmpd %s listening on %s port %d"
                   % (self.name, self.ip, self.port))
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise PmacctError("pmbmpd %s exited with %s (see %s)"
                              % (self.name, self.proc.returncode, self.log))
        out = self.ns.run(["ss", "-Htln", "sport = :%d" % self.port], check=False).stdout
        return bool(out.strip())

    def stop(self):
        if self.proc is None:
            return None
        # SIGINT is pmacct's clean exit; after a collector Termination it
        # may not act on SIGTERM (stop_process then kills it after 10 s)
        return netns.stop_process(self.proc, sig=signal.SIGINT)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def messages(self, msg_type=None):
        """Every JSON object of the message log (of one bmp_msg_type)."""
        out = []
        try:
            with open(self.msglog, errors="replace") as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        m = json.loads(line)
                    except ValueError:
                        continue    # a line being written
                    if msg_type is None or m.get("bmp_msg_type") == msg_type:
                        out.append(m)
        except OSError:
            pass
        return out
