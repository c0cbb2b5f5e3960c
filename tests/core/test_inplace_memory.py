"""In-place writes keep the tensor's memory; out-of-place ops allocate (seeds 000, 002).

Checked against torch: values, dtype, object identity, data_ptr and _version.
"""
import numpy as np
import pytest
import torch

from tests.helpers import assert_same, both, lib

X = np.arange(12, dtype=np.float32).reshape(3, 4)
Y = np.ones((3, 4), dtype=np.float32)


def xy(M):
    return M.tensor(X), M.tensor(Y)


# Each writes into y's memory; returns the resulting y (must be the same object).
INPLACE_FORMS = {
    "setitem_colon": lambda M, x, y: (y.__setitem__(slice(None), y + x), y)[1],
    "add_out": lambda M, x, y: M.add(x, y, out=y),
    "iadd": lambda M, x, y: (y.__iadd__(x)),
    "add_": lambda M, x, y: y.add_(x),
    "mul_out": lambda M, x, y: M.mul(x, y, out=y),
    "imul": lambda M, x, y: y.__imul__(x),
    "isub": lambda M, x, y: y.__isub__(x),
    "itruediv": lambda M, x, y: y.__itruediv__(x + 1),
    "copy_": lambda M, x, y: y.copy_(x),
    "copy_broadcast": lambda M, x, y: y.copy_(x[0]),
    "zero_": lambda M, x, y: y.zero_(),
    "sub_alpha": lambda M, x, y: y.sub_(x, alpha=2),
    "add_alpha": lambda M, x, y: y.add_(x, alpha=0.5),
    "pow_": lambda M, x, y: y.pow_(2),
    "neg_": lambda M, x, y: y.neg_(),
    "exp_": lambda M, x, y: y.exp_(),
    "sqrt_": lambda M, x, y: y.sqrt_(),
    "setitem_column": lambda M, x, y: (y.__setitem__((slice(None), 1), 0), y)[1],
    "setitem_elem_expr": lambda M, x, y: (y.__setitem__((0, 0), x[1, 1] * 2 + 1), y)[1],
    "setitem_row_tensor": lambda M, x, y: (y.__setitem__(1, x[2]), y)[1],
    "setitem_broadcast_row": lambda M, x, y: (y.__setitem__(slice(None), x[0]), y)[1],
    "setitem_step": lambda M, x, y: (y.__setitem__((slice(None, None, 2), slice(1, None, 2)), -3.0), y)[1],
    "setitem_neg": lambda M, x, y: (y.__setitem__((-1, -2), 7), y)[1],
    "setitem_ellipsis": lambda M, x, y: (y.__setitem__((Ellipsis, 0), 5.5), y)[1],
    "setitem_none": lambda M, x, y: (y.__setitem__((None, 1), x[0]), y)[1],
    "setitem_0d_tensor": lambda M, x, y: (y.__setitem__((2, 3), M.tensor(9.0)), y)[1],
    "setitem_int_into_float": lambda M, x, y: (y.__setitem__(0, 3), y)[1],
    "setitem_bool_value": lambda M, x, y: (y.__setitem__(0, True), y)[1],
}


@pytest.mark.parametrize("form", list(INPLACE_FORMS.values()), ids=list(INPLACE_FORMS))
def test_inplace_form_writes_into_y(form):
    (xl, yl), (xt, yt) = both(xy)
    idl, idt = yl, yt
    ptr_l, ptr_t = yl.data_ptr(), yt.data_ptr()
    vl, vt = form(lib, xl, yl), form(torch, xt, yt)
    assert (vl is idl) == (vt is idt)
    assert yl.data_ptr() == ptr_l and yt.data_ptr() == ptr_t
    assert_same(yl, yt)
    assert_same(xl, xt, msg="x unchanged")
    assert yl._version == yt._version, f"_version lib {yl._version} torch {yt._version}"


def test_out_of_place_allocates():
    (xl, yl), (xt, yt) = both(xy)
    old_l, old_t = yl, yt
    yl = xl + yl
    yt = xt + yt
    assert yl is not old_l and yl.data_ptr() != old_l.data_ptr()
    assert_same(yl, yt)
    assert_same(old_l, old_t, msg="old y untouched")
    assert old_l._version == old_t._version == 0


