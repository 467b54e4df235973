"""pytest glue for the end-to-end fabric tests: the measured numbers are
printed in the terminal summary as "closbgp-fabric MEASURED: ..." lines.
SIGTERM/SIGHUP end the run like Ctrl-C, so every lab is destroyed by its
fixture, and a lab that no fixture destroyed is destroyed at exit
(tests/integration/lib/cleanup.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fablib  # noqa: E402

fablib.cleanup.install()


def pytest_configure(config):
    config.addinivalue_line("markers", "fabric: deploys a closgen fabric with closlab")
    config.addinivalue_line("markers", "scale: the 64-switch fabric (CLOSBGP_FABRIC_SCALE=0 skips)")


def pytest_terminal_summary(terminalreporter):
    for text in fablib.MEASURED:
        terminalreporter.write_line("closbgp-fabric MEASURED: " + text)

