"""Cleanup that survives failing and interrupted test runs.

Every test process that creates namespaces (tests/integration,
tests/closlab, tests/fabric, tests/topo/test_lab_frr.py) calls install()
once. Then:

- SIGTERM and SIGHUP raise KeyboardInterrupt in the main thread, as Ctrl-C
  does, so pytest tears every fixture down (its finalizers also run after
  a KeyboardInterrupt). Python's default SIGTERM ends the process at once,
  which left every namespace and daemon of the run behind.
- Only the first signal interrupts: a teardown is not cut in half by a
  second Ctrl-C/SIGTERM (it is ignored, with a message; the third one goes
  through, for a teardown that hangs). A first signal that arrives while a
  teardown runs under `shielded()` is held until that teardown ends.
- At exit (atexit) whatever is still registered is undone, newest first:
  a fixture whose finalizer never ran (pytest.exit, an exception out of
  another teardown, an interrupt between creation and registration).

Whatever creates something registers its undo with register() and calls
unregister() once it has undone it itself. Only SIGKILL (or os._exit)
skips all of this; then the next session's netns.cleanup_leftovers()
removes the namespaces of the dead run.
"""
import atexit
import itertools
import os
import signal
import sys
import threading

_ACTIONS = {}          # token -> (what, fn)
_tokens = itertools.count(1)
_state = {"owner": None, "shield": 0, "signals": 0, "pending": False}


def register(what, fn):
    """Remember fn() as the undo of `what`; returns a token for unregister."""
    token = next(_tokens)
    _ACTIONS[token] = (what, fn)
    return token


def unregister(token):
    _ACTIONS.pop(token, None)


def registered():
    """Descriptions of what is still to undo, oldest first."""
    return [_ACTIONS[t][0] for t in sorted(_ACTIONS)]


class shielded:
    """Hold Ctrl-C/SIGTERM/SIGHUP while a teardown runs; re-raise after."""

    def __enter__(self):
        _state["shield"] += 1
        return self

    def __exit__(self, etype, exc, tb):
        _state["shield"] -= 1
        if _state["shield"] == 0 and _state["pending"]:
            _state["pending"] = False
            if etype is None:
                raise KeyboardInterrupt("signal held during a teardown")
        return False


def _on_signal(signum, frame):
    _state["signals"] += 1
    n = _state["signals"]
    if n == 1 and _state["shield"]:
        _state["pending"] = True
    elif n == 1 or n >= 3:
        raise KeyboardInterrupt("signal %d" % signum)
    sys.stderr.write("\nclosbgp-tests: signal %d: cleaning up, please wait "
                     "(a third signal stops the cleanup)\n" % signum)


def run_all(log=None):
    """Undo everything still registered, newest first; never raises."""
    if _state["owner"] not in (None, os.getpid()):
        return []      # a forked child: the parent owns these
    log = log or (lambda msg: sys.stderr.write(msg + "\n"))
    done = []
    with shielded():
        while _ACTIONS:
            token = max(_ACTIONS)
            what, fn = _ACTIONS.pop(token)
            try:
                fn()
                done.append(what)
            except Exception as exc:  # noqa: BLE001 - keep undoing the rest
                log("closbgp-tests: cleanup of %s failed: %s" % (what, exc))
    if done:
        log("closbgp-tests: removed at exit: %s" % ", ".join(done))
    return done


def _at_exit():
    # the shield's held signal has nowhere to go at exit
    try:
        run_all()
    except KeyboardInterrupt:
        pass


def install():
    """Signal handlers and the atexit hook; idempotent, main thread only."""
    if _state["owner"] == os.getpid():
        return
    if threading.current_thread() is not threading.main_thread():
        return
    _state["owner"] = os.getpid()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _on_signal)
    atexit.register(_at_exit)