def test_setitem_into_int_tensor_truncates_like_torch():
    for value in (2.7, -2.7, True):
        yl, yt = lib.zeros(3, dtype=lib.int64), torch.zeros(3, dtype=torch.int64)
        yl[1] = value
        yt[1] = value
        assert_same(yl, yt)
    yl, yt = lib.zeros(3, dtype=lib.int32), torch.zeros(3, dtype=torch.int32)
    yl[:] = lib.tensor([1.9, -1.9, 0.5])
    yt[:] = torch.tensor([1.9, -1.9, 0.5])
    assert_same(yl, yt)


def test_setitem_through_view_chain_reaches_base():
    (xl, _), (xt, _) = both(xy)
    for M, x in ((lib, xl), (torch, xt)):
        v = x.t()[1:]
        v[:, 0] = -1
        x[2][::2] = 100
    assert_same(xl, xt)
    assert xl._version == xt._version


def test_tensor_seed_example_column_zero():
    """002: tensor = ones(4, 4); tensor[:,1] = 0; then add_(5) and the @ / * forms."""
    tl, tt = lib.ones(4, 4), torch.ones(4, 4)
    for t in (tl, tt):
        t[:, 1] = 0
    assert_same(tl, tt)
    assert_same(tl.mul(tl), tt.mul(tt))
    assert_same(tl @ tl.T, tt @ tt.T)
    assert_same(tl.matmul(tl.T), tt.matmul(tt.T))
    tl.add_(5)
    tt.add_(5)
    assert_same(tl, tt)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_out_into_other_shape_empty_out_is_resized(op):
    (xl, _), (xt, _) = both(xy)
    ol, ot = lib.empty(0), torch.empty(0)
    rl = getattr(lib, op)(xl, 2, out=ol)
    rt = getattr(torch, op)(xt, 2, out=ot)
    assert rl is ol and rt is ot
    assert_same(ol, ot)


@pytest.mark.parametrize("fn", [
    lambda M, x, o: M.exp(x, out=o), lambda M, x, o: M.sqrt(x, out=o), lambda M, x, o: M.sin(x, out=o),
    lambda M, x, o: M.neg(x, out=o), lambda M, x, o: M.abs(x, out=o), lambda M, x, o: M.tanh(x, out=o),
    lambda M, x, o: M.sigmoid(x, out=o), lambda M, x, o: M.log(x + 1, out=o), lambda M, x, o: M.cos(x, out=o),
    lambda M, x, o: M.pow(x, 2, out=o), lambda M, x, o: M.sub(x, 1, out=o),
], ids=["exp", "sqrt", "sin", "neg", "abs", "tanh", "sigmoid", "log", "cos", "pow", "sub"])
def test_unary_out_writes_into_out(fn):
    (xl, _), (xt, _) = both(xy)
    ol, ot = lib.zeros(3, 4), torch.zeros(3, 4)
    pl, pt = ol.data_ptr(), ot.data_ptr()
    rl, rt = fn(lib, xl, ol), fn(torch, xt, ot)
    assert rl is ol and rt is ot
    assert ol.data_ptr() == pl
    assert_same(ol, ot)


def test_mm_and_matmul_out():
    (xl, _), (xt, _) = both(xy)
    ol, ot = lib.zeros(3, 3), torch.zeros(3, 3)
    lib.mm(xl, xl.t(), out=ol)
    torch.mm(xt, xt.t(), out=ot)
    assert_same(ol, ot)
    ol2, ot2 = lib.zeros(3, 3), torch.zeros(3, 3)
    lib.matmul(xl, xl.t(), out=ol2)
    torch.matmul(xt, xt.t(), out=ot2)
    assert_same(ol2, ot2)


def test_sum_mean_out():
    (xl, _), (xt, _) = both(xy)
    ol, ot = lib.zeros(4), torch.zeros(4)
    lib.sum(xl, 0, out=ol)
    torch.sum(xt, 0, out=ot)
    assert_same(ol, ot)
    lib.mean(xl, 0, out=ol)
    torch.mean(xt, 0, out=ot)
    assert_same(ol, ot)
