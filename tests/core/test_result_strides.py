"""Strides of new (non-view) results: torch's, computed at test time, over Hypothesis-drawn operand layouts.

Element-wise ops (unary, binary, comparisons, pow, where, clamp, addcmul/addcdiv, maximum) get the layout
torch's TensorIterator gives its output: it follows the inputs' memory layout (exp(x.t()) has strides
(1, n)); nonzero is column-major; inverse and svd's factors come out of LAPACK column-major.  In-place
results and out= tensors of the right shape keep their own strides.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from tests.helpers import lib


@st.composite
def layouts(draw, shape=None, max_dims=4):
    """(shape, stride) of a view of a buffer: dense in some dim order, some dims stepped by 2, size-1
    dims with arbitrary strides, some dims expanded (stride 0)."""
    if shape is None:
        side = st.sampled_from([2, 3, 1, 4, 2, 3, 1, 0])
        shape = tuple(draw(st.lists(side, max_size=max_dims), label="shape"))
    nd = len(shape)
    perm = draw(st.sampled_from(list(itertools.permutations(range(nd)))[::-1]), label="order")
    stride, acc = [0] * nd, 1
    for d in reversed(perm):
        step = draw(st.sampled_from([1, 1, 2]))
        stride[d] = acc * step
        acc *= max(shape[d], 1) * step
    for d in range(nd):
        if shape[d] == 1 and draw(st.booleans()):
            stride[d] = draw(st.sampled_from([0, 1, 2, 5, 100]))
        elif shape[d] > 1 and draw(st.integers(0, 7)) == 0:
            stride[d] = 0  # expanded
    return tuple(shape), tuple(stride)


def broadcastable(draw, shape):
    """A shape that broadcasts to `shape` (fewer leading dims, some dims 1)."""
    k = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.booleans()) else n for n in shape[len(shape) - k:])


def make(M, layout, dtype="float32", seed=0):
    """The same values and geometry in torch and the library: as_strided over an arange buffer."""
    shape, stride = layout
    n = 1 + sum((s - 1) * st for s, st in zip(shape, stride)) if all(shape) else 1
    vals = np.random.default_rng(seed).uniform(0.5, 2.0, max(n, 1))
    if dtype == "bool":
        vals = vals > 1.2
    elif dtype.startswith("int"):
        vals = np.round(vals * 3)
    buf = M.tensor(vals.astype(np.dtype(dtype if dtype != "bool" else np.bool_)), dtype=getattr(M, dtype))
    return buf.as_strided(shape, stride)


def check(fn, *args, msg=""):
    """fn(M, *tensors) in both libraries: same outcome, shape and strides (results of more than one
    element; a tuple result element by element)."""
    outs = {}
    for M in (torch, lib):
        built = [make(M, *a) if isinstance(a, tuple) and a and isinstance(a[0], tuple) else a for a in args]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outs[M] = ("ok", fn(M, *built))
        except Exception as e:  # noqa: BLE001 - compared by kind below
            outs[M] = ("raise", type(e))
    (kt, vt), (kl, vl) = outs[torch], outs[lib]
    assert kt == kl, f"{msg}: torch {kt} {vt if kt == 'raise' else ''}, lib {kl} {vl if kl == 'raise' else ''}"
    if kt == "raise":
        return
    vt = vt if isinstance(vt, tuple) else (vt,)
    vl = vl if isinstance(vl, tuple) else (vl,)
    for i, (a, b) in enumerate(zip(vt, vl)):
        assert tuple(a.shape) == tuple(b.shape), f"{msg}[{i}]: shape {tuple(a.shape)} vs {tuple(b.shape)}"
        if a.numel() > 1:
            assert tuple(a.stride()) == tuple(b.stride()), \
                f"{msg}[{i}]: strides torch {tuple(a.stride())}, lib {tuple(b.stride())} (operands {args})"


UNARY = ["exp", "neg", "abs", "sigmoid", "floor", "sign", "sin", "tanh", "sqrt"]


@settings(max_examples=max(150, settings.default.max_examples))
@given(data=st.data(), op=st.sampled_from(UNARY), dtype=st.sampled_from(["float32", "float64", "int64"]))
def test_unary_result_strides(data, op, dtype):
    """A unary op follows its input's layout (an int input is first converted to float by torch: a
    preserve_format copy, dense in the input's stride order)."""
    if dtype == "int64" and op in ("sigmoid", "tanh", "floor"):
        dtype = "float32"
    x = data.draw(layouts(), label="x")
    check(lambda M, t: getattr(M, op)(t), (x, dtype), msg=f"{op}({dtype} {x})")


