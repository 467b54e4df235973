"""pytest fixtures for the closbgp integration tests.

- At session start: namespaces clos-it-* left by a crashed run are removed
  (their processes stopped by PID).
- `topo_factory` (function scope) / `module_topo_factory` (module scope)
  build Topology objects that are torn down by a finalizer, also on failure.
- Interrupted runs clean up too (lib/cleanup.py): SIGTERM/SIGHUP become
  KeyboardInterrupt, after which pytest runs every finalizer as on Ctrl-C,
  and what no finalizer removed is removed at exit. At the end of the
  session, a namespace of this run that is still there fails the run.
- Logs live under one directory per session (printed at the end); when a
  test fails, the tails of the logs of every live topology are attached to
  its report.
- Tests marked `closbgp` FAIL when closbgpd/closctl are not built (skip
  with CLOSBGP_ALLOW_MISSING=1); fixtures check closbgp.available() first.
"""
import os
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from lib import cleanup, closbgp, netns, report, topo  # noqa: E402

_LOGROOT = {}
cleanup.install()


def pytest_configure(config):
    config.addinivalue_line("markers", "closbgp: needs the closbgpd/closctl binaries")


def _need_root():
    if os.geteuid() != 0:
        pytest.exit("closbgp integration tests need root (network namespaces)", 2)


@pytest.fixture(scope="session")
def logroot():
    _need_root()
    netns.cleanup_leftovers()
    base = os.environ.get("CLOSBGP_IT_LOGDIR")
    if base:
        os.makedirs(base, exist_ok=True)
    d = tempfile.mkdtemp(prefix="closbgp-it-", dir=base)
    _LOGROOT["dir"] = d
    yield d
    # every factory's finalizer has run: nothing of this run may be left
    mine = "%sp%dt" % (netns.NS_PREFIX, os.getpid())
    left = [n for n in netns.list_namespaces() if n.startswith(mine)]
    for name in left:
        try:
            netns.delete_namespace(name)
        except netns.CommandError:
            pass
    if left:
        pytest.fail("namespaces left behind by the fixtures: %s" % " ".join(left),
                    pytrace=False)


def pytest_terminal_summary(terminalreporter):
    for text in report.NOTES:
        terminalreporter.write_line("closbgp-it MEASURED: " + text)
    if "dir" in _LOGROOT:
        terminalreporter.write_line("closbgp-it: daemon logs and configs in %s" % _LOGROOT["dir"])


def _factory(request, logroot):
    made = []

    def make(name=None):
        t = topo.Topology(name or request.node.name, logroot)
        made.append(t)
        return t

    def fin():
        errors = []
        for t in made:      # every topology, even if one fails to stop
            try:
                t.stop()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(str(exc))
        if errors:
            raise netns.CommandError("; ".join(errors))
    request.addfinalizer(fin)
    return make


@pytest.fixture
def topo_factory(request, logroot):
    return _factory(request, logroot)


@pytest.fixture(scope="module")
def module_topo_factory(request, logroot):
    return _factory(request, logroot)


def _missing_msg():
    missing = closbgp.missing_binaries()
    if not missing:
        return None
    return ("closbgp binaries not built: %s (build them, or set CLOSBGP_BUILD to "
            "the build directory)" % ", ".join(missing))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Tests marked `closbgp` need the binaries. With CLOSBGP_ALLOW_MISSING=1
    # they skip; otherwise their fixtures see closbgp.available() == False
    # (and build nothing) and the test FAILS in pytest_runtest_call.
    if item.get_closest_marker("closbgp") and _missing_msg() \
            and os.environ.get("CLOSBGP_ALLOW_MISSING") == "1":
        pytest.skip(_missing_msg())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    if item.get_closest_marker("closbgp"):
        msg = _missing_msg()
        if msg:
            pytest.fail(msg, pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and topo.LIVE:
        for t in topo.LIVE:
            rep.sections.append(("closbgp-it logs: %s" % t.name, t.log_tails()))
