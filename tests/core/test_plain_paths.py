"""The lean paths impl takes for its commonest calls, checked against torch on the inputs that take them and
on their near misses (which must fall back to the general path, not give a wrong answer).

`a + b` of two row-major tensors of one dtype, `x.exp()` of a float tensor, `x.sum()`, `a @ b` of two
matrices, `a += b` of tensors that share no memory, `ones`/`zeros`/`ones_like`, `zero_` and `x.pow(2)` skip
the general paths' checks (see `_binary_operator` and its siblings in impl/ops). Each case here compares the
values, dtype, strides, grad_fn, gradients and version counter with torch's, computed at test time.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from tests.helpers import assert_same, assert_same_meta, dt, fn_name, lib

DTYPES = ["float32", "float64", "float16", "int32", "int64", "uint8", "bool"]
BINARY = ["add", "sub", "mul", "div", "eq", "lt", "bitwise_and"]
# how each operand is laid out: an op's fresh result, a tensor(ndarray), a view whose strides equal the
# row-major ones, an expanded 0-d tensor (all strides 0), a transpose (not row-major: the general path)
LAYOUTS = ["fresh", "tensor", "view", "expanded", "transposed"]


def _values(dtype: str, shape: tuple) -> st.SearchStrategy:
    if dtype == "bool":
        return hnp.arrays(np.bool_, shape)
    if dtype in ("float16", "float32", "float64"):
        return hnp.arrays(dtype, shape, elements=st.floats(-4, 4, width=16))
    return hnp.arrays(dtype, shape, elements=st.integers(0 if dtype == "uint8" else -5, 5))


def _build(M, arr: np.ndarray, layout: str, dtype: str):
    """The same tensor in M, laid out as asked (values as `arr`, shape as `arr` except for 'expanded')."""
    d = dt(M, dtype)
    if layout == "fresh":
        return M.tensor(arr, dtype=d) * 1 if dtype != "bool" else M.tensor(arr, dtype=d).clone()
    if layout == "tensor":
        return M.tensor(arr, dtype=d)
    if layout == "view":
        return M.tensor(arr.reshape(-1), dtype=d).view(arr.shape)
    if layout == "expanded":
        return M.tensor(arr.reshape(-1)[0], dtype=d).expand(arr.shape)
    return M.tensor(np.ascontiguousarray(arr.T), dtype=d).t()


def _call(M, op: str, a, b):
    if op == "bitwise_and":
        return a & b
    return getattr(M, op)(a, b)


def _outcome(fn):
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return None, type(e)


@pytest.mark.parametrize("la", LAYOUTS)
@pytest.mark.parametrize("lb", LAYOUTS)
@settings(max_examples=12, deadline=None)
@given(op=st.sampled_from(BINARY), dtype=st.sampled_from(DTYPES), data=st.data())
def test_binary_matches_torch(la, lb, op, dtype, data):
    a_np = data.draw(_values(dtype, (2, 3)), label="a")
    b_np = data.draw(_values(dtype, (2, 3)), label="b")
    if la == "transposed" or lb == "transposed":
        a_np, b_np = a_np[:, :2].reshape(2, 2).copy(), b_np[:, :2].reshape(2, 2).copy()
    ours, our_err = _outcome(lambda: _call(lib, op, _build(lib, a_np, la, dtype), _build(lib, b_np, lb, dtype)))
    ref, ref_err = _outcome(lambda: _call(torch, op, _build(torch, a_np, la, dtype),
                                          _build(torch, b_np, lb, dtype)))
    assert our_err is ref_err, f"{op} {dtype} {la}/{lb}: {our_err} vs torch {ref_err}"
    if ref is not None:
        assert_same(ours, ref, msg=f"{op} {dtype} {la}/{lb}")
        assert_same_meta(ours, ref, msg=f"{op} {dtype} {la}/{lb}")


@settings(max_examples=40, deadline=None)
@given(op=st.sampled_from(["add", "mul", "sub", "div"]), dtype=st.sampled_from(["float32", "float64"]),
       la=st.sampled_from(LAYOUTS[:4]), lb=st.sampled_from(LAYOUTS[:4]), grad_a=st.booleans(),
       grad_b=st.booleans(), data=st.data())
def test_binary_graph_and_gradients_match_torch(op, dtype, la, lb, grad_a, grad_b, data):
    a_np = data.draw(_values(dtype, (2, 3)), label="a")
    b_np = data.draw(_values(dtype, (2, 3)), label="b") + 5  # (no division by zero)

    def run(M):
        leaves = [M.tensor(a_np, dtype=dt(M, dtype), requires_grad=grad_a),
                  M.tensor(b_np, dtype=dt(M, dtype), requires_grad=grad_b)]
        a, b = _build_from(M, leaves[0], la), _build_from(M, leaves[1], lb)
        y = getattr(M, op)(a, b)
        if y.requires_grad:
            (y * M.tensor(np.arange(6.0).reshape(2, 3), dtype=dt(M, dtype))).sum().backward()
        return y, leaves

    (y, ls), (ty, tls) = run(lib), run(torch)
    assert_same(y, ty, check_requires_grad=True)
    assert fn_name(y.grad_fn) == fn_name(ty.grad_fn)
    for leaf, tleaf in zip(ls, tls):
        assert (leaf.grad is None) == (tleaf.grad is None)
        if tleaf.grad is not None:
            assert_same(leaf.grad, tleaf.grad)


def _build_from(M, leaf, layout: str):
    """A differentiable operand with `leaf`'s values, laid out as asked (expanded: its first element)."""
    if layout == "fresh":
        return leaf * 1
    if layout == "view":
        return leaf.view(6).view(2, 3)
    if layout == "expanded":
        return leaf[0, 0].expand(2, 3)
    return leaf


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("target", ["fresh", "view_of_row", "shares_b"])
def test_inplace_matches_torch(op, target):
    """In place: the value, the version counter (a saved tensor written in place fails backward in both)
    and memory shared with the other operand (a partial overlap is torch's error, unchanged tensors)."""
    def run(M):
        base = M.tensor(np.arange(1.0, 13.0).reshape(4, 3))
        if target == "fresh":
            a, b = base * 1, M.tensor(np.full((4, 3), 2.0))
        elif target == "view_of_row":
            a, b = base[1], M.tensor([2.0, 3.0, 4.0])
        else:  # a and b overlap partially: rows 0-1 and rows 1-2 of one storage
            a, b = base[0:2], base[1:3]
        before = a._version
        w = M.tensor(np.ones((4, 3)), requires_grad=True)
        saved = w * base  # saves base: writing through a view of it must fail backward
        outcome = _outcome(lambda: getattr(a, op)(b))
        return outcome, a._version - before, base, saved

    (r, err), bumps, base, saved = run(lib)
    (tr, terr), tbumps, tbase, tsaved = run(torch)
    assert err is terr and bumps == tbumps
    assert_same(base, tbase)
    backward_err = _outcome(lambda: saved.sum().backward())[1]
    assert backward_err is _outcome(lambda: tsaved.sum().backward())[1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_unary_sum_pow_match_torch(dtype, layout, requires_grad):
    arr = np.linspace(0.5, 3.0, 6).reshape(2, 3).astype(dtype)
    if layout == "transposed":
        arr = arr[:, :2].copy()

    def run(M):
        leaf = M.tensor(arr, dtype=dt(M, dtype), requires_grad=requires_grad)
        x = _build_from(M, leaf, layout) if layout != "tensor" else leaf
        if layout == "transposed":
            x = leaf.t()
        outs = [x.exp(), x.tanh(), x.sum(), x.pow(2), x.pow(0.5)]
        if requires_grad:
            M.stack([o.sum() for o in outs]).sum().backward()
        return outs, leaf

    (outs, leaf), (touts, tleaf) = run(lib), run(torch)
    for o, t in zip(outs, touts):
        assert_same(o, t, check_requires_grad=True)
        assert_same_meta(o, t)
        assert fn_name(o.grad_fn) == fn_name(t.grad_fn)
    if requires_grad:
        assert_same(leaf.grad, tleaf.grad)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "float16"])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_matmul_matches_torch(dtype, transpose_b, requires_grad):
    def run(M):
        d = dt(M, dtype)
        a = M.tensor(np.arange(6).reshape(2, 3), dtype=d)
        b = M.tensor(np.arange(6).reshape(2, 3), dtype=d)
        b = b.t() if transpose_b else b.reshape(3, 2)
        if requires_grad and dtype.startswith("float"):
            a.requires_grad_(True)
        y, err = _outcome(lambda: a @ b)
        if y is not None and y.requires_grad:
            y.sum().backward()
        return y, err, a

    (y, err, a), (ty, terr, ta) = run(lib), run(torch)
    assert err is terr
    if ty is not None:
        assert_same(y, ty, check_requires_grad=True)
        assert fn_name(y.grad_fn) == fn_name(ty.grad_fn)
    if ta.grad is not None:
        assert_same(a.grad, ta.grad)


@pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "bool"])
def test_factories_and_zero_match_torch(dtype):
    def run(M):
        d = dt(M, dtype)
        x = M.ones(2, 3, dtype=d)
        like = M.ones_like(M.zeros(3, 2, dtype=d).t())  # (a non-row-major input: its layout is kept)
        z = M.ones(2, 3, dtype=d)
        v = z._version
        z.zero_()
        return x, like, z, z._version - v

    (x, like, z, bumps), (tx, tlike, tz, tbumps) = run(lib), run(torch)
    for o, t in ((x, tx), (like, tlike), (z, tz)):
        assert_same(o, t)
        assert_same_meta(o, t)
    assert bumps == tbumps


@pytest.mark.parametrize("op", ["exp", "tanh", "neg", "abs", "sqrt"])
def test_unary_method_takes_no_out_like_torch(op):
    """torch.exp(x, out=y) writes y; x.exp(out=y) is a TypeError (the method takes no keywords)."""
    from tests.helpers import assert_same_error

    assert_same_error(lambda M: getattr(M.ones(2), op)(out=M.empty(2)))
    assert_same_error(lambda M: getattr(M, op)(M.ones(2), out=M.empty(2)))
