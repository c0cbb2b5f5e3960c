"""Shared pytest configuration for the unit tests.

The library under test is pluggable: ``CONFORMANCE_IMPL`` names an importable module
(default ``impl``).  Every test compares that module against real ``torch`` computed at
test time.  ``CONFORMANCE_IMPL=torch`` runs torch against itself, which validates the tests.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

import conformance.profiles  # noqa: F401 - examples independent of which modules a worker imported
from tests.helpers import LIB_NAME, lib as _lib

# Hypothesis: small, deterministic budgets so the whole of tests/core stays well under 2 min.
settings.register_profile(
    "conformance",
    max_examples=int(os.environ.get("CONFORMANCE_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "conformance"))


@pytest.fixture(scope="session")
def lib():
    """The library under test (``import impl as torch`` style module)."""
    return _lib


def pytest_report_header(config):
    return f"library under test: {LIB_NAME} (CONFORMANCE_IMPL)"


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    """A failing grad-mode test must not leave autograd switched off for the tests after it."""
    yield
    import torch

    for M in (torch, _lib):
        setter = getattr(M, "set_grad_enabled", None)
        if setter is not None:
            try:
                setter(True)
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass
