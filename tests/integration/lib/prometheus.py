"""A Prometheus server (Debian package `prometheus`) inside a namespace.

Started by PID with a scrape config and its TSDB in the test's directory,
--web.listen-address on the namespace's 127.0.0.1, stopped by PID. The
namespace's loopback is private, so every HTTP request (its API, or a
target's /metrics) is made from inside the namespace by a short python3
run with `ip netns exec` (`http_get`).
"""
import json
import os
import subprocess
import sys
import urllib.parse

from . import netns
from .poll import wait_until

BINARY = os.environ.get("PROMETHEUS", "/usr/bin/prometheus")
PROMTOOL = os.environ.get("PROMTOOL", "/usr/bin/promtool")

# Prints {"status", "headers", "body"} of one GET (or another method); an
# HTTP error status is an answer too. A refused connection exits 3.
_FETCH = r"""
import json, sys, urllib.error, urllib.request
url, method = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, method=method, data=b"x" if method == "POST" else None)
try:
    r = urllib.request.urlopen(req, timeout=5)
    status, headers, body = r.status, dict(r.headers), r.read()
except urllib.error.HTTPError as e:
    status, headers, body = e.code, dict(e.headers), e.read()
except (urllib.error.URLError, OSError) as e:
    print(e, file=sys.stderr)
    sys.exit(3)
json.dump({"status": status, "headers": headers, "body": body.decode()}, sys.stdout)
"""


class PromError(RuntimeError):
    pass


def available():
    return os.access(BINARY, os.X_OK)


def http_get(ns, url, method="GET", timeout=15):
    """(status, headers, body) of url fetched inside ns; None when the
    connection is refused or fails."""
    res = ns.run([sys.executable, "-c", _FETCH, url, method], timeout=timeout, check=False)
    if res.returncode != 0:
        return None
    d = json.loads(res.stdout)
    return d["status"], d["headers"], d["body"]


def check_metrics(text):
    """`promtool check metrics` on an exposition: (ok, its output)."""
    res = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                         text=True, timeout=30)
    return res.returncode == 0, (res.stdout + res.stderr).strip()


class Prometheus:
    """One Prometheus scraping `targets` ("host:port") as job `job`."""

    def __init__(self, ns, workdir, targets, job, listen="127.0.0.1:9090", interval="1s",
                 name=None):
        self.ns = ns
        self.name = name or ns.name
        self.listen = listen
        self.dir = os.path.join(workdir, "prometheus-" + self.name)
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.conf = os.path.join(self.dir, "prometheus.yml")
        self.log = os.path.join(self.dir, "prometheus.log")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write("global:\n"
                    "  scrape_interval: %s\n"
                    "  scrape_timeout: %s\n"
                    "  evaluation_interval: %s\n"
                    "scrape_configs:\n"
                    "  - job_name: %s\n"
                    "    static_configs:\n"
                    "      - targets: [%s]\n"
                    % (interval, interval, interval, job,
                       ", ".join("'%s'" % t for t in targets)))

    def logs(self):
        return [self.log, self.conf]

    def start(self, timeout=60):
        argv = [BINARY, "--config.file=" + self.conf, "--storage.tsdb.path=" + self.data,
                "--web.listen-address=" + self.listen, "--log.level=info"]
        self.proc = self.ns.popen(argv, self.log)
        wait_until(self._ready, timeout, "prometheus %s ready" % self.name, interval=0.5)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise PromError("prometheus %s exited with %s (see %s)"
                            % (self.name, self.proc.returncode, self.log))
        r = http_get(self.ns, "http://%s/-/ready" % self.listen)
        return r is not None and r[0] == 200

    def stop(self):
        return netns.stop_process(self.proc)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def api(self, path, **params):
        url = "http://%s/api/v1/%s" % (self.listen, path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        r = http_get(self.ns, url)
        if r is None or r[0] != 200:
            raise PromError("GET %s: %s" % (url, r))
        d = json.loads(r[2])
        if d.get("status") != "success":
            raise PromError("GET %s: %s" % (url, d))
        return d["data"]

    def query(self, expr):
        """Instant query: [(labels without __name__, float value)]."""
        out = []
        for s in self.api("query", query=expr)["result"]:
            labels = {k: v for k, v in s["metric"].items() if k != "__name__"}
            out.append((labels, float(s["value"][1])))
        return out

    def value(self, expr):
        """The value of a query that selects one series (None if none)."""
        res = self.query(expr)
        if len(res) > 1:
            raise PromError("%s: %d series" % (expr, len(res)))
        return res[0][1] if res else None

    def targets(self):
        return self.api("targets")["activeTargets"]
