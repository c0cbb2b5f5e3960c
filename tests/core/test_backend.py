"""The backend seam (impl/_backend.py): host values reach the device bit for bit.

CuPy makes a 0-d array by fill(), and fill() writes a value equal to zero by memset, so -0.0 became +0.0 on
the GPU (1 / -0.0 gave +inf; the GPU run's cross-device check found it). The CPU-only test pins the
workaround with a stand-in for that CuPy behaviour; the GPU tests run where CuPy has a device."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import impl
from impl import _backend


class _ZeroFillingCuPy:
    """CuPy's asarray for this purpose: a 0-d value equal to zero arrives as +0.0."""

    @staticmethod
    def asarray(a):
        a = np.array(a)
        return np.zeros_like(a) if a.ndim == 0 and a == 0 else a.copy()


@pytest.mark.parametrize("value", [np.float32(-0.0), np.array(-0.0), np.array([-0.0, 1.0])])
def test_from_host_keeps_the_sign_of_negative_zero(value):
    out = _backend.from_host(_ZeroFillingCuPy, value)
    assert np.signbit(np.asarray(out)).reshape(-1)[0]
    assert np.asarray(out).shape == np.asarray(value).shape


def gpu(fn):
    """`pytest -m gpu` selects it; without CuPy and a CUDA device it skips with the reason."""
    return pytest.mark.gpu(pytest.mark.skipif(not (impl.cuda.is_available() and torch.cuda.is_available()),
                                              reason="no GPU: needs CuPy and torch with a CUDA device")(fn))


@gpu
@pytest.mark.parametrize("make", [
    lambda m: m.tensor(-0.0, device="cuda"),
    lambda m: m.full((2,), -0.0, device="cuda"),
    lambda m: m.zeros(2, device="cuda").fill_(-0.0),
    lambda m: m.tensor(-0.0).cuda(),
    lambda m: 1.0 / m.tensor(-0.0, device="cuda"),
    lambda m: m.ones(2, device="cuda") / -0.0,
], ids=["tensor", "full", "fill_", "cuda()", "1/t", "t/-0.0"])
def test_negative_zero_on_cuda_matches_torch(make):
    ours, theirs = make(impl).cpu().numpy(), make(torch).cpu().numpy()
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))
    np.testing.assert_array_equal(ours, theirs)
