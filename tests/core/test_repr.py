"""Printing: repr()/str() of tensors must equal torch's character for character
(the library prints ``tensor(...)`` exactly like torch)."""
import re

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.helpers import LIB_NAME, lib

CASES = {
    "float_1d": lambda M: M.tensor([1.0, 2.0, 3.0]),
    "float_frac": lambda M: M.tensor([1.5, 2.25, -0.125]),
    "float_4_digits": lambda M: M.tensor([0.12345678, 1.0 / 3.0]),
    "float_neg": lambda M: M.tensor([-1.0, 2.0]),
    "float_0d": lambda M: M.tensor(3.0),
    "float_0d_frac": lambda M: M.tensor(-0.5),
    "int_0d": lambda M: M.tensor(5),
    "bool_0d": lambda M: M.tensor(True),
    "bool_1d": lambda M: M.tensor([True, False, True]),
    "empty": lambda M: M.tensor([]),
    "empty_2d": lambda M: M.zeros(0, 3),
    "empty_int32": lambda M: M.tensor([], dtype=M.int32),
    "empty_long": lambda M: M.zeros(2, 0, dtype=M.int64),
    "int_1d": lambda M: M.tensor([1, 2, 3]),
    "int_neg_pad": lambda M: M.tensor([1, -20, 300]),
    "large_ints": lambda M: M.tensor([123456789012, 1]),
    "int64_extremes": lambda M: M.tensor([-(2 ** 63), 2 ** 63 - 1]),
    "sci_small": lambda M: M.tensor([1e-5, 1.0]),
    "sci_large": lambda M: M.tensor([1e10, 1.0]),
    "sci_tiny_only": lambda M: M.tensor([1e-10]),
    "sci_0d": lambda M: M.tensor(1e-8),
    "sci_mixed_2d": lambda M: M.tensor([[1e-3, 2e5], [3.0, 4.0]]),
    "big_ints_as_float": lambda M: M.tensor([100000.0, 2.0]),
    "ratio_1000": lambda M: M.tensor([0.001, 1.0]),
    "ratio_above_1000": lambda M: M.tensor([0.0009, 1.0]),
    "nan_inf": lambda M: M.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan_only": lambda M: M.tensor([float("nan")]),
    "inf_ints": lambda M: M.tensor([float("inf"), 1.0, 2.0]),
    "neg_zero": lambda M: M.tensor([-0.0, 1.0]),
    "float64": lambda M: M.tensor([1.0, 2.5], dtype=M.float64),
    "float64_0d": lambda M: M.tensor(2.0, dtype=M.float64),
    "float16": lambda M: M.tensor([1.0, 2.5], dtype=M.float16),
    "int32": lambda M: M.tensor([1, 2], dtype=M.int32),
    "int16": lambda M: M.tensor([1, 2], dtype=M.int16),
    "int8": lambda M: M.tensor([-1, 2], dtype=M.int8),
    "uint8": lambda M: M.tensor([1, 255], dtype=M.uint8),
    "int32_0d": lambda M: M.tensor(7, dtype=M.int32),
    "matrix": lambda M: M.tensor([[1.0, 0.0, 1.0], [2.5, -1.0, 3.0]]),
    "matrix_ints": lambda M: M.tensor([[1, 0], [10, -1]]),
    "tensor_3d": lambda M: M.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
    "tensor_4d": lambda M: M.tensor(np.arange(16).reshape(2, 2, 2, 2)),
    "ones_4x4": lambda M: M.ones(4, 4),
    "zeros_2x3": lambda M: M.zeros(2, 3),
    "eye_like": lambda M: M.tensor([[1.0, 0.0], [0.0, 1.0]]),
    "linspace": lambda M: M.linspace(1, 10, 4),
    "arange_long": lambda M: M.arange(10),
    "summarized_1d": lambda M: M.arange(2000.0),
    "summarized_int": lambda M: M.arange(1500),
    "summarized_2d": lambda M: M.ones(40, 40),
    "wide_row_wraps": lambda M: M.arange(0, 30, dtype=M.float32) / 7,
    "noncontiguous": lambda M: M.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4)).t(),
    "expanded": lambda M: M.tensor([1.0, 2.0]).expand(3, 2),
    "requires_grad": lambda M: M.tensor([1.0, 2.0], requires_grad=True),
    "requires_grad_0d_f64": lambda M: M.tensor(3.0, dtype=M.float64, requires_grad=True),
    "grad_fn_pow": lambda M: M.ones(2, 2, requires_grad=True) ** 2,
    "grad_fn_sum": lambda M: (M.ones(2, 2, requires_grad=True) ** 2).sum(),
    "grad_fn_sin": lambda M: M.sin(M.tensor([1.0, 4.0], requires_grad=True)),
    "grad_fn_add_f64": lambda M: M.tensor([1.0], dtype=M.float64, requires_grad=True) + 1,
    "grad_fn_mean": lambda M: M.tensor([1.0, 2.0], requires_grad=True).mean(),
    "grad_fn_view": lambda M: M.tensor([1.0, 2.0], requires_grad=True).view(2, 1),
    "detached": lambda M: (M.tensor([1.0, 2.0], requires_grad=True) * 2).detach(),
}


