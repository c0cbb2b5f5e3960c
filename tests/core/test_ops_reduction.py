"""Reductions beyond sum/mean, vs torch: prod, cumsum, cumprod, var, std (unbiased / correction), median,
norm (p = 0, 1, 2, 3, 0.5, inf, -inf, 'fro'), dist, all/any. Values, dtypes, node names, gradients
(including zeros for prod/cumprod), keepdim, out=, in-place twins, errors and warnings."""
import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.core.opcheck import check, check_error
from tests.helpers import DTYPE_NAMES, assert_same, assert_same_error, dtype_name, error_kind, lib

X = np.array([[1.0, 5.0, 3.0], [4.0, -2.0, 6.0]])
Z = np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 0.0], [2.0, 3.0, 0.5]])  # zeros: prod/cumprod gradients
X3 = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 11) / 5

CASES = {
    "prod_all": (lambda M, x: M.prod(x), [X]),
    "prod_dim": (lambda M, x: x.prod(1), [X]),
    "prod_keepdim": (lambda M, x: M.prod(x, 0, keepdim=True), [X]),
    "prod_zeros_all": (lambda M, x: M.prod(x), [Z]),
    "prod_zeros_dim0": (lambda M, x: M.prod(x, 0), [Z]),
    "prod_zeros_dim1": (lambda M, x: M.prod(x, -1), [Z]),
    "prod_dtype": (lambda M, x: M.prod(x.float(), dtype=M.float64), [X]),
    "prod_int": (lambda M, x: M.prod(x.long(), 1), [X]),
    "prod_0d": (lambda M, x: M.prod(x[0, 1]), [X]),
    "cumsum": (lambda M, x: M.cumsum(x, 0), [X]),
    "cumsum_last": (lambda M, x: x.cumsum(-1), [X3]),
    "cumsum_dtype": (lambda M, x: M.cumsum(x.float(), 1, dtype=M.float64), [X]),
    "cumsum_int": (lambda M, x: M.cumsum(x.int(), 1), [X]),
    "cumsum_bool": (lambda M, x: M.cumsum(x > 2, 0), [X]),
    "cumsum_0d": (lambda M, x: M.cumsum(x[0, 0], 0), [X]),
    "cumprod": (lambda M, x: M.cumprod(x, 1), [X]),
    "cumprod_3d": (lambda M, x: x.cumprod(1), [X3]),
    "cumprod_zeros": (lambda M, x: M.cumprod(x, 1), [Z]),
    "cumprod_zeros_dim0": (lambda M, x: M.cumprod(x, 0), [Z]),
    "cumprod_int_dtype": (lambda M, x: M.cumprod(x.long(), 0, dtype=M.int32), [X]),
    "var_all": (lambda M, x: M.var(x), [X]),
    "var_dim": (lambda M, x: M.var(x, 0), [X]),
    "var_unbiased_positional": (lambda M, x: M.var(x, True), [X]),
    "var_biased_positional": (lambda M, x: M.var(x, False), [X]),
    "var_dim_unbiased_keepdim": (lambda M, x: M.var(x, 1, False, True), [X]),
    "var_unbiased_kw": (lambda M, x: x.var(dim=0, unbiased=False), [X]),
    "var_correction": (lambda M, x: M.var(x, correction=2), [X3]),
    "var_dims_tuple": (lambda M, x: M.var(x, (0, 2), correction=0, keepdim=True), [X3]),
    "std_all": (lambda M, x: M.std(x), [X]),
    "std_dim": (lambda M, x: x.std(1, keepdim=True), [X3]),
    "std_correction0": (lambda M, x: M.std(x, -1, correction=0), [X3]),
    "std_half": (lambda M, x: M.std(x.half()), [X]),
    "median_all_odd": (lambda M, x: M.median(x[:, :3].reshape(-1)[:5]), [X]),
    "median_all_even_lower": (lambda M, x: M.median(x), [X]),
    "median_dim": (lambda M, x: M.median(x, 1), [X]),
    "median_dim_keepdim": (lambda M, x: x.median(0, keepdim=True), [X3]),
    "median_ties_grad_shared": (lambda M, x: M.median(x), [np.array([2.0, 1.0, 2.0, 3.0, 2.0])]),
    "median_int": (lambda M, x: M.median(x.long()), [X]),
    "median_uint8_dim": (lambda M, x: M.median((x + 3).to(M.uint8), 1), [X]),
    "median_nan": (lambda M: M.median(M.tensor([1.0, float("nan"), 3.0])), []),
    "median_nan_dim": (lambda M: M.median(M.tensor([[1.0, float("nan"), 3.0], [1, 2, 3]]), 1), []),
    "median_empty": (lambda M: M.median(M.tensor([])), []),
    "median_0d_dim": (lambda M, x: M.median(x[0, 0], 0), [X]),
    "norm_default": (lambda M, x: M.norm(x), [X]),
    "norm_method": (lambda M, x: x.norm(), [X3]),
    "norm_p1": (lambda M, x: M.norm(x, 1), [X]),
    "norm_p3_dim": (lambda M, x: M.norm(x, 3, dim=1), [X]),
    "norm_p_half": (lambda M, x: M.norm(x, 0.5), [X]),
    "norm_p1_5_keepdim": (lambda M, x: M.norm(x, 1.5, 0, True), [X]),
    "norm_inf": (lambda M, x: M.norm(x, float("inf")), [X]),
    "norm_inf_ties": (lambda M, x: M.norm(x, float("inf"), dim=1), [np.array([[1.0, -3.0, 3.0], [2.0, 0.5, 1.0]])]),
    "norm_neg_inf": (lambda M, x: M.norm(x, float("-inf")), [X]),
    "norm_p0": (lambda M, x: M.norm(x, 0), [Z]),
    "norm_fro": (lambda M, x: M.norm(x, "fro"), [X3]),
    "norm_fro_dims": (lambda M, x: M.norm(x, "fro", dim=(0, 1)), [X3]),
    "norm_fro_dim": (lambda M, x: M.norm(x, p="fro", dim=1, keepdim=True), [X]),
    "norm_dim_tuple": (lambda M, x: M.norm(x, 2, dim=(0, 2)), [X3]),
    "norm_dtype": (lambda M, x: M.norm(x.float(), dtype=M.float64), [X]),
    "norm_zero_vector_grad": (lambda M, x: M.norm(x * 0, dim=1), [X]),
    "norm_0d": (lambda M, x: M.norm(x[1, 1]), [X]),
    "vector_norm": (lambda M, x: M.linalg.vector_norm(x, 3, dim=1), [X]),
    "linalg_norm_vector": (lambda M, x: M.linalg.norm(x[0], 1), [X]),
    "linalg_norm_default": (lambda M, x: M.linalg.norm(x), [X3]),
    "dist": (lambda M, x, y: M.dist(x, y), [X, X * 0.5 + 1]),
    "dist_p1_broadcast": (lambda M, x, y: M.dist(x, y, 1), [X, np.array([1.0, 2.0, 3.0])]),
    "dist_p_inf": (lambda M, x, y: x.dist(y, float("inf")), [X, X[::-1].copy()]),
    "dist_p3": (lambda M, x, y: M.dist(x, y, 3), [X, X[::-1].copy()]),
    "dist_promote": (lambda M, x: M.dist(x.float(), x.long() + 1), [X]),
    "all": (lambda M, x: M.all(x), [Z]),
    "all_dim": (lambda M, x: M.all(x, 1), [Z]),
    "any_keepdim": (lambda M, x: M.any(x > 2, 0, keepdim=True), [Z]),
    "all_uint8": (lambda M, x: (x + 1).to(M.uint8).all(0), [Z]),
    "any_int": (lambda M, x: x.int().any(), [Z]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_reduction_values_and_grads(name):
    fn, arrays = CASES[name]
    check(fn, arrays, msg=name)


def test_cumprod_second_order():
    """create_graph through prod and cumprod (with a zero) matches torch's second derivatives."""
    res = {}
    for M in (lib, torch):
        x = M.tensor([2.0, 0.0, 3.0, 1.5], dtype=M.float64, requires_grad=True)
        y = M.prod(x) + M.cumprod(x, 0).sum()
        (g,) = M.autograd.grad(y, x, create_graph=True)
        (gg,) = M.autograd.grad((g * g).sum(), x)
        res[M] = (g, gg)
    assert_same(res[lib][0], res[torch][0])
    assert_same(res[lib][1], res[torch][1])


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_result_dtypes(a):
    bodies = {
        "prod": lambda M: M.prod(M.ones(2, 2, dtype=getattr(M, a))),
        "prod_dim": lambda M: M.prod(M.ones(2, 2, dtype=getattr(M, a)), 0),
        "cumsum": lambda M: M.cumsum(M.ones(2, 2, dtype=getattr(M, a)), 1),
        "cumprod": lambda M: M.cumprod(M.ones(2, 2, dtype=getattr(M, a)), 0),
        "var": lambda M: M.var(M.ones(2, 2, dtype=getattr(M, a))),
        "std_dim": lambda M: M.std(M.ones(2, 2, dtype=getattr(M, a)), 0),
        "median": lambda M: M.median(M.ones(2, 2, dtype=getattr(M, a))),
        "median_dim": lambda M: M.median(M.ones(2, 2, dtype=getattr(M, a)), 0).values,
        "norm": lambda M: M.norm(M.ones(2, 2, dtype=getattr(M, a))),
        "dist": lambda M: M.dist(M.ones(2, dtype=getattr(M, a)), M.ones(2, dtype=getattr(M, a))),
        "all": lambda M: M.all(M.ones(2, 2, dtype=getattr(M, a))),
        "any_dim": lambda M: M.any(M.ones(2, 2, dtype=getattr(M, a)), 1),
    }
    for name, fn in bodies.items():
        out = []
        for M in (lib, torch):
            try:
                out.append(dtype_name(fn(M).dtype))
            except Exception as e:  # noqa: BLE001
                out.append(error_kind(type(e)).__name__)
        assert out[0] == out[1], f"{name}({a}): {out[0]} != torch {out[1]}"


@pytest.mark.parametrize("a,b", list(itertools.product(["float32", "float64", "int64", "float16"], repeat=2)))
def test_dist_promotion(a, b):
    out = []
    for M in (lib, torch):
        try:
            out.append(dtype_name(M.dist(M.ones(2, dtype=getattr(M, a)), M.zeros(2, dtype=getattr(M, b))).dtype))
        except Exception as e:  # noqa: BLE001
            out.append(error_kind(type(e)).__name__)
    assert out[0] == out[1]


def test_degrees_of_freedom_warning():
    for M in (lib, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = M.var(M.tensor([1.0]))
        assert any("degrees of freedom is <= 0" in str(x.message) for x in w), M.__name__
        assert np.isnan(r.item())
    for corr in (5, 6, 7):
        vals = []
        for M in (lib, torch):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vals.append(M.var(M.tensor(X), correction=corr))
        assert_same(vals[0], vals[1], msg=f"correction={corr}")


@pytest.mark.parametrize("name", ["cumsum_", "cumprod_"])
def test_inplace_cum(name):
    res = {}
    for M in (lib, torch):
        leaf = M.tensor(Z, requires_grad=True)
        x = leaf * 1.5
        v = x._version
        assert getattr(x, name)(1) is x and x._version == v + 1
        (x * M.tensor(X3[0, :3, :3])).sum().backward()
        res[M] = (x, leaf.grad, type(x.grad_fn).__name__)
    assert_same(res[lib][0], res[torch][0])
    assert_same(res[lib][1], res[torch][1])
    assert res[lib][2] == res[torch][2]


OUTS = {
    "prod": lambda M, x, o: M.prod(x, 1, out=o),
    "cumsum": lambda M, x, o: M.cumsum(x, 0, out=o),
    "cumprod": lambda M, x, o: M.cumprod(x, 1, out=o),
    "var": lambda M, x, o: M.var(x, 1, out=o),
    "std": lambda M, x, o: M.std(x, 0, out=o),
    "norm": lambda M, x, o: M.norm(x, 1, dim=0, out=o),
}


@pytest.mark.parametrize("name", list(OUTS))
def test_out_variants(name):
    res = {}
    for M in (lib, torch):
        x = M.tensor(X, dtype=M.float32)
        o = M.empty(0)
        assert OUTS[name](M, x, o) is o
        res[M] = o
    assert_same(res[lib], res[torch])


ERRORS = {
    "prod_dim_tuple": lambda M, x: M.prod(x, (0, 1)),
    "prod_bad_dim": lambda M, x: M.prod(x, 2),
    "cumsum_no_dim": lambda M, x: M.cumsum(x),
    "cumsum_bad_dim": lambda M, x: M.cumsum(x, 2),
    "cumprod_bad_dim": lambda M, x: x.cumprod(-3),
    "cumsum__float_into_int": lambda M, x: x.long().cumsum_(0, dtype=M.float32),
    "cumprod__dtype_mismatch": lambda M, x: x.cumprod_(0, dtype=M.float64),
    "cumsum__bool": lambda M, x: (x > 1).cumsum_(0),
    "var_int": lambda M, x: M.var(x.long()),
    "std_bool": lambda M, x: M.std(x > 1),
    "var_bad_dim": lambda M, x: M.var(x, 3),
    "var_unbiased_and_correction": lambda M, x: M.var(x, 0, unbiased=False, correction=1),
    "var_out_int": lambda M, x: M.var(x, 0, out=M.zeros(0, dtype=M.int64)),
    "norm_out_dtype": lambda M, x: M.norm(x, 1, dim=0, out=M.zeros(0, dtype=M.float64)),
    "median_bool": lambda M, x: M.median(x > 1),
    "median_empty_dim": lambda M, x: M.median(M.zeros(0, 3), 0),
    "median_bad_dim": lambda M, x: M.median(x, 2),
    "norm_int": lambda M, x: M.norm(x.long()),
    "norm_bad_dim": lambda M, x: M.norm(x, dim=3),
    "norm_fro_three_dims": lambda M, x: M.norm(M.ones(2, 2, 2), "fro", dim=(0, 1, 2)),
    "norm_inf_empty": lambda M, x: M.norm(M.zeros(0), float("inf")),
    "dist_int": lambda M, x: M.dist(x.long(), x.long()),
    "dist_bad_broadcast": lambda M, x: M.dist(x, M.ones(4)),
    "all_bad_dim": lambda M, x: M.all(x, 2),
    "all_out_float": lambda M, x: M.all(x, out=M.zeros(0)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_reduction_errors(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(ERRORS[name], [X.astype(np.float32)])


# ---- Hypothesis ------------------------------------------------------------------------------------

vals = st.floats(-3, 3, allow_nan=False, width=64)


@given(data=st.data())
def test_reductions_random(data):
    shape = data.draw(npst.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), label="shape")
    x = data.draw(npst.arrays(np.float64, shape, elements=vals), label="x")
    d = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keep = data.draw(st.booleans(), label="keepdim")
    check(lambda M, x: M.prod(x, d, keepdim=keep), [x], msg="prod", grad_rtol=1e-6, grad_atol=1e-9)
    check(lambda M, x: M.cumsum(x, d), [x], msg="cumsum")
    check(lambda M, x: M.cumprod(x, d), [x], msg="cumprod", grad_rtol=1e-6, grad_atol=1e-9)
    if shape[d] > 1:
        corr = data.draw(st.integers(0, 1), label="correction")
        check(lambda M, x: M.var(x, d, keepdim=keep, correction=corr), [x], msg="var")
        spread = np.arange(x.size, dtype=np.float64).reshape(shape)  # std > 0: its gradient is finite
        check(lambda M, x: M.std(x + M.tensor(spread), d, keepdim=keep, correction=corr), [x], msg="std")
    p = data.draw(st.sampled_from([1, 2, 3, 1.5, float("inf")]), label="p")
    xn = x + np.sign(x) * 0.1 + (x == 0) * 0.3  # keep |x| away from 0 where the p-norm gradients are singular
    if p == float("inf"):
        xn = xn + np.arange(x.size).reshape(shape) * 1e-3  # no ties for the max
    check(lambda M, x: M.norm(x, p, dim=d, keepdim=keep), [xn], msg="norm")


@given(data=st.data())
def test_median_random(data):
    shape = data.draw(npst.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), label="shape")
    x = data.draw(npst.arrays(np.float64, shape, elements=vals, unique=True), label="x")
    d = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    check(lambda M, x: M.median(x), [x], msg="median")
    check(lambda M, x: M.median(x, d), [x], msg="median dim")


# ---- torch's finer rules ----------------------------------------------------------------------------

EDGE = {
    "cumsum__bool_1d": lambda M: M.zeros(2, dtype=M.bool).cumsum_(0),
    "cumsum__bool_0d": lambda M: M.zeros((), dtype=M.bool).cumsum_(0),
    "cumsum__bool_empty": lambda M: M.zeros(0, dtype=M.bool).cumsum_(0),
    "cumsum_out_computes_in_out_dtype": lambda M: M.cumsum(M.ones(3) * 1.7, 0, out=M.zeros(0, dtype=M.int64)),
    "cumsum_out_half_into_uint8": lambda M: M.cumsum(M.ones(3).half(), 0, out=M.zeros(0, dtype=M.uint8)),
    "cumsum_out_dtype_mismatch": lambda M: M.cumsum(M.ones(3), 0, dtype=M.float64, out=M.zeros(0, dtype=M.int64)),
    "cumprod_out_bool": lambda M: M.cumprod(M.ones(2), 0, out=M.zeros(0, dtype=M.bool)),
    "var_out_unbiased_only": lambda M: M.var(M.ones(3), unbiased=False, out=M.zeros(0)),
    "var_out_no_args": lambda M: M.var(M.ones(3), out=M.zeros(0)),
    "std_out_half_to_float_all": lambda M: M.std(M.ones(3).half(), correction=0, out=M.zeros(0)),
    "std_out_half_dim": lambda M: M.std(M.ones(3).half(), 0, correction=0, out=M.zeros(0).half()),
    "median_empty_uint8": lambda M: M.median(M.zeros(0, dtype=M.uint8)),
    "median_empty_int64": lambda M: M.median(M.zeros(0, dtype=M.int64)),
    "median_empty_half": lambda M: M.median(M.zeros(0, dtype=M.float16)),
    "norm_inf_empty_dim": lambda M: M.norm(M.zeros(3, 0), float("inf"), dim=1),
    "norm_inf_nonempty_dim": lambda M: M.norm(M.zeros(0, 1), float("inf"), dim=1),
    "norm_neg_empty": lambda M: M.norm(M.zeros(0), -2.5),
    "norm_half_empty_dim": lambda M: M.norm(M.zeros(3, 0), 0.5, dim=1),
    "norm_single_denormal": lambda M: M.norm(M.tensor([1.401298464324817e-45])),
    "dist_inf_empty": lambda M: M.dist(M.zeros(0), M.zeros(0), float("inf")),
    "dist_p0_scalar": lambda M: M.dist(M.tensor(0.0), M.tensor(0.5), 0),
}


@pytest.mark.parametrize("name", list(EDGE))
def test_reduction_edge_rules(name):
    def body(M):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = EDGE[name](M)
        return str(r.dtype).split(".")[-1], r.tolist()

    le, te = assert_same_error(body)
    if le is None:
        a, b = body(lib), body(torch)
        assert a[0] == b[0] and np.allclose(np.asarray(a[1], dtype=float), np.asarray(b[1], dtype=float),
                                             equal_nan=True)


GRAD_EDGE = {
    "std_zero_spread": (lambda M, x: M.std(x, 1), [np.array([[1.0, 1.0], [1.0, 3.0]])]),
    "std_0d": (lambda M, x: M.std(x[0, 0], 0, correction=0), [np.array([[2.0]])]),
    "var_dof_zero_dim": (lambda M, x: M.var(x, 1, correction=3), [np.array([[0.0, 1.0, 3.0]])]),
    "var_dof_negative_dim": (lambda M, x: M.var(x, 1, correction=4), [np.array([[0.0, 1.0, 3.0]])]),
    "var_dof_negative_1d": (lambda M, x: M.var(x, 0, correction=2), [np.array([0.0])]),
    "var_0d_correction": (lambda M, x: M.var(x[0], 0, correction=2), [np.array([0.0])]),
    "var_all_dof_zero": (lambda M, x: M.var(x, correction=3), [np.array([1.0, 3.0, 6.0])]),
    "var_all_dof_negative": (lambda M, x: M.var(x, correction=4), [np.array([1.0, 3.0, 6.0])]),
    "var_all_single": (lambda M, x: M.var(x, correction=2), [np.array([0.0])]),
    "norm_single_denormal": (lambda M, x: M.norm(x.float()), [np.array([1.401298464324817e-45])]),
}


@pytest.mark.parametrize("name", list(GRAD_EDGE))
def test_degenerate_gradients(name):
    fn, arrays = GRAD_EDGE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, arrays, msg=name)


@pytest.mark.parametrize("other_requires_grad", [False, True])
def test_dist_p0_backward(other_requires_grad):
    # torch: no gradient for p=0; with other requiring grad its backward fails negating the undefined grad
    def body(M):
        a = M.tensor([1.0, 2.0], requires_grad=True)
        b = M.tensor([0.0, 2.0], requires_grad=other_requires_grad)
        M.dist(a, b, 0).backward()
        return a.grad

    le, te = assert_same_error(body)
    if le is None:
        assert body(lib) is None and body(torch) is None
