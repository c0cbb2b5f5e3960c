"""Pointwise ops: each is one table row (forward on arrays, backward in tensor ops, node name, dtype rule).

From each row come the function (impl.sin), the method (Tensor.sin), the in-place twin (sin_) and out=.
Broadcasting, promotion, in-place and out= semantics are shared in _unary/_binary below.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import _geometry as geo, dtypes as D
from ..autograd import grad_mode
from ..tensor import Tensor
from . import _machinery as M


@dataclass(frozen=True)
class Unary:
    name: str
    fn: Callable            # (xp, array) -> array
    grad: Callable | None   # (g, x, y) -> grad of x; None: not differentiable
    node: str
    dtype_rule: str = "float"  # "float": ints compute in the default float; "same": keep the dtype
    saves: str = "x"        # which of input x / result y the backward needs: "x", "y", ""
    no_bool: str = ""       # error message when the op rejects bool tensors


@dataclass(frozen=True)
class Binary:
    name: str
    fn: Callable            # (xp, a, b) -> array
    grad: Callable | None   # (g, a, b, y) -> (grad a, grad b)
    node: str
    dtype_rule: str = "promote"  # "promote", "true_div" (ints -> default float), "compare" (-> bool)
    saves: str = "ab"


def _unary_dtype(op: Unary, x: Tensor) -> D.dtype:
    if op.dtype_rule == "float" and not x._dtype.is_floating_point:
        return D.get_default_dtype()
    return x._dtype


def _unary(op: Unary, x: Any, *, out: Tensor | None = None, inplace: bool = False) -> Tensor:
    M.check_tensor(x, op.name)
    if op.no_bool and x._dtype is D.bool_:
        raise RuntimeError(op.no_bool)
    rdt = _unary_dtype(op, x)
    if inplace:
        M.check_inplace_target(x, rdt, x._shape, ())
    with M.errstate():
        arr = op.fn(x._xp, M.operand_array(x, rdt, x._xp))
    if out is not None:
        return M.write_out(out, arr, rdt, op.name, [x])
    grad = op.grad

    def backward(grads, *saved):
        xs = saved[0] if op.saves == "x" else None
        ys = saved[0] if op.saves == "y" else None
        return (grad(grads[0], xs, ys),)

    if inplace:
        old = _saved_old(x, op.saves == "x")
        M.write(x, arr)
        if grad is not None:
            M.rebase_history(x, op.node, (), backward, _pick(op.saves, old, None, x))
        return x
    y = M.wrap(arr, rdt, x)
    if grad is not None:
        M.record(y, op.node, [x], backward, _pick(op.saves, x, None, y))
    return y


def _saved_old(x: Tensor, needed: bool) -> Tensor | None:
    # An in-place op overwrites its input; keep a copy when the backward formula needs the old value.
    if needed and M.needs_grad(x):
        with grad_mode.no_grad():
            return Tensor._wrap(x._xp.array(x._array), x._dtype, x.device)
    return None


def _pick(saves: str, a: Any, b: Any, y: Any) -> list:
    pool = {"x": a, "a": a, "b": b, "y": y}
    return [pool[c] for c in saves if isinstance(pool[c], Tensor)]


def _is_bool(x: Any) -> bool:
    return x._dtype is D.bool_ if isinstance(x, Tensor) else isinstance(x, (bool, np.bool_))


def _binary_dtype(op: Binary, a: Any, b: Any) -> tuple:
    """(compute dtype, result dtype)."""
    rdt = D.result_type(a, b)
    if op.dtype_rule == "true_div" and not rdt.is_floating_point:
        rdt = D.get_default_dtype()
    if op.dtype_rule == "compare":
        return rdt, D.bool_
    return rdt, rdt


def _binary(op: Binary, a: Any, b: Any, *, out: Tensor | None = None, inplace: bool = False,
            alpha: Any = None) -> Tensor:
    M.check_tensor(a, op.name)
    if not isinstance(b, Tensor):
        M.check_scalar(b, op.name)
    like = M.same_device(op.name, a, b)
    cdt, rdt = _binary_dtype(op, a, b)
    if alpha is not None and alpha != 1:
        if not rdt.is_floating_point and isinstance(alpha, float):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if op.name in ("sub", "rsub"):
        bools = [_is_bool(a), _is_bool(b)]
        if all(bools):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
                               "or `logical_xor()` operator instead.")
        if any(bools):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    shape = geo.broadcast_shapes(a._shape, b._shape if isinstance(b, Tensor) else ())
    if inplace:
        M.check_inplace_target(a, rdt, shape, (b,))
    xp = like._xp
    with M.errstate():
        bb = M.operand_array(b, cdt, xp)
        if alpha is not None and alpha != 1:
            bb = bb * M.operand_array(alpha, cdt, xp)
        arr = op.fn(xp, M.operand_array(a, cdt, xp), bb)
    if out is not None:
        return M.write_out(out, arr, rdt, op.name, [a, b])
    grad = op.grad

    def backward(grads, *saved):
        it = iter(saved)
        sa = next(it) if "a" in op.saves and isinstance(a, Tensor) else a
        sb = next(it) if "b" in op.saves and isinstance(b, Tensor) else b
        sy = next(it) if "y" in op.saves else None
        ga, gb = grad(grads[0], sa, sb, sy, 1 if alpha is None else alpha)
        return ga, gb

    if inplace:
        old = _saved_old(a, "a" in op.saves)
        M.write(a, arr)
        if grad is not None:
            M.rebase_history(a, op.node, (b,), backward, _pick(op.saves, old, b, a))
        return a
    y = M.wrap(arr, rdt, like)
    if grad is not None:
        # rsub(Tensor, Scalar) has one input in torch; other ops wrap the scalar and keep an empty edge
        M.record(y, op.node, [a] if op is RSUB else [a, b], backward, _pick(op.saves, a, b, y))
    return y


# ---- the tables ----------------------------------------------------------------------------------

def _sign(xp, x):
    return xp.sign(x) if x.dtype != np.bool_ else x.copy()


UNARY = [
    Unary("neg", lambda xp, x: xp.negative(x), lambda g, x, y: -g, "NegBackward0", "same", "",
          no_bool="Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                  "mask, use the `~` or `logical_not()` operator instead."),
    Unary("abs", lambda xp, x: xp.abs(x) if x.dtype != np.bool_ else x.copy(), lambda g, x, y: g * x.sign(),
          "AbsBackward0", "same"),
    Unary("exp", lambda xp, x: xp.exp(x), lambda g, x, y: g * y, "ExpBackward0", saves="y"),
    Unary("log", lambda xp, x: xp.log(x), lambda g, x, y: g / x, "LogBackward0"),
    Unary("sqrt", lambda xp, x: xp.sqrt(x), lambda g, x, y: g / (2 * y), "SqrtBackward0", saves="y"),
    Unary("sin", lambda xp, x: xp.sin(x), lambda g, x, y: g * x.cos(), "SinBackward0"),
    Unary("cos", lambda xp, x: xp.cos(x), lambda g, x, y: g * -x.sin(), "CosBackward0"),
    Unary("tanh", lambda xp, x: xp.tanh(x), lambda g, x, y: g * (1 - y * y), "TanhBackward0", saves="y"),
    Unary("sigmoid", lambda xp, x: 1 / (1 + xp.exp(-x)), lambda g, x, y: g * y * (1 - y), "SigmoidBackward0",
          saves="y"),
    Unary("reciprocal", lambda xp, x: 1 / x, lambda g, x, y: -g * y * y, "ReciprocalBackward0", saves="y"),
    Unary("sign", _sign, lambda g, x, y: g * 0, "SignBackward0", "same", ""),
    Unary("ceil", lambda xp, x: xp.ceil(x) if x.dtype.kind == "f" else x.copy(), lambda g, x, y: g * 0,
          "CeilBackward0", "same", ""),
    Unary("floor", lambda xp, x: xp.floor(x) if x.dtype.kind == "f" else x.copy(), lambda g, x, y: g * 0,
          "FloorBackward0", "same", ""),
]

BINARY = [
    Binary("add", lambda xp, a, b: a + b, lambda g, a, b, y, al: (g, g * al), "AddBackward0", saves=""),
    Binary("sub", lambda xp, a, b: a - b, lambda g, a, b, y, al: (g, -g * al), "SubBackward0", saves=""),
    Binary("mul", lambda xp, a, b: a * b if a.dtype != np.bool_ else a & b,
           lambda g, a, b, y, al: (g * b, g * a), "MulBackward0"),
    Binary("div", lambda xp, a, b: xp.true_divide(a, b),
           lambda g, a, b, y, al: (g / b, -g * a / (b * b)), "DivBackward0", "true_div"),
    Binary("bitwise_and", lambda xp, a, b: a & b, None, "", saves=""),
    Binary("bitwise_or", lambda xp, a, b: a | b, None, "", saves=""),
    Binary("bitwise_xor", lambda xp, a, b: a ^ b, None, "", saves=""),
    Binary("eq", lambda xp, a, b: a == b, None, "", "compare", ""),
    Binary("ne", lambda xp, a, b: a != b, None, "", "compare", ""),
    Binary("lt", lambda xp, a, b: a < b, None, "", "compare", ""),
    Binary("le", lambda xp, a, b: a <= b, None, "", "compare", ""),
    Binary("gt", lambda xp, a, b: a > b, None, "", "compare", ""),
    Binary("ge", lambda xp, a, b: a >= b, None, "", "compare", ""),
]


def _define_unary(op: Unary) -> None:
    def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        return _unary(op, input, out=out)

    def fn_(self: Tensor) -> Tensor:
        return _unary(op, self, inplace=True)

    fn.__name__, fn_.__name__ = op.name, op.name + "_"
    M.export(op.name)(fn)
    M.export(op.name + "_")(fn_)


def _define_binary(op: Binary) -> None:
    takes_alpha = op.name in ("add", "sub")

    if takes_alpha:
        def fn(input: Tensor, other: Any, *, alpha: Any = None, out: Tensor | None = None) -> Tensor:
            return _binary(op, input, other, out=out, alpha=alpha)

        def fn_(self: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
            return _binary(op, self, other, inplace=True, alpha=alpha)
    else:
        def fn(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
            return _binary(op, input, other, out=out)

        def fn_(self: Tensor, other: Any) -> Tensor:
            return _binary(op, self, other, inplace=True)

    fn.__name__, fn_.__name__ = op.name, op.name + "_"
    M.export(op.name)(fn)
    M.export(op.name + "_")(fn_)


for _op in UNARY:
    _define_unary(_op)
for _op in BINARY:
    _define_binary(_op)

UNARY_BY_NAME = {op.name: op for op in UNARY}
BINARY_BY_NAME = {op.name: op for op in BINARY}
add_ = M.METHODS["add_"]
M.export("subtract", method=True)(M.FUNCTIONS["sub"])
M.export("multiply", method=True)(M.FUNCTIONS["mul"])
M.export("divide", "true_divide", method=True)(M.FUNCTIONS["div"])
M.export("absolute", method=True)(M.FUNCTIONS["abs"])
M.export("negative", method=True)(M.FUNCTIONS["neg"])
M.export("greater", method=True)(M.FUNCTIONS["gt"])
M.export("less", method=True)(M.FUNCTIONS["lt"])


# ---- pow: its node name depends on which operand is a tensor -----------------------------------------

def _pow_grads(g, a, b, y):
    ga = gb = None
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            ga = g * b * a ** (b - 1)
        else:
            ga = g * 0 if b == 0 else g * b * a ** (b - 1)
    if isinstance(b, Tensor):
        # torch masks the base == 0 case so that 0 ** b has a zero (not nan) gradient w.r.t. b for b >= 0
        from .misc import where

        ab = a if isinstance(a, Tensor) else a
        logs = (ab if isinstance(ab, Tensor) else Tensor._wrap(np.asarray(ab), D.result_type(b, ab))).log()
        gb = g * y * logs
        if isinstance(ab, Tensor):
            gb = where((ab == 0) & (b >= 0), gb * 0, gb)
        elif ab == 0:
            gb = where(b >= 0, gb * 0, gb)
    return ga, gb


@M.export("pow")
def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    return _pow(input, exponent, out=out)


@M.export("pow_", function=False)
def pow_(self: Tensor, exponent: Any) -> Tensor:
    return _pow(self, exponent, inplace=True)


def _pow(a: Any, b: Any, *, out: Tensor | None = None, inplace: bool = False) -> Tensor:
    if not isinstance(a, Tensor):  # scalar ** tensor
        M.check_scalar(a, "pow")
        node = "PowBackward2"
    else:
        node = "PowBackward1" if isinstance(b, Tensor) else "PowBackward0"
        if not isinstance(b, Tensor):
            M.check_scalar(b, "pow")
    t = a if isinstance(a, Tensor) else b
    like = M.same_device("pow", a, b)
    rdt = D.result_type(a, b)
    if (not rdt.is_floating_point and not isinstance(b, Tensor) and isinstance(b, (int, np.integer))
            and not isinstance(b, bool) and b < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    shape = geo.broadcast_shapes(a._shape if isinstance(a, Tensor) else (), b._shape if isinstance(b, Tensor) else ())
    if inplace:
        M.check_inplace_target(a, rdt, shape, (b,))
    xp = like._xp
    with M.errstate():
        arr = xp.power(M.operand_array(a, rdt, xp), M.operand_array(b, rdt, xp))
    if out is not None:
        return M.write_out(out, arr, rdt, "pow", [a, b])

    def backward(grads, *saved):
        it = iter(saved)
        sa = next(it) if isinstance(a, Tensor) else a
        sb = next(it) if isinstance(b, Tensor) else b
        sy = next(it) if isinstance(b, Tensor) else None
        ga, gb = _pow_grads(grads[0], sa, sb, sy)
        return tuple(g for g, s in ((ga, a), (gb, b)) if isinstance(s, Tensor))

    if inplace:
        old = _saved_old(a, True)
        M.write(a, arr)
        M.rebase_history(a, node, (b,) if isinstance(b, Tensor) else (), backward, [s for s in (old, b, a if isinstance(b, Tensor) else None)
                                                     if isinstance(s, Tensor)])
        return a
    y = M.wrap(arr, rdt, t)
    saved = [s for s in (a, b) if isinstance(s, Tensor)] + ([y] if isinstance(b, Tensor) else [])
    M.record(y, node, [s for s in (a, b) if isinstance(s, Tensor)], backward, saved)
    return y


# ---- operators -----------------------------------------------------------------------------------

def _reflected(name: str) -> Callable:
    f = M.FUNCTIONS[name]
    return lambda self, other: f(self, other)


# A Python scalar on the left keeps its weak (wrapped-number) promotion, so these are swapped binaries.
RSUB = Binary("rsub", lambda xp, a, b: b - a, lambda g, a, b, y, al: (-g * al, g), "RsubBackward1", saves="")


def _rsub(self: Tensor, other: Any) -> Tensor:
    return _binary(RSUB, self, other)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    # torch computes scalar / tensor as reciprocal(tensor) * scalar (MulBackward0 over ReciprocalBackward0)
    return M.FUNCTIONS["mul"](M.FUNCTIONS["reciprocal"](self), other)


def _invert(self: Tensor) -> Tensor:
    if self._dtype.is_floating_point:
        raise TypeError("bitwise_not_cpu not implemented for 'Float'")
    arr = ~self._array
    return M.wrap(arr, self._dtype, self)


M.export("logical_not")(lambda input: M.wrap(~(input._array.astype(bool)), D.bool_, input))


OPERATORS = {
    "__add__": M.FUNCTIONS["add"], "__radd__": _reflected("add"),
    "__sub__": M.FUNCTIONS["sub"], "__rsub__": _rsub,
    "__mul__": M.FUNCTIONS["mul"], "__rmul__": _reflected("mul"),
    "__truediv__": M.FUNCTIONS["div"], "__rtruediv__": _rtruediv,
    "__pow__": pow, "__rpow__": lambda self, other: pow(other, self),
    "__neg__": M.FUNCTIONS["neg"], "__abs__": M.FUNCTIONS["abs"],
    "__iadd__": M.METHODS["add_"], "__isub__": M.METHODS["sub_"], "__imul__": M.METHODS["mul_"],
    "__itruediv__": M.METHODS["div_"], "__ipow__": pow_,
    "__and__": M.FUNCTIONS["bitwise_and"], "__or__": M.FUNCTIONS["bitwise_or"],
    "__xor__": M.FUNCTIONS["bitwise_xor"], "__invert__": lambda self: _invert(self),
    "__iand__": M.METHODS["bitwise_and_"], "__ior__": M.METHODS["bitwise_or_"],
    "__eq__": M.FUNCTIONS["eq"], "__ne__": M.FUNCTIONS["ne"], "__lt__": M.FUNCTIONS["lt"],
    "__le__": M.FUNCTIONS["le"], "__gt__": M.FUNCTIONS["gt"], "__ge__": M.FUNCTIONS["ge"],
}
