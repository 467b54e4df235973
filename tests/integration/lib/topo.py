"""A small topology: namespaces joined by veth links, daemons inside them.

    t = Topology("frr-routes", logroot)
    a, b = t.add_node("clos"), t.add_node("frr")
    t.add_link(a, b, v4=("10.0.0.1/30", "10.0.0.2/30"))
    clos = t.closbgpd(a, config)      # started; stopped by t.stop()
    frr = t.frr(b, frr_conf)
    ...
    t.stop()                          # daemons by PID, then namespaces

Every live Topology is registered so that conftest can attach the tails of
its logs to the report of a failing test, and with lib.cleanup, so that it
is stopped at exit if no finalizer did it. stop() is shielded from Ctrl-C
and SIGTERM, goes on past a failing step and raises at the end if a
namespace could not be deleted.
"""
import itertools
import os
import re

from . import cleanup, netns
from .bird import Bird
from .closbgp import Closbgpd
from .frr import Frr
from .gobgp import Gobgp

LIVE = []
_counter = itertools.count(1)


def _slug(text, n=12):
    return re.sub(r"[^a-z0-9]", "", text.lower())[:n] or "t"


class Topology:
    def __init__(self, name, logroot, ns_prefix=None):
        self.name = name
        self.short = "p%dt%d" % (os.getpid(), next(_counter))
        self.ns_prefix = ns_prefix or "%s%s-" % (netns.NS_PREFIX, self.short)
        self.dir = os.path.join(logroot, "%s-%s" % (_slug(name, 40), self.short))
        os.makedirs(self.dir, exist_ok=True)
        self.nodes = {}
        self.links = []
        self.daemons = []
        LIVE.append(self)
        self._undo = cleanup.register("topology " + self.short, self.stop)

    def add_node(self, node):
        ns = netns.Namespace(self.ns_prefix + _slug(node))
        self.nodes[node] = ns      # registered first: stop() deletes it even if
        ns.create()                # create() fails half-way
        return ns

    def add_link(self, ns_a, ns_b, v4=None, v6=None, if_a=None, if_b=None):
        """veth between two namespaces; default names eth-<peer node>."""
        def short(ns):
            return ns.name[len(self.ns_prefix):]
        if_a = if_a or ("e-" + short(ns_b))[:15]
        if_b = if_b or ("e-" + short(ns_a))[:15]
        link = netns.Link(ns_a, if_a, ns_b, if_b).create(v4=v4, v6=v6)
        self.links.append(link)
        return link

    def _daemon(self, d, start):
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def closbgpd(self, ns, config, start=True, **kw):
        return self._daemon(Closbgpd(ns, self.dir, config, **kw), start)

    def frr(self, ns, config, start=True):
        return self._daemon(Frr(ns, self.dir, config), start)

    def bird(self, ns, config, start=True):
        return self._daemon(Bird(ns, self.dir, config), start)

    def gobgp(self, ns, config, start=True):
        return self._daemon(Gobgp(ns, self.dir, config), start)

    def log_files(self):
        files = []
        for d in self.daemons:
            files += [f for f in d.logs() if os.path.exists(f)]
        return files

    def log_tails(self, lines=40):
        out = ["logs of topology %s in %s" % (self.name, self.dir)]
        for f in self.log_files():
            if f.endswith((".conf", ".json", ".toml")):
                continue
            try:
                with open(f, errors="replace") as fh:
                    tail = fh.read().splitlines()[-lines:]
            except OSError:
                continue
            out.append("---- %s (last %d lines)" % (f, len(tail)))
            out += tail
        return "\n".join(out)

    def stop(self):
        """Stop every daemon by PID, then delete the namespaces (the
        processes still inside them are stopped by PID too). Every step is
        tried; CommandError at the end names the namespaces left."""
        errors = []
        with cleanup.shielded():
            for d in reversed(self.daemons):
                try:
                    d.stop()
                except Exception:  # noqa: BLE001 - its namespace's pids go next
                    pass
            for ns in self.nodes.values():
                try:
                    ns.delete()
                except Exception as exc:  # noqa: BLE001 - delete the others
                    errors.append(str(exc))
            if self in LIVE:
                LIVE.remove(self)
            cleanup.unregister(self._undo)
        if errors:
            raise netns.CommandError("topology %s: %s" % (self.name, "; ".join(errors)))
