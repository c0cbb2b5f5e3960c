"""The pointwise ops added beyond the first slice, vs torch: clamp/clip (scalar or tensor bounds, min or max
only), clamp_min/clamp_max, addcmul/addcdiv (value=), softmax/log_softmax, round (decimals=),
maximum/minimum, relu. Values, result dtypes, grad_fn names, gradients, in-place twins, out=, errors."""
import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.core.opcheck import check, check_error
from tests.helpers import DTYPE_NAMES, assert_same, assert_same_error, dtype_name, lib

X = np.array([[1.0, 5.0, 3.0], [4.0, -2.0, 6.0]])
LO = np.array([2.0, 0.0, 3.5])
HI = np.array([[4.0, 1.0, 5.0]])
P = np.array([[0.5, 2.0, 1.5], [3.0, 0.25, 1.0]])

CASES = {
    "clamp_both": (lambda M, x: M.clamp(x, 2, 4), [X]),
    "clamp_min_only": (lambda M, x: M.clamp(x, min=2.5), [X]),
    "clamp_max_only": (lambda M, x: x.clamp(max=0), [X]),
    "clamp_min_gt_max": (lambda M, x: M.clamp(x, 5, 2), [X]),
    "clamp_at_bound": (lambda M, x: M.clamp(x, 3, 5), [X]),
    "clip_alias": (lambda M, x: M.clip(x, -1, 4), [X]),
    "clamp_tensor_bounds": (lambda M, x, lo, hi: M.clamp(x, lo, hi), [X, LO, HI]),
    "clamp_tensor_min": (lambda M, x, lo: M.clamp(x, min=lo), [X, LO]),
    "clamp_tensor_max": (lambda M, x, hi: x.clamp(max=hi), [X, HI]),
    "clamp_tensor_crossed": (lambda M, x, lo: M.clamp(x, lo, lo - 1), [X, LO]),
    "clamp_tensor_broadcast_up": (lambda M, x, lo: M.clamp(x[0], lo.reshape(3, 1)), [X, LO]),
    "clamp_min_fn": (lambda M, x: M.clamp_min(x, 2), [X]),
    "clamp_max_fn": (lambda M, x: x.clamp_max(2), [X]),
    "clamp_min_tensor": (lambda M, x, lo: M.clamp_min(x, lo), [X, LO]),
    "clamp_max_tensor": (lambda M, x, hi: M.clamp_max(x, hi), [X, HI]),
    "clamp_int_float_bound": (lambda M, x: M.clamp(x.long(), 0.5, 3), [X]),
    "clamp_nan_input": (lambda M: M.clamp(M.tensor([float("nan"), 1.0, 7.0]), 0, 5), []),
    "addcmul": (lambda M, x, a, b: M.addcmul(x, a, b), [X, P, X * 0.5]),
    "addcmul_value": (lambda M, x, a, b: M.addcmul(x, a, b, value=-0.5), [X, P, X]),
    "addcmul_broadcast": (lambda M, x, a, b: M.addcmul(x, a, b, value=2), [X, LO, HI]),
    "addcmul_method": (lambda M, x, a, b: x.addcmul(a, b, value=3), [X, P, P]),
    "addcdiv": (lambda M, x, a, b: M.addcdiv(x, a, b), [X, X, P]),
    "addcdiv_value": (lambda M, x, a, b: M.addcdiv(x, a, b, value=0.1), [X, X, P]),
    "addcdiv_broadcast": (lambda M, x, a, b: x.addcdiv(a, b, value=-2), [X, LO, P]),
    "addcmul_int": (lambda M, x: M.addcmul(x.long(), x.long(), x.long(), value=1.7), [X]),
    "addcdiv_int_input": (lambda M, x, p: M.addcdiv(x.long(), x, p), [X, P]),
    "addcmul_promote": (lambda M, x, p: M.addcmul(x.int(), p.float(), x.long()), [X, P]),
    "softmax_dim0": (lambda M, x: M.softmax(x, 0), [X]),
    "softmax_dim_last": (lambda M, x: x.softmax(-1), [X]),
    "softmax_dtype": (lambda M, x: M.softmax(x.float(), 1, dtype=M.float64), [X]),
    "softmax_int_with_dtype": (lambda M, x: M.softmax(x.long(), 0, dtype=M.float32), [X]),
    "softmax_0d": (lambda M, x: M.softmax(x[0, 0], 0), [X]),
    "softmax_half": (lambda M, x: M.softmax(x.half(), 1), [X]),
    "softmax_inf": (lambda M: M.softmax(M.tensor([1.0, float("-inf"), 3.0]), 0), []),
    "log_softmax": (lambda M, x: M.log_softmax(x, 1), [X]),
    "log_softmax_method": (lambda M, x: x.log_softmax(0), [X]),
    "round": (lambda M: M.round(M.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1.25, 2.675])), []),
    "round_grad": (lambda M, x: M.round(x * 0.3), [X]),
    "round_decimals": (lambda M, x: M.round(x * 0.123456, decimals=2), [X]),
    "round_neg_decimals": (lambda M, x: M.round(x * 123.4, decimals=-2), [X]),
    "round_int": (lambda M, x: M.round(x.long()), [X]),
    "maximum": (lambda M, x, y: M.maximum(x, y), [X, P * 3]),
    "minimum": (lambda M, x, y: M.minimum(x, y), [X, P * 3]),
    "maximum_ties": (lambda M, x: M.maximum(x, M.tensor([1.0, 0.0, 3.0], dtype=M.float64)), [X]),
    "minimum_ties_both_grad": (lambda M, x, y: M.minimum(x, y), [X, np.array([1.0, 5.0, 0.0])]),
    "maximum_promote": (lambda M, x: M.maximum(x.long(), x.float() / 2), [X]),
    "maximum_bool": (lambda M, x: M.maximum(x > 2, x > 4), [X]),
    "max_binary": (lambda M, x, y: M.max(x, y), [X, P]),
    "min_binary_method": (lambda M, x, y: x.min(y), [X, P]),
    "relu": (lambda M, x: M.relu(x - 2), [X]),
    "relu_int": (lambda M, x: M.relu(x.long() - 2), [X]),
    "relu_method": (lambda M, x: (x - 3).relu(), [X]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_pointwise_values_and_grads(name):
    fn, arrays = CASES[name]
    check(fn, arrays, msg=name)


@pytest.mark.parametrize("form", ["function", "method", "inplace"])
@pytest.mark.parametrize("kind", ["addcmul", "addcdiv"])
def test_deprecated_positional_value_form(kind, form):
    """torch still accepts addc*(input, value, t1, t2) with a deprecation warning (seed 001 uses it)."""
    res = {}
    for M in (lib, torch):
        x, a, b = M.tensor(X), M.tensor(P), M.tensor(P + 1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            if form == "function":
                r = getattr(M, kind)(x, 0.1, a, b)
            elif form == "method":
                r = getattr(x, kind)(0.1, a, b)
            else:
                r = getattr(x, kind + "_")(0.1, a, b)
        # torch warns once per process (TORCH_WARN_ONCE), so only the library's warning is checked
        assert M is torch or any("This overload of" in str(m.message) for m in w)
        res[M] = r
    assert_same(res[lib], res[torch])


# ---- result dtypes over every dtype pair -------------------------------------------------------------

PAIRS = list(itertools.product(DTYPE_NAMES, DTYPE_NAMES))


def _outcome(fn, M):
    try:
        r = fn(M)
        return dtype_name(r.dtype)
    except Exception as e:  # noqa: BLE001
        from tests.helpers import error_kind

        return error_kind(type(e)).__name__


@pytest.mark.parametrize("a,b", PAIRS)
def test_result_dtypes(a, b):
    bodies = {
        "clamp_tensor": lambda M: M.clamp(M.ones(2, dtype=getattr(M, a)), M.zeros(2, dtype=getattr(M, b))),
        "clamp_scalar_int": lambda M: M.clamp(M.ones(2, dtype=getattr(M, a)), 0, 1),
        "clamp_scalar_float": lambda M: M.clamp(M.ones(2, dtype=getattr(M, a)), max=0.5),
        "addcmul": lambda M: M.addcmul(M.ones(2, dtype=getattr(M, a)), M.ones(2, dtype=getattr(M, b)),
                                       M.ones(2, dtype=getattr(M, a))),
        "addcdiv": lambda M: M.addcdiv(M.ones(2, dtype=getattr(M, a)), M.ones(2, dtype=getattr(M, b)),
                                       M.ones(2, dtype=getattr(M, b))),
        "maximum": lambda M: M.maximum(M.ones(2, dtype=getattr(M, a)), M.ones(2, dtype=getattr(M, b))),
        "minimum_0d": lambda M: M.minimum(M.ones(2, dtype=getattr(M, a)), M.tensor(1, dtype=getattr(M, b))),
        "softmax": lambda M: M.softmax(M.ones(2, dtype=getattr(M, a)), 0),
        "round": lambda M: M.round(M.ones(2, dtype=getattr(M, a))),
        "relu": lambda M: M.relu(M.ones(2, dtype=getattr(M, a))),
    }
    for name, fn in bodies.items():
        assert _outcome(fn, lib) == _outcome(fn, torch), f"{name}({a}, {b})"


# ---- in-place twins and out= ----------------------------------------------------------------------

INPLACE = {
    "clamp_": lambda M, x: x.clamp_(1, 4),
    "clamp__tensor": lambda M, x: x.clamp_(M.tensor(LO, dtype=x.dtype), None),
    "clip_": lambda M, x: x.clip_(max=2),
    "clamp_min_": lambda M, x: x.clamp_min_(2),
    "clamp_max_": lambda M, x: x.clamp_max_(M.tensor(HI, dtype=x.dtype)),
    "addcmul_": lambda M, x: x.addcmul_(M.tensor(P, dtype=x.dtype), M.tensor(LO, dtype=x.dtype), value=2),
    "addcdiv_": lambda M, x: x.addcdiv_(M.tensor(P, dtype=x.dtype), M.tensor(HI, dtype=x.dtype), value=-1),
    "round_": lambda M, x: x.mul(0.37).round_(),
    "round__decimals": lambda M, x: x.mul(0.37).round_(decimals=1),
    "relu_": lambda M, x: x.sub(3).relu_(),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_twins(name):
    """In place on a non-leaf: same values and memory, version bump, node name and gradients."""
    res = {}
    for M in (lib, torch):
        leaf = M.tensor(X, requires_grad=True)
        x = leaf * 1
        v, ptr = x._version, x.data_ptr()
        r = INPLACE[name](M, x)
        if name.startswith("round_") or name == "relu_":
            x = r
        else:
            assert r is x and x.data_ptr() == ptr and x._version == v + 1
        (x * M.tensor(P)).sum().backward()
        res[M] = (x, leaf.grad, type(x.grad_fn).__name__)
    assert_same(res[lib][0], res[torch][0], msg=name)
    assert_same(res[lib][1], res[torch][1], msg=name + " grad")
    assert res[lib][2] == res[torch][2]


def test_inplace_on_view_goes_through_copyslices():
    res = {}
    for M in (lib, torch):
        leaf = M.tensor(X, requires_grad=True)
        x = leaf * 1
        x[:, 1].clamp_(0, 2)
        x.sum().backward()
        res[M] = (type(x.grad_fn).__name__, leaf.grad.tolist(), x.tolist())
    assert res[lib] == res[torch]


OUTS = {
    "clamp": lambda M, x, o: M.clamp(x, 0, 2, out=o),
    "clamp_min": lambda M, x, o: M.clamp_min(x, 2, out=o),
    "clamp_max": lambda M, x, o: M.clamp_max(x, 2, out=o),
    "addcmul": lambda M, x, o: M.addcmul(x, x, x, value=0.5, out=o),
    "addcdiv": lambda M, x, o: M.addcdiv(x, x, x + 10, out=o),
    "maximum": lambda M, x, o: M.maximum(x, -x, out=o),
    "minimum": lambda M, x, o: M.minimum(x, -x, out=o),
    "round": lambda M, x, o: M.round(x / 3, out=o),
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
    "clamp_no_bounds": lambda M, x: M.clamp(x),
    "clamp_mixed_bound_kinds": lambda M, x: M.clamp(x, M.zeros(3), 1.0),
    "clamp_bad_broadcast": lambda M, x: M.clamp(x, M.zeros(4)),
    "clamp__float_bound_on_int": lambda M, x: x.long().clamp_(0.5),
    "clamp__broadcast_grows": lambda M, x: x.clamp_(M.zeros(2, 2, 3)),
    "clamp_bool_scalar": lambda M, x: (x > 2).clamp(min=True),
    "clamp_out_wrong_dtype": lambda M, x: M.clamp(x, 0, 1, out=M.zeros(0, dtype=M.float64)),
    "clamp__leaf_requires_grad": lambda M, x: M.tensor([1.0], requires_grad=True).clamp_(0, 1),
    "addcdiv_int_int": lambda M, x: M.addcdiv(x, x.long(), x.long()),
    "addcmul_bool": lambda M, x: M.addcmul(x > 1, x > 1, x > 1),
    "addcmul_bad_broadcast": lambda M, x: M.addcmul(x, M.ones(4), x),
    "addcmul__float_into_int": lambda M, x: x.long().addcmul_(x, x),
    "softmax_int": lambda M, x: M.softmax(x.long(), 0),
    "softmax_int_lastdim": lambda M, x: M.softmax(x.long(), 1),
    "softmax_bad_dim": lambda M, x: M.softmax(x, 2),
    "log_softmax_int": lambda M, x: M.log_softmax(x.int(), 0),
    "round_bool": lambda M, x: M.round(x > 1),
    "round_int_decimals": lambda M, x: M.round(x.long(), decimals=1),
    "round_out_wrong_dtype": lambda M, x: M.round(x, out=M.zeros(0, dtype=M.float64)),
    "maximum_scalar": lambda M, x: M.maximum(x, 2),
    "maximum_bad_broadcast": lambda M, x: M.maximum(x, M.ones(4)),
    "max_binary_float_other": lambda M, x: M.max(x, 2.0),
    "relu_bool": lambda M, x: M.relu(x > 1),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_pointwise_errors(name):
    check_error(ERRORS[name], [X.astype(np.float32)])


# ---- Hypothesis: gradients with random shapes, bounds and broadcasting ------------------------------

finite = st.floats(-4, 4, allow_nan=False, width=64)


@given(data=st.data())
def test_clamp_addc_random(data):
    shape = data.draw(npst.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="shape")
    x = data.draw(npst.arrays(np.float64, shape, elements=finite, unique=True), label="x")
    bshape = data.draw(npst.broadcastable_shapes(shape, max_dims=len(shape)), label="bound shape")
    lo = data.draw(npst.arrays(np.float64, bshape, elements=st.floats(-2, 0, width=64)), label="lo")
    hi = data.draw(npst.arrays(np.float64, bshape, elements=st.floats(0.5, 2, width=64)), label="hi")
    a, b = float(lo.min()), float(hi.max())
    check(lambda M, x: M.clamp(x, a, b), [x], msg="clamp scalar")
    check(lambda M, x, lo, hi: M.clamp(x, lo, hi), [x, lo, hi], msg="clamp tensor")
    value = data.draw(st.sampled_from([1, -0.5, 2.0]), label="value")
    check(lambda M, x, lo, hi: M.addcmul(x, lo, hi, value=value), [x, lo, hi], msg="addcmul")
    check(lambda M, x, lo, hi: M.addcdiv(x, lo, hi, value=value), [x, lo, hi], msg="addcdiv")
    check(lambda M, x, hi: M.maximum(x, hi), [x, hi], msg="maximum")


@given(data=st.data())
def test_softmax_random(data):
    shape = data.draw(npst.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), label="shape")
    x = data.draw(npst.arrays(np.float64, shape, elements=st.floats(-20, 20, width=64)), label="x")
    d = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    check(lambda M, x: M.softmax(x, d), [x], msg="softmax")
    check(lambda M, x: M.log_softmax(x, d), [x], msg="log_softmax")


# ---- torch's finer rules ----------------------------------------------------------------------------

POINTWISE_EDGE = {
    "softmax_empty_int": lambda M: M.softmax(M.zeros(0, dtype=M.int64), 0),
    "log_softmax_empty_bool": lambda M: M.log_softmax(M.zeros(0, 2, dtype=M.bool), 1),
    "clamp_tensor_out_casts": lambda M: M.clamp(M.ones(2), max=M.zeros(2), out=M.zeros(0).half()),
    "clamp_scalar_out_strict": lambda M: M.clamp(M.ones(2), max=0.5, out=M.zeros(0).half()),
}


@pytest.mark.parametrize("name", list(POINTWISE_EDGE))
def test_pointwise_edge_rules(name):
    def body(M):
        r = POINTWISE_EDGE[name](M)
        return str(r.dtype).split(".")[-1], tuple(r.shape), r.tolist()

    le, te = assert_same_error(body)
    if le is None:
        assert body(lib) == body(torch)


@pytest.mark.parametrize("shapes", [((0, 0), (0,), (1, 0, 0)), ((), (), (1,)), ((3,), (2, 1), (3,)),
                                    ((2, 3), (3,), (2, 3))])
@pytest.mark.parametrize("wants", [(True, False, False), (False, True, False), (False, False, True)])
def test_clamp_tensor_backward_broadcast_rule(shapes, wants):
    """torch combines clamp's masks in place, so some broadcasts fail in its backward: the same ones here."""
    def body(M):
        x, lo, hi = (M.zeros(s, requires_grad=w) for s, w in zip(shapes, wants))
        M.clamp(x, lo, hi).sum().backward()
        return [None if t.grad is None else t.grad.tolist() for t in (x, lo, hi)]

    le, te = assert_same_error(body)
    if le is None:
        assert body(lib) == body(torch)


def test_addcdiv_gradient_order_of_operations():
    # value / t2 first (torch), not (grad * value) / t2: differs for denormal values
    check(lambda M, t, a, b: M.addcdiv(t, a, b, value=1.401298464324817e-45),
          [np.zeros(()), np.zeros(()), np.zeros(())], msg="denormal value")
    check(lambda M, t, a, b: M.addcmul(t, a, b, value=3e38),
          [np.zeros(2), np.array([2.0, 1.0]), np.array([3e38, 1.0])], msg="huge value")
