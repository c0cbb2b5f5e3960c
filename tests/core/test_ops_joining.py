"""cat (concat, concatenate) and stack vs torch: values, dtype promotion, gradients to every input,
new memory, out=, legacy empty-tensor skipping, and error classes."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.core.opcheck import check, check_error
from tests.helpers import assert_same, lib, shares_storage

A = np.arange(6, dtype=np.float64).reshape(2, 3) / 3
B = np.arange(9, dtype=np.float64).reshape(3, 3) - 4
C = np.arange(4, dtype=np.float64).reshape(2, 2) * 1.5

CASES = {
    "cat_dim0": (lambda M, a, b: M.cat([a, b]), [A, B]),
    "cat_dim1": (lambda M, a, c: M.cat((a, c), 1), [A, C]),
    "cat_neg_dim": (lambda M, a, c: M.cat([a, c, a], dim=-1), [A, C]),
    "cat_single": (lambda M, a: M.cat([a]), [A]),
    "concat_alias": (lambda M, a, b: M.concat([a, b]), [A, B]),
    "concatenate_alias": (lambda M, a, b: M.concatenate([a, b], 0), [A, B]),
    "cat_same_tensor_twice": (lambda M, a: M.cat([a, a], 1), [A]),
    "cat_skips_legacy_empty": (lambda M, a: M.cat([a, M.tensor([]), a]), [A]),
    "cat_empty_rows": (lambda M, a: M.cat([a, M.zeros(0, 3, dtype=M.float64)]), [A]),
    "cat_promotes": (lambda M, a: M.cat([a.int(), a.float()]), [A]),
    "cat_promotes_grad": (lambda M, a, b: M.cat([a, b.float()]), [A, B]),
    "cat_1d": (lambda M, a: M.cat([a[0], a[1], a[0]]), [A]),
    "cat_views": (lambda M, a, b: M.cat([a.t(), b[:, ::2]], 1), [A, B]),
    "stack_dim0": (lambda M, a: M.stack([a, a * 2]), [A]),
    "stack_dim_last": (lambda M, a: M.stack([a, -a, a], dim=2), [A]),
    "stack_neg_dim": (lambda M, a: M.stack((a, a), -2), [A]),
    "stack_0d": (lambda M, a: M.stack([a[0, 0], a[1, 1]]), [A]),
    "stack_promotes": (lambda M, a: M.stack([a.int(), a.half()]), [A]),
    "stack_bool_int": (lambda M, a: M.stack([a > 1, (a * 3).long()]), [A]),
    "hstack": (lambda M, a, c: M.hstack([a, c]), [A, C]),
    "vstack": (lambda M, a, b: M.vstack([a, b, a[0]]), [A, B]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_joining_values_and_grads(name):
    fn, arrays = CASES[name]
    check(fn, arrays, msg=name)


@pytest.mark.parametrize("op", ["cat", "stack"])
def test_result_is_new_memory(op):
    for M in (lib, torch):
        a = M.tensor(A)
        r = getattr(M, op)([a])
        assert not shares_storage(a, r)
        r.zero_()
        assert a.sum().item() != 0


@pytest.mark.parametrize("op", ["cat", "stack"])
def test_out_variant(op):
    res = {}
    for M in (lib, torch):
        a = M.tensor(A, dtype=M.float32)
        o = M.zeros(0)
        r = getattr(M, op)([a, a], 1, out=o)
        assert r is o
        res[M] = o
    assert_same(res[lib], res[torch])


ERRORS = {
    "cat_empty_list": lambda M, a: M.cat([]),
    "cat_not_a_list": lambda M, a: M.cat(a),
    "cat_bad_dim": lambda M, a: M.cat([a, a], 2),
    "cat_size_mismatch": lambda M, a: M.cat([a, a[:, :2]]),
    "cat_ndim_mismatch": lambda M, a: M.cat([a, a[0]]),
    "cat_zero_dim": lambda M, a: M.cat([a[0, 0], a[0, 1]]),
    "cat_non_tensor_item": lambda M, a: M.cat([a, 1.0]),
    "cat_out_bad_cast": lambda M, a: M.cat([a, a], out=M.zeros(0, dtype=M.int64)),
    "stack_empty": lambda M, a: M.stack([]),
    "stack_size_mismatch": lambda M, a: M.stack([a, a[:, :2]]),
    "stack_bad_dim": lambda M, a: M.stack([a, a], 3),
    "stack_not_a_list": lambda M, a: M.stack(a),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_joining_errors(name):
    check_error(ERRORS[name], [A.astype(np.float32)])


@given(data=st.data())
def test_cat_stack_random(data):
    base = data.draw(npst.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3), label="shape")
    d = data.draw(st.integers(-len(base), len(base) - 1), label="dim")
    n = data.draw(st.integers(1, 3), label="n")
    arrays = []
    for _ in range(n):
        shape = list(base)
        shape[d] = data.draw(st.integers(0, 3))
        arrays.append(data.draw(npst.arrays(np.float64, tuple(shape), elements=st.floats(-5, 5, width=64))))
    check(lambda M, *ts: M.cat(list(ts), d), arrays, msg="cat")
    same = [data.draw(npst.arrays(np.float64, base, elements=st.floats(-5, 5, width=64))) for _ in range(n)]
    sd = data.draw(st.integers(-len(base) - 1, len(base)), label="stack dim")
    check(lambda M, *ts: M.stack(list(ts), sd), same, msg="stack")