BINARY = {
    "add": lambda M, a, b: M.add(a, b), "sub": lambda M, a, b: a - b, "mul": lambda M, a, b: a * b,
    "div": lambda M, a, b: M.div(a, b), "pow": lambda M, a, b: M.pow(a, b), "eq": lambda M, a, b: M.eq(a, b),
    "lt": lambda M, a, b: a < b, "maximum": lambda M, a, b: M.maximum(a, b), "max": lambda M, a, b: M.max(a, b),
    "add_alpha": lambda M, a, b: M.add(a, b, alpha=2),
}


@settings(max_examples=max(300, settings.default.max_examples))
@given(data=st.data(), op=st.sampled_from(sorted(BINARY)),
       dtypes=st.sampled_from([("float32", "float32"), ("float32", "float64"), ("int32", "float32"),
                               ("int64", "int64")]))
def test_binary_result_strides(data, op, dtypes):
    """Two tensors, broadcasting either way, of one dtype or two (the one converted to the common dtype
    counts with its preserve_format copy's strides); the first operand with a non-ambiguous stride order
    decides."""
    x = data.draw(layouts(), label="x")
    other = data.draw(layouts(broadcastable(data.draw, x[0])), label="other")
    if data.draw(st.booleans(), label="swap"):
        x, other = other, x
    check(BINARY[op], (x, dtypes[0]), (other, dtypes[1], 1), msg=f"{op}({x}, {other}, {dtypes})")


@settings(max_examples=max(150, settings.default.max_examples))
@given(data=st.data(), op=st.sampled_from(sorted(BINARY)), scalar=st.sampled_from(["python", "0d_first", "0d"]))
def test_binary_with_a_scalar_result_strides(data, op, scalar):
    """A Python scalar or a 0-d tensor is an operand of no stride order; it still keeps the fast setup
    from taking the all-same-shape path (so an ambiguous layout is ordered, not copied)."""
    x = data.draw(layouts(), label="x")
    if scalar == "python":
        if op in ("maximum", "max"):
            return
        check(lambda M, t: BINARY[op](M, t, 2.0), (x, "float32"), msg=f"{op}({x}, 2.0)")
    elif scalar == "0d":
        check(lambda M, t: BINARY[op](M, t, M.tensor(2.0)), (x, "float32"), msg=f"{op}({x}, 0-d)")
    else:
        check(lambda M, t: BINARY[op](M, M.tensor(2.0), t), (x, "float32"), msg=f"{op}(0-d, {x})")


@settings(max_examples=max(100, settings.default.max_examples))
@given(data=st.data())
def test_pow_scalar_forms_and_reflected_operators(data):
    """pow(Tensor, Scalar) is unary over the base; pow(Scalar, Tensor) is row-major; scalar / t is
    reciprocal(t) * scalar; scalar - t is a binary op."""
    x = data.draw(layouts(), label="x")
    for name, fn in {"t ** 3": lambda M, t: t ** 3.0, "2 ** t": lambda M, t: M.pow(2.0, t),
                     "2 / t": lambda M, t: 2.0 / t, "2 - t": lambda M, t: 2.0 - t,
                     "int ** 0.5": lambda M, t: M.pow(t.to(M.int64), 0.5)}.items():
        check(fn, (x, "float32"), msg=f"{name} {x}")


@settings(max_examples=max(200, settings.default.max_examples))
@given(data=st.data(), op=st.sampled_from(["where", "where_scalar", "clamp", "clamp_min", "clamp_scalar",
                                           "addcmul", "addcdiv"]))
def test_ternary_result_strides(data, op):
    """Three operands in the kernel's order (where: condition, input, other; clamp: input, min, max)."""
    x = data.draw(layouts(), label="x")
    b = data.draw(layouts(broadcastable(data.draw, x[0])), label="b")
    c = data.draw(layouts(broadcastable(data.draw, x[0])), label="c")
    if data.draw(st.booleans(), label="swap"):
        x, b = b, x
    fns = {
        "where": (lambda M, c_, x_, b_: M.where(c_, x_, b_), (c, "bool", 2), (x, "float32"), (b, "float32", 1)),
        "where_scalar": (lambda M, c_, x_: M.where(c_, x_, 0.0), (c, "bool", 2), (x, "float32")),
        "clamp": (lambda M, x_, b_, c_: M.clamp(x_, b_, c_), (x, "float32"), (b, "float32", 1), (c, "float32", 2)),
        "clamp_min": (lambda M, x_, b_: M.clamp(x_, min=b_), (x, "float32"), (b, "float32", 1)),
        "clamp_scalar": (lambda M, x_: M.clamp(x_, 0.7, 1.5), (x, "float32")),
        "addcmul": (lambda M, x_, b_, c_: M.addcmul(x_, b_, c_, value=0.5), (x, "float32"), (b, "float32", 1),
                    (c, "float32", 2)),
        "addcdiv": (lambda M, x_, b_, c_: M.addcdiv(x_, b_, c_), (x, "float32"), (b, "float64", 1),
                    (c, "float32", 2)),
    }
    fn, *args = fns[op]
    check(fn, *args, msg=f"{op}{tuple(args)}")