@pytest.mark.parametrize("make", list(CASES.values()), ids=list(CASES))
def test_repr_matches_torch(make):
    xl, xt = make(lib), make(torch)
    assert repr(xl) == repr(xt)
    assert str(xl) == str(xt)


def test_format_in_fstring_and_print_forms():
    """The seeds print tensors through f-strings, str.format and print with several args."""
    for make in (CASES["matrix"], CASES["grad_fn_pow"], CASES["float_0d"], CASES["int_0d"]):
        xl, xt = make(lib), make(torch)
        assert f"t: {xl}" == f"t: {xt}"
        assert "t{}".format(xl) == "t{}".format(xt)


def test_0d_format_spec():
    for v in (3.14159, 2.0):
        assert f"{lib.tensor(v):.2f}" == f"{torch.tensor(v):.2f}"
    assert f"{lib.tensor(3):d}" == f"{torch.tensor(3):d}"


def _unprefix(s):
    return re.sub(rf"\b{re.escape(LIB_NAME)}\.", "torch.", s)


def test_size_dtype_device_printing():
    xl, xt = lib.zeros(2, 3), torch.zeros(2, 3)
    assert _unprefix(str(xl.shape)) == str(xt.shape) == "torch.Size([2, 3])"
    assert _unprefix(str(xl.size())) == str(xt.size())
    assert _unprefix(str(lib.zeros(()).shape)) == str(torch.zeros(()).shape)
    assert _unprefix(str(xl.dtype)) == str(xt.dtype)
    assert str(xl.device) == str(xt.device) == "cpu"
    assert repr(xl.device) == repr(xt.device)
    assert xl.size() == (2, 3) and xl.shape[1] == 3 and xl.size(1) == xt.size(1) and xl.size(-1) == 3


def test_grad_fn_repr():
    yl = lib.ones(2, requires_grad=True) ** 2
    yt = torch.ones(2, requires_grad=True) ** 2
    pat = re.compile(r"<(\w+) object at 0x[0-9a-fA-F]+>")
    ml, mt = pat.fullmatch(repr(yl.grad_fn)), pat.fullmatch(repr(yt.grad_fn))
    assert mt and ml, f"{repr(yl.grad_fn)!r} vs {repr(yt.grad_fn)!r}"
    assert ml.group(1) == mt.group(1) == "PowBackward0"
    assert yl.grad_fn.name() == yt.grad_fn.name()


floats32 = st.floats(min_value=-2.0 ** 40, max_value=2.0 ** 40, width=32, allow_nan=False, allow_infinity=False)


@given(arr=npst.arrays(np.float32, npst.array_shapes(min_dims=0, max_dims=2, max_side=5),
                       elements=floats32 | st.sampled_from([0.0, 1.0, -1.0, 0.5, 1e-4, 1e-9, 123.0])))
def test_repr_random_float32(arr):
    assert repr(lib.tensor(arr)) == repr(torch.tensor(arr))


@given(arr=npst.arrays(np.int64, npst.array_shapes(min_dims=0, max_dims=2, max_side=5),
                       elements=st.integers(-10 ** 12, 10 ** 12)))
def test_repr_random_int64(arr):
    assert repr(lib.tensor(arr)) == repr(torch.tensor(arr))


@given(arr=npst.arrays(np.float64, npst.array_shapes(min_dims=1, max_dims=2, max_side=4),
                       elements=st.floats(-1e6, 1e6, allow_nan=False) | st.just(float("nan"))))
def test_repr_random_float64(arr):
    assert repr(lib.tensor(arr)) == repr(torch.tensor(arr))
