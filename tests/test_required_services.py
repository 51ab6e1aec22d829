"""The required-services switch: a skip fails the run only when CI asks for it."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT

SUITE = """
import pytest

def test_passes():
    assert True

def test_needs_postgres():
    pytest.skip("PostgreSQL on 127.0.0.1:5432 unreachable")
"""


# `make test` runs pytest on parallel workers (pytest-xdist): a skip in a worker
# must reach the controller's verdict as well.
WORKERS = pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])


def _run(pytester, monkeypatch, required: str, workers=()):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("ONTMOET_REQUIRE_SERVICES", required)
    pytester.makepyfile(test_inner=SUITE)
    return pytester.runpytest_subprocess("-p", "tests.required_services", "-q", *workers)


@WORKERS
def test_a_skip_fails_the_run_when_services_are_required(pytester, monkeypatch, workers):
    result = _run(pytester, monkeypatch, "1", workers)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*1 skipped test(s) count as failures*",
                                 "*SKIPPED test_inner.py::test_needs_postgres*"])


@WORKERS
def test_a_skip_is_only_reported_when_services_are_optional(pytester, monkeypatch, workers):
    result = _run(pytester, monkeypatch, "0", workers)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == 0