@settings(max_examples=max(60, settings.default.max_examples))
@given(x=layouts(), data=st.data())
def test_inplace_and_out_keep_their_strides(x, data):
    """In-place ops write into the input as it is; out= of the right shape keeps its strides."""
    if any(s == 0 and n > 1 for n, s in zip(*x)):
        return  # (an expanded tensor cannot be written to)
    o = data.draw(layouts(x[0]), label="out")
    if any(s == 0 and n > 1 for n, s in zip(*o)):
        return
    check(lambda M, t: t.exp_(), (x, "float32"), msg=f"exp_ {x}")
    check(lambda M, t, u: M.add(t, 1.0, out=u), (x, "float32"), (o, "float32", 1), msg=f"add out= {x} {o}")


@settings(max_examples=max(60, settings.default.max_examples))
@given(x=layouts(), y=layouts(), data=st.data())
def test_resized_out_takes_the_result_layout(x, y, data):
    """An out= that must be resized (empty, or of another shape: torch warns) is restrided to the layout
    a new result would have."""
    size = data.draw(st.sampled_from([0, 5]), label="out numel")
    check(lambda M, t: M.exp(t, out=M.empty(size)), (x, "float32"), msg=f"exp out= {x}")
    check(lambda M, t, u: M.add(t, u, out=M.empty(size)), (x, "float32"), (y, "float32", 1), msg=f"add out= {x} {y}")
    check(lambda M, t: M.lt(t, 1.0, out=M.empty(size, dtype=M.bool)), (x, "float32"), msg=f"lt out= {x}")
    check(lambda M, t: M.where(t > 1.0, t, M.tensor(0.0), out=M.empty(size)), (x, "float32"), msg=f"where out= {x}")
    check(lambda M, t: M.clamp(t, 0.7, out=M.empty(size)), (x, "float32"), msg=f"clamp out= {x}")


@given(x=layouts(max_dims=3), dtype=st.sampled_from(["float32", "int64", "bool"]))
def test_nonzero_is_column_major(x, dtype):
    check(lambda M, t: M.nonzero(t), (x, dtype), msg=f"nonzero {x}")


@settings(max_examples=max(40, settings.default.max_examples))
@given(batch=st.lists(st.sampled_from([1, 2, 3]), max_size=2), n=st.integers(1, 4), m=st.integers(1, 4),
       t=st.booleans())
def test_lapack_results_are_column_major(batch, n, m, t):
    """inverse / linalg.inv: column-major matrices, batch dims row-major outside; svd: U (and linalg.svd's
    Vh) column-major, S row-major, svd's V = Vh.mH row-major; with compute_uv=False its zero U is
    row-major and its zero V column-major."""
    def sq(M):
        a = M.tensor(np.random.default_rng(0).standard_normal((*batch, n, n)) + 3 * np.eye(n))
        return a.transpose(-2, -1) if t else a

    def rect(M):
        return M.tensor(np.random.default_rng(1).standard_normal((*batch, n, m)))

    check(lambda M: M.inverse(sq(M)), msg="inverse")
    check(lambda M: M.linalg.inv(sq(M)), msg="linalg.inv")
    for some in (True, False):
        check(lambda M: tuple(M.svd(rect(M), some=some)), msg=f"svd some={some}")
    check(lambda M: tuple(M.svd(rect(M), compute_uv=False)), msg="svd compute_uv=False")
    check(lambda M: tuple(M.linalg.svd(rect(M), full_matrices=False)), msg="linalg.svd")


@pytest.mark.parametrize("case", ["exp_t", "add_t", "eq_t_scalar", "cl_exp"])
def test_directed_layouts(case):
    """The common cases by name (a regression shows here before in a Hypothesis draw)."""
    t34 = (((4, 3), (1, 4)), "float32")
    cl = (((2, 3, 4, 5), (60, 1, 15, 3)), "float32")
    amb = (((2, 3, 1, 5), (15, 1, 1, 3)), "float32")  # channels-last contiguous with an ambiguous H
    {"exp_t": lambda: check(lambda M, x: M.exp(x), t34, msg=case),
     "add_t": lambda: check(lambda M, x: M.add(x, 1), t34, msg=case),
     "eq_t_scalar": lambda: check(lambda M, x: x == 1.0, t34, msg=case),
     "cl_exp": lambda: [check(lambda M, x: M.exp(x), cl, msg=case), check(lambda M, x: M.exp(x), amb, msg=case),
                        check(lambda M, x: x * 2, amb, msg=case)]}[case]()
