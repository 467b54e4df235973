"""Polling helpers: wait for a condition on JSON state instead of sleeping.

Modelled on FRR topotests' run_and_expect/json_cmp: a condition is a function
that returns a truthy value when satisfied; the last value (or exception) seen
is reported when the deadline passes, so a failure says what was observed.
"""
import json
import time


class WaitTimeout(AssertionError):
    """A condition did not hold before its deadline."""


def wait_until(fn, timeout, what, interval=0.2):
    """Call fn() until it returns a truthy value; return that value.

    Exceptions raised by fn count as "not yet" (the daemon may still be
    starting); the last value or exception is included in the error.
    The loop is bounded by time and by count (timeout / interval + 1).
    """
    deadline = time.monotonic() + timeout
    max_tries = int(timeout / interval) + 2
    last = None
    for _ in range(max_tries):
        try:
            last = fn()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - reported below
            last = exc
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise WaitTimeout("timed out after %.1fs waiting for %s; last seen: %s"
                      % (timeout, what, _short(last)))


def _short(value, limit=2000):
    if isinstance(value, Exception):
        text = "%s: %s" % (type(value).__name__, value)
    else:
        try:
            text = json.dumps(value, sort_keys=True)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...(truncated)"


def json_subset_diff(expected, actual, path=""):
    """Return None if `expected` is a subset of `actual`, else a description.

    Dicts: every expected key must exist and match recursively. Lists: every
    expected element must match some actual element (order-insensitive).
    A value of None in `expected` means "this key must be absent".
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return "%s: expected object, got %s" % (path or "/", _short(actual, 200))
        for key, exp in expected.items():
            sub = "%s/%s" % (path, key)
            if exp is None:
                if key in actual:
                    return "%s: expected absent, got %s" % (sub, _short(actual[key], 200))
                continue
            if key not in actual:
                return "%s: missing" % sub
            diff = json_subset_diff(exp, actual[key], sub)
            if diff:
                return diff
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return "%s: expected list, got %s" % (path or "/", _short(actual, 200))
        for i, exp in enumerate(expected):
            if not any(json_subset_diff(exp, act, path) is None for act in actual):
                return "%s[%d]: no element matches %s" % (path, i, _short(exp, 200))
        return None
    if expected != actual:
        return "%s: expected %r, got %r" % (path or "/", expected, actual)
    return None


def wait_json(fn, expected, timeout, what, interval=0.2):
    """Poll fn() (returning parsed JSON) until `expected` is a subset of it."""
    state = {"diff": None}

    def check():
        actual = fn()
        state["diff"] = json_subset_diff(expected, actual)
        return actual if state["diff"] is None else None

    try:
        return wait_until(check, timeout, what, interval)
    except WaitTimeout as exc:
        raise WaitTimeout("%s; mismatch: %s" % (exc, state["diff"])) from None
