"""Comparison-family ops vs torch: max/min (whole tensor, dim= -> named tuple, binary), argmax/argmin,
amax/amin, topk, sort/argsort, equal. Values, index dtypes, named-tuple types and repr, node names,
gradients (ties share the gradient for whole reductions), out=, errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.core.opcheck import check, check_error
from tests.helpers import DTYPE_NAMES, assert_same, dtype_name, error_kind, lib

X = np.array([[1.0, 5.0, 3.0], [4.0, -2.0, 6.0]])
TIES = np.array([[2.0, 7.0, 7.0], [-1.0, -1.0, 0.5]])
X3 = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 7 % 11 - 5) / 3

CASES = {
    "max_all": (lambda M, x: M.max(x), [X]),
    "min_all_method": (lambda M, x: x.min(), [X]),
    "max_all_ties": (lambda M, x: M.max(x), [TIES]),
    "min_all_ties": (lambda M, x: M.min(x), [TIES]),
    "max_dim": (lambda M, x: M.max(x, 1), [X]),
    "max_dim_kw_keepdim": (lambda M, x: M.max(x, dim=0, keepdim=True), [X3]),
    "min_dim_neg": (lambda M, x: x.min(-1), [X3]),
    "max_dim_ties_first_index": (lambda M, x: M.max(x, 1), [TIES]),
    "min_dim_ties_first_index": (lambda M, x: M.min(x, 1), [TIES]),
    "max_0d_dim": (lambda M, x: M.max(x[0, 0], 0), [X]),
    "max_nan": (lambda M: M.max(M.tensor([1.0, float("nan"), 3.0])), []),
    "max_dim_nan": (lambda M: M.max(M.tensor([[1.0, float("nan"), 3.0], [0, 2, 1]]), 1), []),
    "min_dim_empty_other_dim": (lambda M: M.min(M.zeros(0, 3), 1), []),
    "max_int": (lambda M, x: M.max(x.long(), 0), [X]),
    "max_bool": (lambda M, x: M.max(x > 2), [X]),
    "max_binary": (lambda M, x, y: M.max(x, y), [X, TIES]),
    "argmax": (lambda M, x: M.argmax(x), [X]),
    "argmin_dim_keepdim": (lambda M, x: M.argmin(x, 1, True), [X3]),
    "argmax_keepdim_no_dim": (lambda M, x: M.argmax(x, keepdim=True), [X3]),
    "argmax_ties": (lambda M, x: x.argmax(1), [TIES]),
    "argmin_0d": (lambda M, x: M.argmin(x[0, 0]), [X]),
    "amax": (lambda M, x: M.amax(x, 1), [TIES]),
    "amin_all": (lambda M, x: M.amin(x), [TIES]),
    "amax_dims": (lambda M, x: M.amax(x, (0, 2), keepdim=True), [X3]),
    "topk": (lambda M, x: M.topk(x, 2), [X]),
    "topk_dim0_smallest": (lambda M, x: M.topk(x, 1, 0, largest=False), [X]),
    "topk_method_kw": (lambda M, x: x.topk(3, dim=1, largest=True, sorted=True), [X3]),
    "topk_k0": (lambda M, x: M.topk(x, 0), [X]),
    "topk_full": (lambda M, x: M.topk(x, 3, largest=False), [X]),
    "topk_0d": (lambda M, x: M.topk(x[1, 1], 1), [X]),
    "topk_int": (lambda M, x: M.topk(x.long(), 2), [X]),
    "sort": (lambda M, x: M.sort(x), [X]),
    "sort_descending_dim0": (lambda M, x: M.sort(x, 0, descending=True), [X3]),
    "sort_stable_ties": (lambda M, x: M.sort(x, stable=True), [TIES]),
    "sort_descending_ties": (lambda M, x: x.sort(descending=True), [TIES]),
    "sort_bool": (lambda M, x: M.sort(x > 2), [X]),
    "argsort": (lambda M, x: M.argsort(x, 1), [X]),
    "argsort_desc": (lambda M, x: x.argsort(0, descending=True), [X3]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_comparison_values_and_grads(name):
    fn, arrays = CASES[name]
    check(fn, arrays, msg=name)


def test_named_tuple_repr_and_fields():
    for op in ("max", "min", "median", "topk", "sort"):
        out = []
        for M in (lib, torch):
            x = M.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
            r = getattr(M, op)(x, 1) if op != "topk" else M.topk(x, 2)
            values, indices = r
            assert r.values is values and r.indices is indices and r[0] is values
            assert isinstance(r, tuple) and len(r) == 2
            out.append((repr(r), type(r).__name__))
        assert out[0] == out[1], f"{op}:\n{out[0][0]}\n!=\n{out[1][0]}"


def test_svd_named_tuple_repr():
    out = []
    for M in (lib, torch):
        r = M.svd(M.tensor([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False)
        out.append((repr(r), type(r).__name__, len(r)))
    assert out[0] == out[1]


EQUAL = {
    "same": lambda M: M.equal(M.tensor([1.0, 2.0]), M.tensor([1.0, 2.0])),
    "different_values": lambda M: M.equal(M.tensor([1.0, 2.0]), M.tensor([1.0, 3.0])),
    "different_shape": lambda M: M.equal(M.tensor([1.0, 2.0]), M.tensor([[1.0, 2.0]])),
    "different_dtype_same_values": lambda M: M.equal(M.tensor([1, 2]), M.tensor([1.0, 2.0])),
    "nan": lambda M: M.equal(M.tensor([float("nan")]), M.tensor([float("nan")])),
    "empty": lambda M: M.equal(M.zeros(0), M.zeros(0)),
    "views": lambda M: M.equal(M.arange(6).reshape(2, 3).t(), M.arange(6).reshape(2, 3).t().contiguous()),
    "method": lambda M: M.tensor([True, False]).equal(M.tensor([True, False])),
    "0d": lambda M: M.equal(M.tensor(3), M.tensor(3)),
}


@pytest.mark.parametrize("name", list(EQUAL))
def test_equal_returns_python_bool(name):
    a, b = EQUAL[name](lib), EQUAL[name](torch)
    assert type(a) is bool and a == b


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_result_dtypes(a):
    bodies = {
        "max": lambda M: M.max(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a))),
        "max_dim": lambda M: M.max(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a)), 1),
        "min_dim": lambda M: M.min(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a)), 0),
        "argmax": lambda M: M.argmax(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a))),
        "argmin_dim": lambda M: M.argmin(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a)), 1),
        "amax": lambda M: M.amax(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a)), 0),
        "topk": lambda M: M.topk(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a)), 1),
        "sort": lambda M: M.sort(M.tensor([[1, 0], [0, 1]], dtype=getattr(M, a))),
    }
    for name, fn in bodies.items():
        out = []
        for M in (lib, torch):
            try:
                r = fn(M)
                out.append(tuple(dtype_name(t.dtype) for t in r) if isinstance(r, tuple) else dtype_name(r.dtype))
            except Exception as e:  # noqa: BLE001
                out.append(error_kind(type(e)).__name__)
        assert out[0] == out[1], f"{name}({a}): {out[0]} != torch {out[1]}"


@pytest.mark.parametrize("op", ["max", "min", "topk", "sort"])
def test_out_pairs(op):
    res = {}
    for M in (lib, torch):
        x = M.tensor(X, dtype=M.float32)
        v, i = M.empty(0), M.empty(0, dtype=M.int64)
        r = M.topk(x, 2, out=(v, i)) if op == "topk" else getattr(M, op)(x, 1, out=(v, i))
        assert r[0] is v and r[1] is i
        res[M] = (v, i)
    assert_same(res[lib][0], res[torch][0])
    assert_same(res[lib][1], res[torch][1])


ERRORS = {
    "max_empty": lambda M, x: M.max(M.zeros(0)),
    "max_empty_reduced_dim": lambda M, x: M.max(M.zeros(0, 3), 0),
    "max_bad_dim": lambda M, x: M.max(x, 2),
    "max_float_dim": lambda M, x: M.max(x, 2.0),
    "maximum_shape": lambda M, x: M.max(x, M.ones(4)),
    "argmax_empty": lambda M, x: M.argmax(M.zeros(0)),
    "argmax_bool": lambda M, x: M.argmax(x > 1),
    "argmin_bad_dim": lambda M, x: M.argmin(x, -3),
    "topk_k_too_big": lambda M, x: M.topk(x, 4),
    "topk_negative_k": lambda M, x: M.topk(x, -1),
    "topk_bool": lambda M, x: M.topk(x > 1, 1),
    "topk_bad_dim": lambda M, x: M.topk(x, 1, 2),
    "sort_bad_dim": lambda M, x: M.sort(x, 2),
    "equal_not_tensor": lambda M, x: M.equal(x, 3),
    "max_out_wrong_index_dtype": lambda M, x: M.max(x, 1, out=(M.empty(0), M.empty(0))),
    "argmax_out_float": lambda M, x: M.argmax(x, out=M.empty(0)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_comparison_errors(name):
    check_error(ERRORS[name], [X.astype(np.float32)])


@given(data=st.data())
def test_selecting_reductions_random(data):
    shape = data.draw(npst.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), label="shape")
    x = data.draw(npst.arrays(np.float64, shape, elements=st.floats(-9, 9, width=64), unique=True), label="x")
    d = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keep = data.draw(st.booleans(), label="keepdim")
    check(lambda M, x: M.max(x, d, keepdim=keep), [x], msg="max")
    check(lambda M, x: M.min(x, d, keepdim=keep), [x], msg="min")
    check(lambda M, x: M.argmax(x, d, keepdim=keep), [x], msg="argmax")
    k = data.draw(st.integers(0, shape[d]), label="k")
    largest = data.draw(st.booleans(), label="largest")
    check(lambda M, x: M.topk(x, k, d, largest=largest), [x], msg="topk")
    check(lambda M, x: M.sort(x, d, descending=largest), [x], msg="sort")
    xi = (x * 3).astype(np.int64)  # ties allowed: whole-tensor max/min share the gradient
    check(lambda M, x: M.max(x) + M.min(x), [xi.astype(np.float64)], msg="max+min whole")
