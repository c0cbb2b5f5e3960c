"""Selection ops vs torch: index_select, masked_select, nonzero, gather, scatter/scatter_/scatter_add,
take, where, index_add. Values, dtypes, grad_fn names, gradients, new memory, in-place semantics, errors."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.core.opcheck import check, check_error
from tests.helpers import assert_same, assert_same_error, lib, shares_storage

X = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
X3 = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7

CASES = {
    "index_select_dim1": (lambda M, x: M.index_select(x, 1, M.tensor([0, 2, 2])), [X]),
    "index_select_dim0_method": (lambda M, x: x.index_select(0, M.tensor([1, 1, 0])), [X]),
    "index_select_neg_dim": (lambda M, x: M.index_select(x, -1, M.tensor([3, 0])), [X3]),
    "index_select_int32_index": (lambda M, x: M.index_select(x, 1, M.tensor([1], dtype=M.int32)), [X]),
    "index_select_0d_index": (lambda M, x: M.index_select(x, 1, M.tensor(1)), [X]),
    "index_select_empty_index": (lambda M, x: M.index_select(x, 0, M.tensor([], dtype=M.int64)), [X]),
    "index_select_0d_input": (lambda M, x: M.index_select(x, 0, M.tensor([0])), [np.array(2.5)]),
    "masked_select": (lambda M, x: M.masked_select(x, x > 2), [X]),
    "masked_select_broadcast_mask": (lambda M, x: M.masked_select(x, M.tensor([True, False, True])), [X]),
    "masked_select_broadcast_input": (lambda M, x: x[0].masked_select(x > 2), [X]),
    "masked_select_none": (lambda M, x: M.masked_select(x, x > 100), [X]),
    "nonzero": (lambda M, x: M.nonzero(x - 2), [X]),
    "nonzero_method_3d": (lambda M, x: (x > 1).nonzero(), [X3]),
    "nonzero_as_tuple": (lambda M, x: M.nonzero(x > 2.5, as_tuple=True), [X]),
    "nonzero_0d": (lambda M, x: M.nonzero(x), [np.array(3.0)]),
    "nonzero_0d_zero": (lambda M, x: M.nonzero(x), [np.array(0.0)]),
    "nonzero_0d_as_tuple": (lambda M, x: M.nonzero(x, as_tuple=True), [np.array(2.0)]),
    "argwhere": (lambda M, x: M.argwhere(x > 2), [X]),
    "where_cond_only": (lambda M, x: M.where(x > 2), [X]),
    "gather_dim1": (lambda M, x: M.gather(x, 1, M.tensor([[0, 0], [2, 1]])), [X]),
    "gather_dim0": (lambda M, x: x.gather(0, M.tensor([[1, 0, 1]])), [X]),
    "gather_larger_along_dim": (lambda M, x: M.gather(x, 1, M.tensor([[0, 1, 2, 0], [2, 2, 2, 2]])), [X]),
    "gather_3d": (lambda M, x: M.gather(x, 2, M.tensor([[[3], [0], [1]], [[2], [2], [0]]])), [X3]),
    "gather_int32_index": (lambda M, x: M.gather(x, 1, M.tensor([[0], [2]], dtype=M.int32)), [X]),
    "scatter_src": (lambda M, x, s: M.scatter(x, 1, M.tensor([[0], [2]]), s), [X, np.array([[9.0], [8.0]])]),
    "scatter_src_method": (lambda M, x, s: x.scatter(0, M.tensor([[1, 0, 1]]), s), [X, np.array([[7.0, 6, 5]])]),
    "scatter_value": (lambda M, x: M.scatter(x, 1, M.tensor([[0], [2]]), 7.5), [X]),
    "scatter_value_kw": (lambda M, x: M.scatter(x, 1, M.tensor([[1], [0]]), value=-1.0), [X]),
    "scatter_value_int_cast": (lambda M, x: M.scatter(x.long(), 1, M.tensor([[0], [2]]), 7.5), [X]),
    "scatter_add": (lambda M, x, s: M.scatter_add(x, 1, M.tensor([[0, 0], [2, 1]]), s),
                    [X, np.array([[1.0, 2], [3, 4]])]),
    "scatter_add_method": (lambda M, x, s: x.scatter_add(0, M.tensor([[1, 1, 0]]), s), [X, np.array([[1.0, 2, 3]])]),
    "take": (lambda M, x: M.take(x, M.tensor([0, 5, -1, 2])), [X]),
    "take_2d_index": (lambda M, x: x.take(M.tensor([[0, 1], [4, 4]])), [X]),
    "where": (lambda M, x, y: M.where(x > 2, x, y), [X, X[::-1].copy() * 2]),
    "where_scalar_other": (lambda M, x: M.where(x > 2, x, 0.0), [X]),
    "where_scalar_input": (lambda M, x: M.where(x > 2, 1.5, x), [X]),
    "where_broadcast": (lambda M, x, y: M.where(x > 2, x, y), [X, np.array([0.5, -1.0, 2.0])]),
    "where_scalars_int": (lambda M, x: M.where(x > 2, 1, 0), [X]),
    "where_scalars_float": (lambda M, x: M.where(x > 2, 1.0, 0), [X]),
    "where_promote": (lambda M, x: M.where(x > 2, x.int(), x.double()), [X]),
    "where_method": (lambda M, x, y: x.where(x > 2, y), [X, X * 3]),
    "masked_fill": (lambda M, x: x.masked_fill(x > 2, 0.5), [X]),
    "masked_fill_broadcast_mask": (lambda M, x: M.masked_fill(x, M.tensor([True, False, True]), -1.0), [X]),
    "masked_fill_broadcast_input": (lambda M, x: x[0].masked_fill(x > 2, 1.0), [X]),
    "masked_fill_tensor_value": (lambda M, x, v: x.masked_fill(x < 3, v), [X, np.array(7.0)]),
    "masked_fill_int_truncates": (lambda M, x: x.long().masked_fill(x > 2, 2.5), [X]),
    "index_add": (lambda M, x, s: M.index_add(x, 1, M.tensor([0, 0]), s), [X, np.array([[1.0, 2], [3, 4]])]),
    "index_add_alpha": (lambda M, x, s: x.index_add(0, M.tensor([1]), s, alpha=2), [X, np.array([[1.0, 2, 3]])]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_selection_values_and_grads(name):
    fn, arrays = CASES[name]
    check(fn, arrays, msg=name)


def test_scatter_src_larger_than_index():
    # forward is fine; the src gradient has the index's shape, which torch's engine rejects (RuntimeError)
    src = np.arange(8, dtype=np.float64).reshape(2, 4)
    check(lambda M, x, s: M.scatter(x, 1, M.tensor([[2, 0]]), s), [X, src], grad=False)

    def body(M):
        x = M.tensor(X, requires_grad=True)
        s = M.tensor(src, requires_grad=True)
        M.scatter(x, 1, M.tensor([[2, 0]]), s).sum().backward()

    assert_same_error(body)


@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "uint8", "bool", "float16"])
def test_selection_dtypes(dtype):
    def body(M):
        x = M.tensor(X).to(getattr(M, dtype))
        return (M.index_select(x, 1, M.tensor([2, 0])), M.masked_select(x, M.tensor([True, False, True])),
                M.gather(x, 0, M.tensor([[1, 0, 1]])), M.nonzero(x), M.take(x, M.tensor([3, 0])),
                M.scatter(x, 1, M.tensor([[0], [1]]), x[:, :1].clone()), M.where(x > 2, x, x))

    check(lambda M: body(M), [], grad=False)


RESULTS_NEW_MEMORY = {
    "index_select": lambda M, x: M.index_select(x, 0, M.tensor([0, 1])),
    "masked_select": lambda M, x: M.masked_select(x, x > -1),
    "gather": lambda M, x: M.gather(x, 1, M.tensor([[0, 1, 2], [0, 1, 2]])),
    "take": lambda M, x: M.take(x, M.tensor([0])),
    "scatter": lambda M, x: M.scatter(x, 1, M.tensor([[0], [1]]), 0.0),
    "where": lambda M, x: M.where(x > -1, x, x),
}


@pytest.mark.parametrize("name", list(RESULTS_NEW_MEMORY))
def test_results_are_new_memory(name):
    for M in (lib, torch):
        x = M.tensor(X)
        y = RESULTS_NEW_MEMORY[name](M, x)
        assert not shares_storage(x, y), f"{name}: result shares memory with the input ({M.__name__})"


def test_scatter_inplace_writes_and_records():
    out = {}
    for M in (lib, torch):
        a = M.tensor(X, requires_grad=True)
        s = M.tensor([[9.0], [8.0]], dtype=M.float64, requires_grad=True)
        b = a * 1
        v = b._version
        r = b.scatter_(1, M.tensor([[0], [2]]), s)
        assert r is b and b._version == v + 1
        (b * M.tensor(X)).sum().backward()
        out[M] = (b, a.grad, s.grad, type(b.grad_fn).__name__)
    assert_same(out[lib][0], out[torch][0])
    assert_same(out[lib][1], out[torch][1])
    assert_same(out[lib][2], out[torch][2])
    assert out[lib][3] == out[torch][3] == "ScatterBackward0"


def test_scatter_inplace_through_view_uses_copyslices():
    names = {}
    for M in (lib, torch):
        a = M.tensor(X, requires_grad=True)
        b = a * 1
        b[0].scatter_(0, M.tensor([1]), 5.0)
        b.sum().backward()
        names[M] = (type(b.grad_fn).__name__, a.grad.tolist(), b.tolist())
    assert names[lib] == names[torch]


def test_masked_fill_inplace():
    res = {}
    for M in (lib, torch):
        leaf = M.tensor(X, requires_grad=True)
        v = M.tensor(3.0, dtype=M.float64, requires_grad=True)
        x = leaf * 2
        assert x.masked_fill_(M.tensor([False, True, False]), v) is x
        (x * M.tensor(X)).sum().backward()
        res[M] = (x, leaf.grad, v.grad, type(x.grad_fn).__name__)
    for a, b in zip(res[lib][:3], res[torch][:3]):
        assert_same(a, b)
    assert res[lib][3] == res[torch][3]


def test_masked_fill_inplace_on_expanded_tensor_is_allowed():
    res = []
    for M in (lib, torch):
        base = M.tensor([1.0, 5.0, 3.0])
        x = base.expand(2, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x.masked_fill_(M.tensor([True, False, False]), 9.0)
        res.append((x, base))
    assert_same(res[0][0], res[1][0])
    assert_same(res[0][1], res[1][1])


def test_scatter_value_inplace_int_and_leaf_error():
    for M in (lib, torch):
        x = M.tensor([[1, 2, 3]])
        x.scatter_(1, M.tensor([[2]]), 9)
        assert x.tolist() == [[1, 2, 9]]
    check_error(lambda M, x: x.scatter_(1, M.tensor([[0], [1]]), 1.0), [X], requires_grad=True)


@pytest.mark.parametrize("name", ["index_select", "masked_select", "gather", "nonzero", "take", "where"])
def test_out_variants(name):
    bodies = {
        "index_select": lambda M, x, o: M.index_select(x, 1, M.tensor([0, 2]), out=o),
        "masked_select": lambda M, x, o: M.masked_select(x, x > 2, out=o),
        "gather": lambda M, x, o: M.gather(x, 1, M.tensor([[0], [1]]), out=o),
        "nonzero": lambda M, x, o: M.nonzero(x > 2, out=o),
        "take": lambda M, x, o: M.take(x, M.tensor([1, 2]), out=o),
        "where": lambda M, x, o: M.where(x > 2, x, -x, out=o),
    }
    res = {}
    for M in (lib, torch):
        x = M.tensor(X)
        o = M.zeros(0, dtype=M.int64 if name == "nonzero" else M.float64)
        r = bodies[name](M, x, o)
        assert r is o
        res[M] = o
    assert_same(res[lib], res[torch])


ERRORS = {
    "index_select_float_index": lambda M, x: M.index_select(x, 1, M.tensor([0.0])),
    "index_select_2d_index": lambda M, x: M.index_select(x, 1, M.tensor([[0, 1]])),
    "index_select_out_of_range": lambda M, x: M.index_select(x, 1, M.tensor([0, 3])),
    "index_select_negative": lambda M, x: M.index_select(x, 1, M.tensor([-1])),
    "index_select_bad_dim": lambda M, x: M.index_select(x, 2, M.tensor([0])),
    "index_select_not_tensor_index": lambda M, x: M.index_select(x, 0, [0]),
    "masked_select_float_mask": lambda M, x: M.masked_select(x, x),
    "masked_select_int_mask": lambda M, x: M.masked_select(x, M.tensor([1, 0, 1])),
    "masked_select_bad_shape": lambda M, x: M.masked_select(x, M.tensor([True, False])),
    "gather_bad_ndim": lambda M, x: M.gather(x, 1, M.tensor([0, 1])),
    "gather_index_too_big": lambda M, x: M.gather(x, 1, M.tensor([[0], [1], [0]])),
    "gather_out_of_range": lambda M, x: M.gather(x, 1, M.tensor([[0], [3]])),
    "gather_negative": lambda M, x: M.gather(x, 1, M.tensor([[-1], [0]])),
    "gather_bad_dim": lambda M, x: M.gather(x, -3, M.tensor([[0], [1]])),
    "gather_float_index": lambda M, x: M.gather(x, 1, M.tensor([[0.0], [1.0]])),
    "scatter_dtype_mismatch": lambda M, x: M.scatter(x, 1, M.tensor([[0], [1]]), M.ones(2, 1, dtype=M.float64)),
    "scatter_out_of_range": lambda M, x: M.scatter(x, 1, M.tensor([[0], [3]]), 1.0),
    "scatter_index_bigger_than_src": lambda M, x: M.scatter(x, 1, M.tensor([[0, 1]]), M.ones(1, 1)),
    "scatter_bad_ndim": lambda M, x: M.scatter(x, 1, M.tensor([0, 1]), 1.0),
    "scatter__out_of_range": lambda M, x: x.scatter_(1, M.tensor([[0], [3]]), 1.0),
    "scatter__dtype": lambda M, x: x.scatter_(1, M.tensor([[0], [1]]), M.ones(2, 1, dtype=M.int64)),
    "scatter_add__out_of_range": lambda M, x: x.scatter_add_(0, M.tensor([[2, 0, 0]]), M.ones(1, 3)),
    "take_out_of_range": lambda M, x: M.take(x, M.tensor([6])),
    "take_neg_out_of_range": lambda M, x: M.take(x, M.tensor([-7])),
    "where_float_condition": lambda M, x: M.where(x, x, x),
    "where_bad_broadcast": lambda M, x: M.where(x > 1, x, M.ones(4)),
    "index_add__shape": lambda M, x: x.index_add_(0, M.tensor([0]), M.ones(1, 2)),
    "index_select_out_dtype": lambda M, x: M.index_select(x, 1, M.tensor([0]), out=M.zeros(0, dtype=M.float64)),
    "gather_out_dtype": lambda M, x: M.gather(x, 1, M.tensor([[0]]), out=M.zeros(0, dtype=M.float64)),
    "masked_select_out_dtype": lambda M, x: M.masked_select(x, x > 0, out=M.zeros(0, dtype=M.float64)),
    "take_out_dtype": lambda M, x: M.take(x, M.tensor([0]), out=M.zeros(0, dtype=M.int64)),
    "nonzero_out_dtype": lambda M, x: M.nonzero(x, out=M.zeros(0, dtype=M.int32)),
    "where_out_dtype": lambda M, x: M.where(x > 0, x, x, out=M.zeros(0, dtype=M.float64)),
    "scatter_out_dtype": lambda M, x: M.scatter(x, 1, M.tensor([[0]]), 1.0, out=M.zeros(0, dtype=M.float64)),
    "masked_fill_float_mask": lambda M, x: x.masked_fill(x, 0.0),
    "masked_fill_1d_value": lambda M, x: x.masked_fill(x > 1, M.tensor([2.0])),
    "masked_fill__grows": lambda M, x: x.masked_fill_(M.ones(2, 2, 3, dtype=M.bool), 1.0),
    "index_add__dtype": lambda M, x: x.index_add_(0, M.tensor([0]), M.ones(1, 3, dtype=M.float64)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_selection_errors(name):
    check_error(ERRORS[name], [X.astype(np.float32)])


# ---- Hypothesis: random shapes, dims and indices -----------------------------------------------------

shapes = npst.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
vals = st.floats(-4, 4, allow_nan=False, width=64)


@given(data=st.data())
def test_gather_scatter_random(data):
    shape = data.draw(shapes, label="shape")
    x = data.draw(npst.arrays(np.float64, shape, elements=vals), label="x")
    d = data.draw(st.integers(0, len(shape) - 1), label="dim")
    ishape = tuple(data.draw(st.integers(1, s), label=f"isize{k}") if k != d else data.draw(st.integers(0, 5))
                   for k, s in enumerate(shape))
    idx = data.draw(npst.arrays(np.int64, ishape, elements=st.integers(0, shape[d] - 1)), label="index")
    src = data.draw(npst.arrays(np.float64, ishape, elements=vals), label="src")
    check(lambda M, x: M.gather(x, d, M.tensor(idx)), [x], msg="gather")
    check(lambda M, x, s: M.scatter_add(x, d, M.tensor(idx), s), [x, src], msg="scatter_add")
    # scatter with duplicate indices is order-dependent in torch; keep the indices unique along dim
    if all(len(set(np.moveaxis(idx, d, -1).reshape(-1, idx.shape[d])[r])) == idx.shape[d]
           for r in range(int(np.prod(ishape)) // max(idx.shape[d], 1))) and idx.shape[d] <= shape[d]:
        check(lambda M, x, s: M.scatter(x, d, M.tensor(idx), s), [x, src], msg="scatter")


@given(data=st.data())
def test_index_select_masked_select_random(data):
    shape = data.draw(shapes, label="shape")
    x = data.draw(npst.arrays(np.float64, shape, elements=vals), label="x")
    d = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    n = shape[d]
    idx = data.draw(st.lists(st.integers(0, n - 1), max_size=5), label="index")
    check(lambda M, x: M.index_select(x, d, M.tensor(idx, dtype=M.int64)), [x], msg="index_select")
    mshape = data.draw(npst.broadcastable_shapes(shape, max_dims=3), label="mask shape")
    mask = data.draw(npst.arrays(np.bool_, mshape), label="mask")
    check(lambda M, x: M.masked_select(x, M.tensor(mask)), [x], msg="masked_select")
    check(lambda M, x: M.where(M.tensor(mask), x, -x), [x], msg="where")
    check(lambda M, x: M.nonzero(x > 0), [x], grad=False, msg="nonzero")


# ---- torch's finer rules: index_select error classes, aliasing out=, saved tensors --------------------

INDEX_SELECT_EDGE = {
    "0d_index_two_values": lambda M: M.index_select(M.tensor(3.0), 0, M.tensor([0, 0])),
    "0d_index_minus_one": lambda M: M.index_select(M.tensor(3.0), 0, M.tensor([-1])),
    "1d_out_of_range": lambda M: M.index_select(M.ones(3), 0, M.tensor([3])),
    "1d_empty_input": lambda M: M.index_select(M.zeros(0), 0, M.tensor([0])),
    "2d_dim0_out_of_range": lambda M: M.index_select(M.ones(3, 2), 0, M.tensor([3])),
    "2d_dim1_out_of_range": lambda M: M.index_select(M.ones(3, 2), 1, M.tensor([2])),
    "3d_dim2_out_of_range": lambda M: M.index_select(M.ones(3, 2, 2), 2, M.tensor([2])),
    "empty_selected_dim": lambda M: M.index_select(M.zeros(2, 0), 1, M.tensor([0])),
    "empty_other_dim_ok": lambda M: M.index_select(M.zeros(0, 1), 1, M.tensor([0])),
}


@pytest.mark.parametrize("name", list(INDEX_SELECT_EDGE))
def test_index_select_error_classes(name):
    check_error(lambda M: INDEX_SELECT_EDGE[name](M))


OVERLAP = {
    "index_select_out_is_input": lambda M, x: M.index_select(x, 0, M.tensor([0, 1]), out=x[:2]),
    "gather_out_is_input": lambda M, x: M.gather(x, 0, M.tensor([0]), out=x),
    "masked_select_out_is_input": lambda M, x: M.masked_select(x, x > 10, out=x[:0]),
    "take_out_is_input": lambda M, x: M.take(x, M.tensor([0, 1]), out=x[2:]),
    "cat_out_is_input": lambda M, x: M.cat([x, x], out=x),
    "cat_empty_out_is_input": lambda M, x: (lambda e: M.cat([e], out=e))(M.zeros(0, 0)),
    "cat_legacy_empty_out_is_input": lambda M, x: (lambda e: M.cat([e, M.zeros(0, 0)], out=e))(M.zeros(0)),
    "stack_out_is_input": lambda M, x: M.stack([x, x], out=x),
    "stack_out_cannot_cast": lambda M, x: M.stack([x, x], out=M.zeros(0, dtype=M.int64)),
    "scatter_out_is_self_ok": lambda M, x: M.scatter(x, 0, M.tensor([0]), x[:1].clone(), out=x),
    "scatter_out_is_src": lambda M, x: (lambda s: M.scatter(x, 0, M.tensor([0]), s, out=s))(x[:1].clone()),
    "scatter__src_is_self": lambda M, x: x.scatter_(0, M.tensor([0]), x),
    "index_add__source_is_self": lambda M, x: x.index_add_(0, M.tensor([0, 1]), x[:2]),
    "where_out_is_input_ok": lambda M, x: M.where(x > 0.5, x, x, out=x),
}


@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
@pytest.mark.parametrize("name", list(OVERLAP))
def test_out_aliasing_an_input(name):
    def body(M):
        x = M.arange(4.0)
        r = OVERLAP[name](M, x)
        return r.tolist() if r is not None else None

    le, te = assert_same_error(body)
    if le is None:
        assert body(lib) == body(torch)


SAVED = {
    "index_select": lambda M, x: M.index_select(x, 0, M.tensor([1, 0])),
    "gather": lambda M, x: M.gather(x, 0, M.tensor([1, 0])),
    "masked_select": lambda M, x: M.masked_select(x, x > 0),
    "scatter": lambda M, x: M.scatter(x, 0, M.tensor([0]), 5.0),
    "take": lambda M, x: M.take(x, M.tensor([1])),
    "where": lambda M, x: M.where(x > 0, x, 0.0),
    "masked_fill": lambda M, x: x.masked_fill(x > 0, 1.0),
    "cat": lambda M, x: M.cat([x, x]),
    "stack": lambda M, x: M.stack([x, x]),
}


@pytest.mark.parametrize("name", list(SAVED))
def test_second_backward_without_retain_graph(name):
    """Nodes that save tensors (indices, masks) refuse a second backward; cat/stack save none."""
    def body(M):
        x = M.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = SAVED[name](M, x).sum()
        y.backward()
        y.backward()
        return x.grad.tolist()

    le, te = assert_same_error(body)
    if le is None:
        assert body(lib) == body(torch)
