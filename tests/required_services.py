"""A pytest plugin: with ONTMOET_REQUIRE_SERVICES=1 (set by CI and `make test`)
a skipped test fails the run, so a missing PostgreSQL, Redis, chromium or test
model cannot hide behind a green run. A developer running one file without the
services may still skip (the variable unset or 0)."""
from __future__ import annotations

import os

import pytest

_skipped: list = []


def required() -> bool:
    return os.environ.get("ONTMOET_REQUIRE_SERVICES", "").strip().lower() in {
        "1", "true", "yes", "ja", "on"}


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if required() and _skipped and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if required() and _skipped:
        terminalreporter.write_line(
            f"ONTMOET_REQUIRE_SERVICES=1: {len(_skipped)} skipped test(s) count as failures "
            "(a service, the browser or the test model is missing):", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(f"  SKIPPED {nodeid}", red=True)
