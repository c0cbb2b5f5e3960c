"""Autograd errors: version-counter check on saved tensors, in-place on a leaf that requires
grad, backward through a freed graph, non-scalar backward without gradient, and the
CopySlices path for ``y[0, 0] = x[0, 0] ** 2``.  Error class compared with torch; values and
_version unchanged where torch leaves them unchanged."""
import math

import pytest
import torch

from tests.helpers import LIB_NAME, assert_same, assert_same_error, error_kind, fn_name, lib


def _close(a, b):
    """Structural equality with float tolerance (states hold values computed by each library)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def _compare(run):
    """``run(M)`` returns (exception or None, state); classes and states must match torch's."""
    et, st = run(torch)
    el, sl = run(lib)
    assert et is not None, "test premise: torch raises"
    assert el is not None, f"torch raises {type(et).__name__}: {et}; {LIB_NAME} does not"
    assert isinstance(el, error_kind(type(et))), (
        f"torch {type(et).__name__}: {et}\n{LIB_NAME} {type(el).__name__}: {el}")
    assert _close(sl, st), f"state after error: {LIB_NAME} {sl} vs torch {st}"


def _try(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001
        return e
    return None


@pytest.mark.parametrize("saved_op", ["sin", "mul_self", "pow", "exp_out", "mm", "div"])
def test_modified_saved_tensor_raises_on_backward(saved_op):
    def run(M):
        a = M.tensor([[0.5, 1.0], [1.5, 2.0]], requires_grad=True)
        b = a * 2
        c = {"sin": lambda: M.sin(b), "mul_self": lambda: b * b, "pow": lambda: b ** 2,
             "exp_out": lambda: M.exp(b), "mm": lambda: M.mm(b, b), "div": lambda: a / b}[saved_op]()
        target = c if saved_op == "exp_out" else b  # exp saves its result
        target.add_(1)
        e = _try(lambda: c.sum().backward())
        return e, (b._version, c._version, a.grad is None, target.tolist())
    _compare(run)


def test_unsaved_inplace_is_fine():
    """add does not save its inputs: modifying one in place afterwards is allowed."""
    def run(M):
        a = M.tensor([1.0, 2.0], requires_grad=True)
        b = a * 2
        c = b + 1
        b.add_(1)
        c.sum().backward()
        return a.grad, b._version
    (gl, vl), (gt, vt) = run(lib), run(torch)
    assert_same(gl, gt)
    assert vl == vt


def test_version_counter_shared_by_views_triggers_check():
    def run(M):
        a = M.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a * 1
        c = b.sin()
        v = b[1:]
        v.mul_(2)               # through a view: the base's version moves
        return _try(lambda: c.sum().backward()), (b._version, v._version)
    _compare(run)


@pytest.mark.parametrize("op", [
    lambda M, x: x.add_(1), lambda M, x: x.mul_(2), lambda M, x: x.zero_(),
    lambda M, x: x.copy_(M.ones(2)), lambda M, x: x.__setitem__(0, 5.0), lambda M, x: x.__iadd__(1),
    lambda M, x: x.exp_(), lambda M, x: x[0].add_(1), lambda M, x: M.add(x, 1, out=x),
    lambda M, x: x.view(2, 1).mul_(3),
], ids=["add_", "mul_", "zero_", "copy_", "setitem", "iadd", "exp_", "view_add_", "out", "view_mul_"])
def test_inplace_on_leaf_requiring_grad_raises(op):
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        e = _try(lambda: op(M, x))
        return e, (x.tolist(), x._version, x.requires_grad, x.is_leaf, fn_name(x.grad_fn))
    _compare(run)


def test_second_backward_without_retain_graph():
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        z = M.sin(x ** 2)
        z.backward(M.ones_like(z))
        g = x.grad.tolist()
        return _try(lambda: z.backward(M.ones_like(z))), (g, x.grad.tolist())
    _compare(run)


@pytest.mark.parametrize("make", [
    lambda M, x: x * 2,
    lambda M, x: (x * 2).view(2, 1),
    lambda M, x: x.expand(3, 2),
], ids=["vector", "matrix", "expanded"])
def test_nonscalar_backward_without_gradient(make):
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        y = make(M, x)
        return _try(lambda: y.backward()), (x.grad is None,)
    _compare(run)


def test_backward_on_tensor_without_grad():
    def run(M):
        x = M.tensor([1.0, 2.0])
        return _try(lambda: x.sum().backward()), ()
    _compare(run)


def test_backward_gradient_shape_mismatch():
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        return _try(lambda: y.backward(M.ones(3))), (x.grad is None,)
    _compare(run)


def test_autograd_grad_of_unrelated_input_raises():
    assert_same_error(lambda M: M.autograd.grad((M.tensor([1.0], requires_grad=True) * 2).sum(),
                                                M.tensor([1.0], requires_grad=True)))


def test_copyslices_on_nonleaf():
    """``y[0, 0] = x[0, 0] ** 2`` on a tensor that is not a leaf requiring grad builds CopySlices."""
    def run(M):
        x = M.tensor([[2.0, 3.0]], requires_grad=True)
        y = M.zeros(1, 2)
        v0 = y._version
        y[0, 0] = x[0, 0] ** 2
        info = (y.requires_grad, y.is_leaf, fn_name(y.grad_fn), y._version - v0,
                [fn_name(n) for n, _ in y.grad_fn.next_functions])
        y.sum().backward()
        return info, x.grad, y
    (il, gl, yl), (it, gt, yt) = run(lib), run(torch)
    assert il == it
    assert_same(gl, gt)
    assert_same(yl, yt)


def test_copyslices_on_nonleaf_differentiable_base():
    def run(M):
        x = M.tensor([[2.0, 3.0], [4.0, 5.0]], requires_grad=True)
        y = x * 1
        y[0, 0] = x[0, 0] ** 2
        y[1] = x[0] * 3
        info = (fn_name(y.grad_fn), y.is_leaf)
        (y * M.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return info, x.grad
    (il, gl), (it, gt) = run(lib), run(torch)
    assert il == it
    assert_same(gl, gt)


def test_setitem_into_leaf_requiring_grad_raises():
    def run(M):
        x = M.tensor([[2.0, 3.0]], requires_grad=True)
        y = M.zeros(1, 2, requires_grad=True)
        return _try(lambda: y.__setitem__((0, 0), x[0, 0] ** 2)), (y.tolist(), y._version, y.is_leaf)
    _compare(run)
