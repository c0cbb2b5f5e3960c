"""The value comparison every check stands on: torch.testing.assert_close's rules, in both orientations."""
from __future__ import annotations

import numpy as np
import pytest

from conformance.checks.compare import mismatch

INF = float("inf")


@pytest.mark.parametrize("expected, actual", [
    ([INF], [3.0e38]),     # exp of a large int: torch overflows float32, JAX's float64 does not
    ([3.0e38], [INF]),
    ([INF], [-INF]),
    ([-INF], [np.nan]),
    ([1.0], [np.nan]),
    ([np.nan], [1.0]),
    ([1.0, INF], [1.0, 1.0e300]),
])
def test_non_finite_values_match_only_exactly(expected, actual) -> None:
    for e, a in ((expected, actual), (actual, expected)):  # the verdict must not depend on who is the oracle
        m = mismatch(np.array(e, np.float64), np.array(a, np.float64))
        assert m is not None and m["problem"] == "values differ", (e, a)


def test_equal_non_finite_and_close_values_match() -> None:
    e = np.array([INF, -INF, np.nan, 1.0, 0.0], np.float32)
    a = np.array([INF, -INF, np.nan, 1.0 + 1e-7, 1e-9], np.float32)
    assert mismatch(e, a) is None and mismatch(a, e) is None
    assert mismatch(e, a + np.float32([0, 0, 0, 1e-3, 0])) is not None  # beyond float32's rtol 1.3e-6
