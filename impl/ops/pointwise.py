"""Pointwise ops: each is one table row (forward on arrays, backward in tensor ops, node name, dtype rule).

From each row come the function (impl.sin), the method (Tensor.sin), the in-place twin (sin_) and out=.
Broadcasting, promotion, in-place and out= semantics are shared in _unary/_binary below.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import _geometry as geo, dtypes as D
from .._backend import module_of
from ..autograd import grad_mode
from ..autograd.graph import make_node
from ..tensor import Tensor, fresh_result, wrap_array
from . import _machinery as M
from . import _args as A
from . import _opmath

_grad_state = grad_mode._state  # read directly: every op checks grad mode
# (cached: a row-major tensor made by an op holds this very tuple, so `is` answers the common case)
_ROW_MAJOR = geo.tuple_contiguous_strides
_fp_set, _fp_reset, _FP_IGNORE = M.FP_POLICY.set, M.FP_POLICY.reset, M.FP_IGNORE
# Largest magnitude of a Python int that converts to float exactly, so one rounding to the tensor's dtype
_EXACT_INT = 2 ** 53
_NOT_HALF = frozenset(d for d in D.ALL if d is not D.float16)


def _unary_result(arr: Any, rdt: D.dtype, x: Tensor) -> Tensor:
    """M.wrap(arr, rdt, x, (x,), rdt), with its common case (a row-major input) answered first."""
    if x._stride is _ROW_MAJOR(x._shape):
        if type(arr) is np.ndarray and arr.dtype is rdt.np:  # (a ufunc of a C-contiguous array: C-contiguous)
            return fresh_result(arr, rdt, x._device)
        return wrap_array(arr, rdt, x._device)
    return M.wrap(arr, rdt, x, (x,), rdt)


def _binary_result(arr: Any, rdt: D.dtype, like: Tensor, a: Any, b: Any, cdt: D.dtype) -> Tensor:
    """M.wrap(arr, rdt, like, (a, b), cdt), with its common case (row-major operands) answered first."""
    st = a._stride
    if st is _ROW_MAJOR(a._shape) and (type(b) is not Tensor or (b._stride is st and b._shape == a._shape)
                                       or b._stride is _ROW_MAJOR(b._shape)):
        # NumPy lays a ufunc's result over C-contiguous operands out C-contiguous, as torch does
        if type(arr) is np.ndarray and arr.dtype is rdt.np:
            return fresh_result(arr, rdt, like._device)
        return wrap_array(arr, rdt, like._device)  # (a 0-d result is a NumPy scalar)
    return M.wrap(arr, rdt, like, (a, b), cdt)


@dataclass(frozen=True)
class Unary:
    name: str
    fn: Callable            # (xp, array) -> array
    grad: Callable | None   # (g, x, y) -> grad of x; None: not differentiable
    node: str
    dtype_rule: str = "float"  # "float": ints compute in the default float; "same": keep the dtype
    saves: str = "x"        # which of input x / result y the backward needs: "x", "y", ""
    no_bool: str = ""       # error message when the op rejects bool tensors
    no_bool_exc: type = RuntimeError  # torch's class for that error (abs: NotImplementedError)
    bool_on_cuda: bool = False  # the CUDA kernel takes bool tensors (abs), the CPU one does not
    # the node's backward, built once from grad and saves (it captures nothing of a call)
    backward: Callable | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        grad = self.grad
        if grad is None:
            return
        if self.saves == "x":
            def backward(grads, *saved):
                return (grad(grads[0], saved[0], None),)
        elif self.saves == "y":
            def backward(grads, *saved):
                return (grad(grads[0], None, saved[0]),)
        else:
            def backward(grads, *saved):
                return (grad(grads[0], None, None),)
        object.__setattr__(self, "backward", backward)


@dataclass(frozen=True)
class Binary:
    name: str
    fn: Callable            # (xp, a, b) -> array
    grad: Callable | None   # (g, a, b, y, alpha, b's gradient is wanted) -> (grad a, grad b)
    node: str
    dtype_rule: str = "promote"  # "promote", "true_div" (ints -> default float), "compare" (-> bool)
    saves: str = "ab"
    # which operands' gradients need the saved a / b (torch saves an operand only when a gradient that
    # needs it is wanted: b * 3.0 saves only the scalar); the grad gets None for an operand not saved
    a_for: str = "ab"
    b_for: str = "ab"
    # the operand dtypes for which _fast_binary's shortcuts are exact: never half (computed in float32),
    # never bool for subtraction (an error), only floating types for true division (ints become floats)
    fast_dtypes: frozenset = field(init=False, repr=False, compare=False, default=frozenset())
    # an integer-only op (bitwise): its CPU kernel's name, for torch's NotImplementedError on a floating type
    int_kernel: str = ""
    # keeps[want_a][want_b]: (save a, save b) when a's / b's gradient is wanted (from saves, a_for, b_for)
    keeps: tuple = field(init=False, repr=False, compare=False, default=())
    saves_y: bool = field(init=False, repr=False, compare=False, default=False)  # the backward needs the result

    def __post_init__(self) -> None:
        object.__setattr__(self, "saves_y", "y" in self.saves)
        # torch saves an operand only when a gradient that needs it is wanted (a_for / b_for)
        keeps = tuple(tuple(("a" in self.saves and ((wa and "a" in self.a_for) or (wb and "b" in self.a_for)),
                             "b" in self.saves and ((wa and "a" in self.b_for) or (wb and "b" in self.b_for)))
                            for wb in (False, True)) for wa in (False, True))
        object.__setattr__(self, "keeps", keeps)
        if self.dtype_rule == "true_div":
            fast = frozenset((D.float32, D.float64))
        elif self.int_kernel:
            fast = frozenset(d for d in _NOT_HALF if not d.is_floating_point)
        elif self.name in ("sub", "rsub"):
            fast = _NOT_HALF - {D.bool_}
        else:
            fast = _NOT_HALF
        object.__setattr__(self, "fast_dtypes", fast)


def _unary_dtype(op: Unary, x: Tensor) -> D.dtype:
    if op.dtype_rule == "float" and not x._dtype.is_floating_point:
        return D.get_default_dtype()
    return x._dtype


def _unary(op: Unary, x: Any, *, out: Tensor | None = None, inplace: bool = False) -> Tensor:
    if not isinstance(x, Tensor):
        M.check_tensor(x, op.name)
    dt = x._dtype
    if op.no_bool and dt is D.bool_ and not (op.bool_on_cuda and x._device.type == "cuda"):
        if inplace and op.no_bool_exc is NotImplementedError:
            # TensorIterator refuses an overlapping target before the kernel's dispatch rejects the dtype
            # (a check in the op itself, neg's or relu's, comes before TensorIterator)
            M.check_writable(x)
        raise op.no_bool_exc(op.no_bool)
    rdt = dt if dt.is_floating_point else _unary_dtype(op, x)
    if out is not None and op.dtype_rule == "same" and isinstance(out, Tensor) and out._dtype is not rdt:
        # dtype-preserving unary kernels refuse to cast into out (TensorIterator's check_dtype)
        raise RuntimeError(f"Found dtype {D.type_name(out._dtype)} but expected {D.type_name(rdt)}")
    if inplace:
        M.check_inplace_target(x, rdt, x._shape, ())
    token = _fp_set(_FP_IGNORE)  # (M.errstate() without a context object: every op runs this)
    try:
        xa = M.operand_array(x, rdt, None) if dt is not rdt else x._array  # (a cast may overflow)
        arr = op.fn(np if type(xa) is np.ndarray else module_of(xa), xa)
    finally:
        _fp_reset(token)
    if out is not None:
        return M.write_out(out, arr, rdt, op.name, [x], operands=(x,), common=rdt)
    if inplace:
        old = _saved_old(x, op.saves == "x")
        M.write(x, arr)
        if op.grad is not None:
            M.rebase_history(x, op.node, (), op.backward, _pick(op.saves, old, None, x))
        return x
    y = _unary_result(arr, rdt, x)
    if x._requires_grad and op.grad is not None:
        _unary_record(op, x, y)
    return y


def _unary_record(op: Unary, x: Tensor, y: Tensor) -> None:
    saves = op.saves
    M.record(y, op.node, [x], op.backward, [x] if saves == "x" else [y] if saves == "y" else [])


def _unary_method(op: Unary) -> Callable:
    """`x.op()` (the method, and torch.op(x) without out=): the commonest input first, inline, then the
    general path. Common: a row-major floating tensor. Every check of _unary passes for it and the result
    is a fresh tensor of x's geometry and dtype (see _binary_operator)."""

    def method(self: Tensor) -> Tensor:
        if type(self) is not Tensor:
            return _unary(op, self)
        dt, shape = self._dtype, self._shape
        rm = _ROW_MAJOR(shape)
        if not dt.is_floating_point or (self._stride is not rm and self._stride != rm):
            return _unary(op, self)
        xa = self._arr
        if xa is None or (self._st is not None and self._arr_of is not self._st.array):
            xa = self._array
        token = _fp_set(_FP_IGNORE)
        try:
            arr = op.fn(np if type(xa) is np.ndarray else module_of(xa), xa)
        finally:
            _fp_reset(token)
        if type(arr) is np.ndarray and arr.dtype is dt.np:
            y = fresh_result(arr, dt, self._device, shape, rm)
        else:
            y = wrap_array(arr, dt, self._device)
        if self._requires_grad and op.grad is not None:
            _unary_record(op, self, y)  # (record's own test of grad mode)
        return y

    method.__name__, method.__qualname__ = op.name, f"Tensor.{op.name}"  # (named so in its TypeErrors)
    return method


def _saved_old(x: Tensor, needed: bool) -> Tensor | None:
    # An in-place op overwrites its input; keep a copy when the backward formula needs the old value.
    if needed and M.needs_grad(x):
        with grad_mode.no_grad():
            return Tensor._wrap(x._xp.array(x._array), x._dtype, x.device)
    return None


def _pick(saves: str, a: Any, b: Any, y: Any) -> list:
    pool = {"x": a, "a": a, "b": b, "y": y}
    return [pool[c] for c in saves if isinstance(pool[c], Tensor)]


def _saved_binary(op: Binary, a: Tensor | None, b: Tensor | None, y: Tensor) -> list:
    """_pick for a binary op, in its backward's order (a, b, y), without building a lookup table per op."""
    saved = []
    if a is not None:
        saved.append(a)
    if b is not None:
        saved.append(b)
    if op.saves_y:
        saved.append(y)
    return saved


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


def _other_type_error(name: str, inplace: bool, a: Tensor, b: Any) -> TypeError:
    """The parser's error for an `other` that is neither a Tensor nor a Number, worded for a positional
    other (torch.add(x, [1]); x.add_([1]) counts without self).  add/sub/mul/div take it as a Tensor
    (their Scalar overloads are hidden); the others list the call, with the Tensor/Number overloads."""
    name += "_" if inplace else ""
    if name.rstrip("_") in ("add", "sub", "mul", "div"):
        return A.arg_error(name, "other", "Tensor", b, 1 if inplace else 2)
    return A.invalid_combination(name, (b,) if inplace else (a, b))


def _binary_general(op: Binary, a: Any, b: Any, out: Tensor | None, inplace: bool, alpha: Any) -> tuple:
    """Every check and promotion rule of a binary op; (result array, result dtype, device tensor)."""
    M.check_tensor(a, op.name)
    if not isinstance(b, Tensor):
        if not isinstance(b, (bool, int, float, np.bool_, np.integer, np.floating)):
            raise _other_type_error(op.name, inplace, a, b)
        A.check_scalar_int(b)  # the argument parser's int64/uint64 Scalar (t + 2 ** 70: OverflowError)
    A.check_scalar_int(alpha)  # (before sub negates it)
    like = M.same_device(op.name, a, b)
    cdt, rdt = _binary_dtype(op, a, b)
    if op.name in ("sub", "rsub"):
        bools = [_is_bool(a), _is_bool(b)]
        if all(bools):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
                               "or `logical_xor()` operator instead.")
        if any(bools):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    try:
        shape = geo.broadcast_shapes(a._shape, b._shape if isinstance(b, Tensor) else ())
    except RuntimeError:
        if inplace:  # torch's autograd and memory-overlap checks come before the broadcast error
            M.check_inplace_first(a, (b,))
        raise
    if inplace:
        M.check_inplace_target(a, rdt, shape, (b,))
    # add/sub's alpha_check runs after TensorIterator's build (overlap, shape and cast checks)
    if alpha is not None and alpha != 1:
        if not rdt.is_floating_point and isinstance(alpha, float):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, (bool, np.bool_)) and rdt is not D.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if op.int_kernel and cdt.is_floating_point:  # the kernel's dispatch, after TensorIterator's checks
        if isinstance(out, Tensor):
            M.check_writable(out)
            for t in (a, b):
                M.check_no_partial_overlap(out, t)
            if not D.can_cast(rdt, out._dtype):
                raise RuntimeError(f"result type {D.type_name(rdt)} can't be cast to the desired output type "
                                   f"{D.type_name(out._dtype)}")
        raise NotImplementedError(f"\"{op.int_kernel}\" not implemented for '{D.type_name(cdt)}'")
    if alpha is not None and alpha != 1:  # converted checked to the common dtype; sub adds -alpha
        A.check_fits(_negated(alpha) if op.name == "sub" else alpha, cdt)
        if op.name == "sub" and type(alpha) is int and not -2 ** 63 < alpha < 2 ** 63:
            alpha = -_negated(alpha)  # a - b * alpha as torch's a + b * (-alpha), negated in int64
    xp = like._xp
    # torch casts tensor operands to the common dtype first (an int 65520 is inf in float16, a float32
    # 1e-45 is 0), then computes half precision in float32 ("opmath") and rounds once: inf * 1e-37 stays
    # inf. mul and div take a Python scalar straight to the opmath type (1e-8 is not first rounded to half's
    # 0), and so a 0-d CPU tensor as their second operand: their kernels read it with original_scalar_value
    # (float16 0.0946 * int32 65520 is 6200 there, where add gives inf).
    opdt = D.float32 if cdt is D.float16 and op.dtype_rule != "compare" else cdt
    scalar_b = (op.name in ("mul", "div") and isinstance(b, Tensor) and not b._shape
                and b._device.type == "cpu")

    def operand(v: Any) -> Any:
        if opdt is cdt:
            return M.operand_array(v, opdt, xp)
        if isinstance(v, Tensor):
            first = v._dtype is not cdt and not (scalar_b and v is b)
        else:  # torch's float16 add/sub round a Python scalar to float16 first (+ 65511 adds 65504)
            first = op.name in ("add", "sub")
        return M.operand_array(v, cdt, xp).astype(opdt.np) if first else M.operand_array(v, opdt, xp)

    with M.errstate():
        bb = operand(b)
        if (alpha is not None and alpha != 1 and cdt in _opmath.ALPHA_DTYPES and op.name in ("add", "sub")
                and xp is np):  # torch's CPU rounding (_opmath; CUDA's is not measured)
            arr = _opmath.add_alpha(xp, operand(a), bb, alpha, cdt, op.name == "sub", a, b)
        else:
            if alpha is not None and alpha != 1:
                bb = bb * M.operand_array(alpha, opdt, xp)
            arr = op.fn(xp, operand(a), bb)
        if opdt is not cdt and arr.dtype == opdt.np:
            arr = arr.astype(cdt.np)
    return arr, rdt, like, cdt


def _negated(alpha: Any) -> Any:
    """-alpha as torch's Scalar negates it: an int64 wraps (-(-2**63) is -2**63)."""
    if isinstance(alpha, (bool, np.bool_)):
        return alpha
    if isinstance(alpha, (int, np.integer)):  # a uint64 Scalar (2 ** 63 ..) negates as its int64 bits
        alpha = int(alpha) - 2 ** 64 if alpha >= 2 ** 63 else alpha
        return alpha if alpha == -2 ** 63 else -alpha
    return -alpha


def _fast_binary(op: Binary, a: Any, b: Any) -> Any:
    """The result array for the common operands, else None. The result dtype is then a's (bool for a
    comparison), a is the device tensor and a's dtype the common one.

    Common: two tensors of one dtype on one device, or a floating tensor and a Python float or int. For those,
    every check of _binary_general passes and the promoted dtype is the tensor's, so they are skipped: tiny
    ops are dominated by this bookkeeping, not by the arithmetic."""
    if not isinstance(a, Tensor):
        return None
    dt = a._dtype
    if dt not in op.fast_dtypes:
        return None
    if isinstance(b, Tensor):
        if b._dtype is not dt or b._device is not a._device:
            return None
        if a._shape != b._shape:
            geo.broadcast_shapes(a._shape, b._shape)  # torch's error when they don't broadcast
        bb = b._arr  # (the _array property's cache, inline)
        if bb is None or (b._st is not None and b._arr_of is not b._st.array):
            bb = b._array
    elif dt.is_floating_point and (type(b) is float or (type(b) is int and -_EXACT_INT <= b <= _EXACT_INT)):
        bb = None  # converted below, where a float overflowing float32 may not warn
    else:
        return None
    aa = a._arr
    if aa is None or (a._st is not None and a._arr_of is not a._st.array):
        aa = a._array
    token = _fp_set(_FP_IGNORE)  # (M.errstate() without a context object)
    try:
        if bb is None:
            bb = dt.np.type(b)  # the same value as the general path's np.array(b).astype(dtype)
        # (module_of's answer for a NumPy array, without the call)
        return op.fn(np if type(aa) is np.ndarray else module_of(aa), aa, bb)
    finally:
        _fp_reset(token)


def _binary_operator(op: Binary) -> Callable:
    """`a (op) b` (the operator, and torch.op(a, b) without alpha= or out=): the commonest operands first,
    inline, then the general path. Common: two row-major tensors of one dtype (one of op.fast_dtypes) and
    device, of one shape or shapes that broadcast. Every check of _binary passes for them and the result is
    a fresh row-major tensor, so this is the arithmetic and one tensor (and the node, if a gradient is
    wanted), nothing else: a tiny op's time is its bookkeeping, and this case is most of what programs run.
    (Built per op so that the common case is this one call: no alpha or out to test, no helper to call.)"""
    fast, compare = op.fast_dtypes, op.dtype_rule == "compare"

    def operator(a: Any, b: Any) -> Tensor:
        if type(a) is not Tensor:
            return _binary(op, a, b)
        if type(b) is not Tensor:  # a tensor and a number (x * 2.0, and a gradient times a saved scalar)
            arr = _fast_binary(op, a, b)
            if arr is None:
                return _binary(op, a, b)
            y = _binary_result(arr, D.bool_ if compare else a._dtype, a, a, b, a._dtype)
            if a._requires_grad and _grad_state.enabled:
                return _binary_record(op, a, b, y, None)
            return y
        dt, shape, b_shape = a._dtype, a._shape, b._shape
        if b._dtype is not dt or b._device is not a._device or dt not in fast:
            return _binary(op, a, b)
        rm = _ROW_MAJOR(shape)
        same_shape = b_shape == shape
        rm_b = rm if same_shape else _ROW_MAJOR(b_shape)
        sa, sb = a._stride, b._stride
        if (sa is rm or sa == rm) and (sb is rm_b or sb == rm_b):  # (an op's result holds the cached tuple)
            aa, bb = a._arr, b._arr  # (the _array property's cache, valid unless resize_ replaced the storage)
            if aa is None or bb is None or (a._st is not None and a._arr_of is not a._st.array) or (
                    b._st is not None and b._arr_of is not b._st.array):
                aa, bb = a._array, b._array
        elif same_shape and (sa is rm or not any(sa)) and (sb is rm or not any(sb)):
            # an operand expanded from one element (all strides 0: a gradient broadcast back over a sum's
            # input) orders no dims, so the result is row-major still (see M.wrap)
            aa, bb = a._array, b._array
        else:
            return _binary(op, a, b)
        if not same_shape:  # row-major operands of two shapes give a row-major result of the broadcast shape
            shape = geo.broadcast_shapes(shape, b_shape)  # (torch's error when they don't broadcast)
            rm = _ROW_MAJOR(shape)
        token = _fp_set(_FP_IGNORE)
        try:
            arr = op.fn(np if type(aa) is np.ndarray else module_of(aa), aa, bb)
        finally:
            _fp_reset(token)
        rdt = D.bool_ if compare else dt
        if type(arr) is np.ndarray and arr.dtype is rdt.np:  # (NumPy lays it out C-contiguous over these)
            y = fresh_result(arr, rdt, a._device, shape, rm)
        else:
            y = wrap_array(arr, rdt, a._device)  # (a 0-d result is a NumPy scalar; a CuPy array)
        if (a._requires_grad or b._requires_grad) and _grad_state.enabled:
            return _binary_record(op, a, b, y, None)
        return y

    operator.__name__ = operator.__qualname__ = op.name
    return operator


def _plain_binary_(op: Binary, a: Any, b: Any) -> Tensor | None:
    """a (op)= b for the commonest operands (_binary_operator's common case of one shape, not a comparison),
    else None. They must not share a storage (see same_storage): a row-major target then overlaps neither
    itself nor b, and none of the in-place checks can fail (gradient accumulation, optimizer steps)."""
    if type(a) is not Tensor or type(b) is not Tensor or a is b or (a._st is not None and a._st is b._st):
        return None
    dt, shape = a._dtype, a._shape
    if b._dtype is not dt or b._shape != shape or b._device is not a._device or dt not in op.fast_dtypes \
            or op.dtype_rule == "compare":
        return None
    rm = _ROW_MAJOR(shape)
    if ((a._stride is not rm and a._stride != rm) or (b._stride is not rm and b._stride != rm)
            or ((a._requires_grad or b._requires_grad) and _grad_state.enabled)):
        return None
    aa = a._array
    token = _fp_set(_FP_IGNORE)
    try:
        aa[...] = op.fn(np if type(aa) is np.ndarray else module_of(aa), aa, b._array)
    finally:
        _fp_reset(token)
    a._bump()
    return a


def _binary(op: Binary, a: Any, b: Any, out: Tensor | None = None, inplace: bool = False,
            alpha: Any = None) -> Tensor:
    try:
        arr = _fast_binary(op, a, b) if out is None and alpha is None else None
    except RuntimeError:  # operands that do not broadcast
        if inplace:  # torch's autograd and memory-overlap checks come first
            M.check_inplace_first(a, (b,))
        raise
    if arr is not None:
        like = a
        cdt = a._dtype
        rdt = D.bool_ if op.dtype_rule == "compare" else cdt
        if inplace:  # the target checks (nothing is written yet); arr's shape is the broadcast shape
            M.check_inplace_target(a, rdt, arr.shape, (b,))
    else:
        arr, rdt, like, cdt = _binary_general(op, a, b, out, inplace, alpha)
    if out is not None:
        return M.write_out(out, arr, rdt, op.name, [a, b], operands=(a, b), common=cdt)
    return _binary_finish(op, a, b, arr, rdt, like, cdt, inplace, alpha)


class _BinaryBackward:
    """A binary node's backward: what it keeps of one call. One object where a closure would be a function
    and a cell per captured name: the cyclic GC tracks every object a graph holds, and its passes over a
    long graph cost more than the graph's arithmetic."""

    __slots__ = ("grad", "keep_a", "keep_b", "keep_scalar", "saves_y", "b_scalar", "alpha", "b_wanted")

    def __call__(self, grads: Any, *saved: Tensor) -> tuple:
        it = iter(saved)
        sa = next(it) if self.keep_a else None
        sb = next(it) if self.keep_b else self.b_scalar
        sy = next(it) if self.saves_y else None
        # (add's g * alpha for an unwanted b would be a wasted op per node; the engine drops it anyway)
        return self.grad(grads[0], sa, sb, sy, self.alpha, self.b_wanted)


_new = object.__new__


def _binary_finish(op: Binary, a: Any, b: Any, arr: Any, rdt: D.dtype, like: Tensor, cdt: D.dtype, inplace: bool,
                   alpha: Any) -> Tensor:
    """The result of a (op) b computed as `arr` (every check passed): written into a when in place, else a
    new tensor; and the node when a gradient is wanted."""
    if not inplace:
        return _binary_record(op, a, b, _binary_result(arr, rdt, like, a, b, cdt), alpha)
    # (forced: when nothing wants a gradient, rebase_history records nothing but still checks views)
    backward = _binary_backward(op, a, b, alpha, force=True) if op.grad is not None else None
    old = None
    if backward is not None and backward.keep_a:  # the old value of a, before the write
        with grad_mode.no_grad():
            old = Tensor._wrap(a._xp.array(a._array), a._dtype, a.device)
    M.write(a, arr)
    if backward is not None:
        M.rebase_history(a, op.node, (b,), backward,
                         _saved_binary(op, old, b if backward.keep_b else None, a))
        if backward.keep_scalar:
            (a._base if a._base is not None else a)._grad_fn._had_saved = True
    return a


def _binary_backward(op: Binary, a: Tensor, b: Any, alpha: Any, force: bool = False) -> _BinaryBackward | None:
    """The node's backward for a (op) b, or None when no gradient is wanted (grad mode off, or neither
    operand requires one) and not `force`."""
    want_a = a._requires_grad
    b_tensor = isinstance(b, Tensor)
    want_b = b_tensor and b._requires_grad
    if (want_a or want_b) and _grad_state.enabled:
        keep_a, keep_b = op.keeps[want_a][want_b]
    elif force:
        keep_a = keep_b = False
    else:
        return None
    backward = _new(_BinaryBackward)
    backward.grad, backward.keep_a, backward.saves_y, backward.alpha = op.grad, keep_a, op.saves_y, (
        1 if alpha is None else alpha)
    # torch saves a scalar b as a wrapped-number tensor: the node then has saved state that backward frees
    # (a second backward raises), though nothing of a is saved
    backward.keep_b, backward.keep_scalar = keep_b and b_tensor, keep_b and not b_tensor
    backward.b_scalar = None if b_tensor else b
    # whether b's gradient is wanted: a scalar's never is; a tensor's is settled by the node's edge for it
    # (set after recording: a view's requires_grad can change when its edge is made)
    backward.b_wanted = b_tensor
    return backward


def _binary_record(op: Binary, a: Tensor, b: Any, y: Tensor, alpha: Any) -> Tensor:
    """y, the new result of a (op) b, with its node when a gradient is wanted."""
    if op.grad is None:
        return y
    backward = _binary_backward(op, a, b, alpha)
    if backward is None:
        return y
    # (M.record inlined: whether a gradient is wanted is known)
    # rsub(Tensor, Scalar) has one input in torch; other ops wrap the scalar and keep an empty edge
    node = y._grad_fn = make_node(op.node, (a,) if op is RSUB else (a, b), backward,
                                  _saved_binary(op, a if backward.keep_a else None,
                                                b if backward.keep_b else None, y), (y,))
    y._requires_grad = True
    if backward.b_wanted and op is not RSUB:
        backward.b_wanted = node.next_functions[1][0] is not None
    if backward.keep_scalar:
        node._had_saved = True
    return y


# ---- the tables ----------------------------------------------------------------------------------

def _sign(xp, x):
    if x.dtype == np.bool_:
        return x.copy()
    s = xp.sign(x)
    return xp.where(xp.isnan(s), 0, s).astype(s.dtype) if x.dtype.kind == "f" else s  # torch: sign(nan) = 0


UNARY = [
    Unary("neg", lambda xp, x: xp.negative(x), lambda g, x, y: -g, "NegBackward0", "same", "",
          no_bool="Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                  "mask, use the `~` or `logical_not()` operator instead."),
    Unary("abs", lambda xp, x: xp.abs(x), lambda g, x, y: g * x.sign(), "AbsBackward0", "same",
          no_bool="\"abs_cpu\" not implemented for 'Bool'", no_bool_exc=NotImplementedError, bool_on_cuda=True),
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
          "CeilBackward0", "same", "", no_bool="\"ceil_vml_cpu\" not implemented for 'Bool'",
          no_bool_exc=NotImplementedError),
    Unary("floor", lambda xp, x: xp.floor(x) if x.dtype.kind == "f" else x.copy(), lambda g, x, y: g * 0,
          "FloorBackward0", "same", "", no_bool="\"floor_vml_cpu\" not implemented for 'Bool'",
          no_bool_exc=NotImplementedError),
    Unary("relu", lambda xp, x: xp.maximum(x, x.dtype.type(0)), lambda g, x, y: _where(y <= 0, 0, g),
          "ReluBackward0", "same", "y", no_bool="Boolean inputs not supported for relu"),
]


def _where(cond: Any, a: Any, b: Any) -> Tensor:
    from .selection import where

    return where(cond, a, b)

BINARY = [
    Binary("add", lambda xp, a, b: a + b, lambda g, a, b, y, al, wb: (g, g * al if wb else None), "AddBackward0",
           saves=""),
    Binary("sub", lambda xp, a, b: a - b, lambda g, a, b, y, al, wb: (g, -g * al if wb else None), "SubBackward0",
           saves=""),
    Binary("mul", lambda xp, a, b: a * b,  # (bool * bool is logical and in NumPy and CuPy alike)
           lambda g, a, b, y, al, wb: (None if b is None else g * b, None if a is None else g * a), "MulBackward0",
           a_for="b", b_for="a"),
    Binary("div", lambda xp, a, b: xp.true_divide(a, b),
           lambda g, a, b, y, al, wb: (g / b, None if a is None else -g * ((a / b) / b)), "DivBackward0",
           "true_div", a_for="b"),  # torch's order: b*b underflows
    Binary("bitwise_and", lambda xp, a, b: a & b, None, "", saves="", int_kernel="bitwise_and_cpu"),
    Binary("bitwise_or", lambda xp, a, b: a | b, None, "", saves="", int_kernel="bitwise_or_cpu"),
    Binary("bitwise_xor", lambda xp, a, b: a ^ b, None, "", saves="", int_kernel="bitwise_xor_cpu"),
    Binary("eq", lambda xp, a, b: a == b, None, "", "compare", ""),
    Binary("ne", lambda xp, a, b: a != b, None, "", "compare", ""),
    Binary("lt", lambda xp, a, b: a < b, None, "", "compare", ""),
    Binary("le", lambda xp, a, b: a <= b, None, "", "compare", ""),
    Binary("gt", lambda xp, a, b: a > b, None, "", "compare", ""),
    Binary("ge", lambda xp, a, b: a >= b, None, "", "compare", ""),
]


def _define_unary(op: Unary) -> None:
    method = _unary_method(op)  # (Tensor.exp takes no out=, as in torch)

    def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if out is None:
            return method(input)
        return _unary(op, input, out=out)

    def fn_(self: Tensor) -> Tensor:
        return _unary(op, self, inplace=True)

    fn.__name__, fn_.__name__ = op.name, op.name + "_"
    fn.checks_input = True  # (M.check_tensor: impl.<name> needs no TypeError wrapper)
    M.export(op.name, method=False)(fn)
    M.export(op.name, function=False)(method)
    M.export(op.name + "_")(fn_)


def _define_binary(op: Binary) -> None:
    takes_alpha = op.name in ("add", "sub")
    operator = OPERATOR_FNS[op.name] = _binary_operator(op)

    if takes_alpha:
        def fn(input: Tensor, other: Any, *, alpha: Any = None, out: Tensor | None = None) -> Tensor:
            if out is None and alpha is None:
                return operator(input, other)
            return _binary(op, input, other, out, False, alpha)

        def fn_(self: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
            if alpha is None and (y := _plain_binary_(op, self, other)) is not None:
                return y
            return _binary(op, self, other, None, True, alpha)
    else:
        def fn(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
            if out is None:
                return operator(input, other)
            return _binary(op, input, other, out)

        def fn_(self: Tensor, other: Any) -> Tensor:
            if (y := _plain_binary_(op, self, other)) is not None:
                return y
            return _binary(op, self, other, None, True)

    fn.__name__, fn_.__name__ = op.name, op.name + "_"
    fn.checks_input = True  # (M.check_tensor: impl.<name> needs no TypeError wrapper)
    M.export(op.name)(fn)
    M.export(op.name + "_")(fn_)


OPERATOR_FNS: dict[str, Callable] = {}  # binary op name -> its operator (Tensor.__add__ ...; see _binary_operator)
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

def _power(xp, a, b):
    """x ** y; integer negative exponents follow torch: 1 ** -n = 1, (-1) ** -n = +-1, else 0."""
    if a.dtype.kind not in "iu" or not bool((xp.asarray(b) < 0).any()):
        return xp.power(a, b)
    neg = b < 0
    pos = xp.power(a, xp.where(neg, 0, b))
    odd = (b % 2) != 0
    special = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0)).astype(a.dtype)
    return xp.where(neg, special, pos).astype(pos.dtype)


def _pow_grads(g, a, b, y):
    ga = gb = None
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            # torch masks exponent == 0 (no 0 * inf); grad * (exponent * self ** (exponent - 1)), in that
            # order (a tiny exponent times 0 ** (exponent - 1) = inf is inf, whatever grad)
            ga = _where(b == 0, 0.0, g * (b * a ** (b - 1)))
        else:
            ga = g * 0 if b == 0 else g * (b * a ** (b - 1))
    if isinstance(b, Tensor):
        # torch masks the base == 0 case so that 0 ** b has a zero (not nan) gradient w.r.t. b for b >= 0
        from .selection import where

        # torch's pow_backward_exponent: grad * where(cond, 0, result * log(self)), self first cast to the
        # promoted dtype; a Python base's log is a double Scalar (rounded once with result, not first to half)
        if isinstance(a, Tensor):
            rdt = D.result_type(a, b)
            logs = (a if a._dtype is rdt else a.to(rdt)).log()
            gb = g * where((a == 0) & (b >= 0), 0.0, y * logs)  # (gb * 0 would keep the nan of log(0) * 0)
        else:
            base = float(a)
            yl = y * (math.log(base) if base > 0 else (-math.inf if base == 0 else math.nan))
            gb = g * (where(b >= 0, 0.0, yl) if base == 0 else yl)
    return ga, gb


@M.export("pow")
def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    return _pow(input, exponent, out=out)


@M.export("pow_", function=False)
def pow_(self: Tensor, exponent: Any) -> Tensor:
    return _pow(self, exponent, inplace=True)


def _pow_general(a: Any, b: Any, out: Tensor | None, inplace: bool) -> tuple:
    """Every check and promotion rule of pow; (result array, result dtype, node name, device tensor)."""
    if not isinstance(a, Tensor):  # scalar ** tensor
        if not isinstance(a, A.NUMBER_TYPES):
            raise A.invalid_combination("pow", (a, b))
        A.check_scalar_int(a)
        node = "PowBackward2"
    else:
        node = "PowBackward1" if isinstance(b, Tensor) else "PowBackward0"
        if not isinstance(b, Tensor):
            if not isinstance(b, A.NUMBER_TYPES):  # (worded positional; pow_ is a method: no self)
                raise A.invalid_combination("pow_" if inplace else "pow", (b,) if inplace else (a, b))
            A.check_scalar_int(b)
    t = a if isinstance(a, Tensor) else b
    like = M.same_device("pow", a, b)
    rdt = D.result_type(a, b)
    if (not rdt.is_floating_point and not isinstance(b, Tensor) and isinstance(b, (int, np.integer))
            and not isinstance(b, bool) and b < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    shape = geo.broadcast_shapes(a._shape if isinstance(a, Tensor) else (), b._shape if isinstance(b, Tensor) else ())
    if inplace:
        M.check_inplace_target(a, rdt, shape, (b,))
    if isinstance(a, Tensor) and (rdt is D.float16 or rdt.category == 1):
        A.check_fits(b, rdt)  # a scalar exponent is converted checked, except to float32/float64 (double)
    xp = like._xp
    with M.errstate():
        if (rdt is D.float32 and isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool)
                and not _in_float32(b)):
            # torch raises a float32 tensor to a double exponent: (-1) ** 2147483647.5 is nan, not 1
            arr = xp.power(M.operand_array(a, D.float64, xp), float(b)).astype(np.float32)
        else:
            arr = _power(xp, M.operand_array(a, rdt, xp), M.operand_array(b, rdt, xp))
    return arr, rdt, node, t


_POW_FAST = frozenset((D.float32, D.float64))
_F32_MAX = float(np.finfo(np.float32).max)
_F32_EXACT_INT = 2 ** 24  # every int up to this magnitude is a float32


def _in_float32(b: Any) -> bool:
    """Whether a Python number is exactly a float32 (checked without NumPy's overflow warning)."""
    if type(b) is int and -_F32_EXACT_INT <= b <= _F32_EXACT_INT:  # (x.pow(2): no conversion to find out)
        return True
    return abs(b) <= _F32_MAX and float(np.float32(b)) == b


def _pow(a: Any, b: Any, *, out: Tensor | None = None, inplace: bool = False) -> Tensor:
    if (out is None and not inplace and isinstance(a, Tensor) and a._dtype in _POW_FAST
            and (type(b) is float or (type(b) is int and -_EXACT_INT <= b <= _EXACT_INT))
            and (a._dtype is D.float64 or _in_float32(b))):
        # fast path: a float tensor to a Python number's power (x.pow(2)): the result dtype is the tensor's,
        # none of _pow_general's checks can fail and the result is laid out as a unary op's
        rdt = a._dtype
        aa = a._array
        token = M.FP_POLICY.set(M.FP_IGNORE)
        try:
            arr = module_of(aa).power(aa, rdt.np.type(b))  # what _power does for floats
        finally:
            M.FP_POLICY.reset(token)
        y = _unary_result(arr, rdt, a)
        if a._requires_grad:  # (the same node as below: its one gradient, for the base)
            M.record(y, "PowBackward0", [a], lambda grads, sa: (_pow_grads(grads[0], sa, b, None)[0],), [a])
        return y
    arr, rdt, node, t = _pow_general(a, b, out, inplace)
    # torch's layout: pow(Tensor, Scalar) is unary over the base; pow(Scalar, Tensor) is row-major
    operands = () if not isinstance(a, Tensor) else (a, b) if isinstance(b, Tensor) else (a,)
    if out is not None:
        return M.write_out(out, arr, rdt, "pow", [a, b], operands=operands, common=rdt)
    if not inplace and not M.needs_grad(a, b):
        return M.wrap(arr, rdt, t, operands, rdt)  # nothing to record: skip building the backward

    # (what the backward needs of a call, without the tensors themselves: in place, a's node holding a
    # would be a reference cycle, a -> grad_fn -> backward -> a)
    a_tensor, b_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    a_number, b_number = None if a_tensor else a, None if b_tensor else b

    def backward(grads, *saved):
        it = iter(saved)
        sa = next(it) if a_tensor else a_number
        sb = next(it) if b_tensor else b_number
        sy = next(it) if b_tensor else None
        ga, gb = _pow_grads(grads[0], sa, sb, sy)
        return tuple(g for g, is_t in ((ga, a_tensor), (gb, b_tensor)) if is_t)

    if inplace:
        old = _saved_old(a, True)
        M.write(a, arr)
        M.rebase_history(a, node, (b,) if isinstance(b, Tensor) else (), backward, [s for s in (old, b, a if isinstance(b, Tensor) else None)
                                                     if isinstance(s, Tensor)])
        return a
    y = M.wrap(arr, rdt, t, operands, rdt)
    saved = [s for s in (a, b) if isinstance(s, Tensor)] + ([y] if isinstance(b, Tensor) else [])
    M.record(y, node, [s for s in (a, b) if isinstance(s, Tensor)], backward, saved)
    return y


# ---- operators -----------------------------------------------------------------------------------

# A Python scalar on the left keeps its weak (wrapped-number) promotion, so these are swapped binaries.
RSUB = Binary("rsub", lambda xp, a, b: b - a, lambda g, a, b, y, al, wb: (-g * al, g), "RsubBackward1", saves="")


def _rsub(self: Tensor, other: Any) -> Tensor:
    return _binary(RSUB, self, other)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    # torch computes scalar / tensor as reciprocal(tensor) * scalar (MulBackward0 over ReciprocalBackward0)
    return M.FUNCTIONS["mul"](M.FUNCTIONS["reciprocal"](self), other)


def _invert(self: Tensor) -> Tensor:
    if self._dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    arr = ~self._array
    return M.wrap(arr, self._dtype, self, (self,))


M.export("logical_not")(lambda input: M.wrap(~(input._array.astype(bool)), D.bool_, input, (input,)))


OPERATORS = {
    # add and mul commute: scalar + t is add(t, scalar) itself, without a reflecting wrapper's extra call
    "__add__": OPERATOR_FNS["add"], "__radd__": OPERATOR_FNS["add"],
    "__sub__": OPERATOR_FNS["sub"], "__rsub__": _rsub,
    "__mul__": OPERATOR_FNS["mul"], "__rmul__": OPERATOR_FNS["mul"],
    "__truediv__": OPERATOR_FNS["div"], "__rtruediv__": _rtruediv,
    "__pow__": pow, "__rpow__": lambda self, other: pow(other, self),
    "__neg__": M.FUNCTIONS["neg"], "__abs__": M.FUNCTIONS["abs"],
    "__iadd__": M.METHODS["add_"], "__isub__": M.METHODS["sub_"], "__imul__": M.METHODS["mul_"],
    "__itruediv__": M.METHODS["div_"], "__ipow__": pow_,
    "__and__": OPERATOR_FNS["bitwise_and"], "__or__": OPERATOR_FNS["bitwise_or"],
    "__xor__": OPERATOR_FNS["bitwise_xor"], "__invert__": lambda self: _invert(self),
    "__iand__": M.METHODS["bitwise_and_"], "__ior__": M.METHODS["bitwise_or_"],
    "__eq__": OPERATOR_FNS["eq"], "__ne__": OPERATOR_FNS["ne"], "__lt__": OPERATOR_FNS["lt"],
    "__le__": OPERATOR_FNS["le"], "__gt__": OPERATOR_FNS["gt"], "__ge__": OPERATOR_FNS["ge"],
}


# ---- n-ary pointwise ops with several tensor/scalar operands: clamp, addcmul/addcdiv, maximum/minimum ---

def _nary(opname: str, node: str, args: list, rdt: D.dtype, fn: Callable, backward: Callable | None, *,
          out: Tensor | None = None, inplace: bool = False, save: str = "", strict_out: bool = False) -> Tensor:
    """Shared plumbing: broadcast, in-place checks (before any write), out=, and graph recording.

    `args[0]` is the input (the in-place target); `fn(xp, *arrays)` computes in `rdt`; `backward(g, saved)`
    returns one gradient per arg (None for scalars); `save` picks what it needs: "x" the (old) input value,
    "a" every tensor arg, "y" the result."""
    x = args[0]
    like = M.same_device(opname, *args)
    shape = geo.broadcast_shapes(*[a._shape for a in args if isinstance(a, Tensor)])
    if inplace:
        M.check_inplace_target(x, rdt, shape, args[1:])
    if strict_out and isinstance(out, Tensor) and out._dtype is not rdt:
        raise RuntimeError(f"Found dtype {D.type_name(out._dtype)} but expected {D.type_name(rdt)}")
    xp = like._xp
    with M.errstate():
        arr = fn(xp, *[M.operand_array(a, rdt, xp) if a is not None else None for a in args])
    if out is not None:
        return M.write_out(out, arr, rdt, opname, args, operands=[a for a in args if isinstance(a, Tensor)],
                           common=rdt)
    tensor_args = [a if isinstance(a, Tensor) else None for a in args]

    def bw(grads, *saved):
        return backward(grads[0], saved)

    if inplace:
        old = None
        if ("x" in save or "a" in save) and M.needs_grad(*tensor_args):
            with grad_mode.no_grad():
                old = Tensor._wrap(x._xp.array(x._array), x._dtype, x.device)
        M.write(x, arr)
        if backward is not None:
            saved = ([old] if old is not None else []) + ([a for a in tensor_args[1:] if a is not None]
                                                         if "a" in save else []) + ([x] if "y" in save else [])
            M.rebase_history(x, node, tensor_args[1:], bw, saved)
        return x
    y = M.wrap(arr, rdt, like, [a for a in args if isinstance(a, Tensor)], rdt)
    if backward is not None:
        saved = ([a for a in tensor_args if a is not None] if "a" in save else ([x] if "x" in save else [])) + \
            ([y] if "y" in save else [])
        M.record(y, node, tensor_args, bw, saved)
    return y


# clamp / clip -------------------------------------------------------------------------------------

def _clamp_type_error(opname: str, input: Tensor, min: Any, max: Any, out: Any) -> TypeError:
    """The parser's error for a bound that is neither a Tensor nor a Number, worded for bounds given as
    keywords (clamp(x, min='a')); clamp_min/clamp_max's bound is worded positional (clamp_min(x, 'a')).
    clamp_ and the other in-place forms are methods: no self in the list."""
    self_args = () if opname.endswith("_") else (input,)
    if opname.startswith("clamp_m"):
        return A.invalid_combination(opname, self_args + (min if max is None else max,))
    given = {k: v for k, v in (("min", min), ("max", max), ("out", out)) if v is not None}
    return A.invalid_combination(opname, self_args, given)


def _clamp(input: Any, min: Any, max: Any, *, out: Tensor | None = None, inplace: bool = False,
           opname: str = "clamp") -> Tensor:
    M.check_tensor(input, opname)
    if inplace:
        M.check_inplace_leaf(input)  # the autograd layer's check comes before clamp's own
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    tensor_bounds = all(isinstance(b, Tensor) for b in bounds)
    if not tensor_bounds:
        if any(isinstance(b, Tensor) for b in bounds):
            kinds = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in (input, min, max))
            raise TypeError(f"{opname}() received an invalid combination of arguments - got ({kinds}), but expected "
                            "one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                            " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")
        for b in bounds:
            if not isinstance(b, (bool, int, float, np.bool_, np.integer, np.floating)):
                raise _clamp_type_error(opname, input, min, max, out)
            A.check_scalar_int(b)
    rdt = D.result_type(input, min, max)
    if inplace and not tensor_bounds and not D.can_cast(rdt, input._dtype):
        # clamp_ with Number bounds checks the cast itself, before TensorIterator (C++ type name)
        from ._out import _C_NAMES

        raise RuntimeError(f"result type {D.type_name(rdt)} can't be cast to the desired output type "
                           f"{_C_NAMES[input._dtype.name]}")
    if rdt is D.bool_ and not tensor_bounds:
        kind = "clamp" if len(bounds) == 2 else ("clamp_min" if min is not None else "clamp_max")
        raise NotImplementedError(f"\"{kind}_scalar_cpu\" not implemented for 'Bool'")
    lo_t, hi_t = isinstance(min, Tensor), isinstance(max, Tensor)

    def fn(xp, a, lo, hi):
        if not tensor_bounds:  # scalar bounds convert checked to rdt, in the kernel (after the dtype checks)
            for b in bounds:
                A.check_fits(b, rdt)
        r = a
        if lo is not None:
            r = xp.maximum(r, lo) if rdt is not D.bool_ else (r | lo)
        if hi is not None:
            r = xp.minimum(r, hi) if rdt is not D.bool_ else (r & hi)
        return r

    if opname.startswith("clamp_min") or opname.startswith("clamp_max"):
        node = ("ClampMinBackward" if opname.startswith("clamp_min") else "ClampMaxBackward") + \
            ("1" if tensor_bounds else "0")
    else:
        node = "ClampBackward0" if tensor_bounds else "ClampBackward1"

    wants = [isinstance(a, Tensor) and a.requires_grad for a in (input, min, max)]

    def backward(g, saved):
        it = iter(saved)
        x = next(it)
        lo = next(it) if lo_t else min
        hi = next(it) if hi_t else max
        from .selection import where

        if lo_t and hi_t:
            # torch combines the masks in place (logical_and_ / logical_or_), which fails when the second
            # mask broadcasts to a bigger shape than the first
            bx, bl, bh = x._shape, lo._shape, hi._shape
            for want, first, second in ((wants[0], (bx, bl), (bx, bh)), (wants[1], (bx, bl), (bl, bh)),
                                        (wants[2], (bx, bh), (bh, bl))):
                a_shape = geo.broadcast_shapes(*first)
                full = geo.broadcast_shapes(a_shape, geo.broadcast_shapes(*second))
                if want and full != a_shape:
                    raise RuntimeError(f"output with shape {list(a_shape)} doesn't match the broadcast shape "
                                       f"{list(full)}")
        zero = 0
        if lo is not None and hi is not None:
            gx = where((x >= lo) & (x <= hi), g, zero)
        elif lo is not None:
            gx = where(x >= lo, g, zero)
        else:
            gx = where(x <= hi, g, zero)
        glo = ghi = None
        if lo_t and hi is not None:
            glo = where((x < lo) & (lo < hi), g, zero)
        elif lo_t:
            glo = where(x < lo, g, zero)
        if hi_t and lo is not None:
            ghi = where((x > hi) | (hi < lo), g, zero)
        elif hi_t:
            ghi = where(x > hi, g, zero)
        return gx, glo, ghi

    args = [input, min, max]
    return _nary(opname, node, args, rdt, fn, backward, out=out, inplace=inplace,
                 save="a" if tensor_bounds else "x", strict_out=not tensor_bounds)


@M.export("clamp", "clip")
def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:
    return _clamp(input, min, max, out=out)


@M.export("clamp_", "clip_", function=False)
def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    return _clamp(self, min, max, inplace=True, opname="clamp_")


@M.export()
def clamp_min(input: Tensor, min: Any, *, out: Tensor | None = None) -> Tensor:
    return _clamp(input, min, None, out=out, opname="clamp_min")


@M.export(function=False)
def clamp_min_(self: Tensor, min: Any) -> Tensor:
    return _clamp(self, min, None, inplace=True, opname="clamp_min_")


@M.export()
def clamp_max(input: Tensor, max: Any, *, out: Tensor | None = None) -> Tensor:
    return _clamp(input, None, max, out=out, opname="clamp_max")


@M.export(function=False)
def clamp_max_(self: Tensor, max: Any) -> Tensor:
    return _clamp(self, None, max, inplace=True, opname="clamp_max_")


# addcmul / addcdiv -------------------------------------------------------------------------------

_ADDCDIV_INT = ("Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
                "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input "
                "+ value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value "
                "* tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
                "implementation: (input + value * tensor1 / tensor2), for all dtypes.")


def _fma(xp: Any, a: Any, b: Any, c: Any) -> Any:
    """a * b + c rounded once, as the CPU's fused multiply-add does. float32 (and half, in float32): the
    product is exact in float64. float64: Dekker's error-free product and Knuth's TwoSum recover the
    rounding errors (exact unless a * b overflows when split, |a|, |b| > 1e300)."""
    if a.dtype != np.float64:
        return (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(a.dtype)
    p = a * b
    split = 134217729.0  # 2**27 + 1: halves of 26 bits whose products are exact
    ah = a * split - (a * split - a)
    bh = b * split - (b * split - b)
    al, bl = a - ah, b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + e == a * b exactly
    s = p + c
    bv = s - p
    t = (p - (s - bv)) + (c - bv)  # s + t == p + c exactly
    r = s + (t + e)
    return xp.where(xp.isfinite(r), r, p + c)  # inf/nan: the plain result, as fma gives


def _addc(kind: str, input: Any, tensor1: Any, tensor2: Any, value: Any, *, out: Tensor | None = None,
          inplace: bool = False) -> Tensor:
    opname = kind + ("_" if inplace else "")
    M.check_tensor(input, opname)
    M.check_tensor(tensor1, opname, "tensor1")
    M.check_tensor(tensor2, opname, "tensor2")
    if isinstance(value, Tensor):
        value = value.item()
    if not isinstance(value, A.NUMBER_TYPES):  # (value= is keyword-only in torch's current signature)
        raise A.arg_error(opname, "value", "Number", value)
    if kind == "addcdiv" and not tensor1._dtype.is_floating_point and not tensor2._dtype.is_floating_point:
        raise RuntimeError(_ADDCDIV_INT)
    rdt = D.result_type(input, tensor1, tensor2)
    if rdt is D.bool_:
        raise NotImplementedError(f"\"{kind}_cpu_out\" not implemented for 'Bool'")

    def fn(xp, a, t1, t2):
        # value converts checked to the op's compute type, in the kernel: float32 for float16 (1e6 is inf)
        A.check_fits(value, D.float32 if rdt is D.float16 else rdt)
        if not rdt.is_floating_point:
            return a + M.operand_array(int(value), rdt, xp) * t1 * t2
        # torch's kernels, rounding for rounding: half computes in float32; addcdiv is a + (value * t1) / t2;
        # addcmul is fmadd(value * t1, t2, a), a fused multiply-add (one rounding)
        opdt = D.float32 if rdt is D.float16 else rdt
        a, t1, t2 = (z.astype(opdt.np, copy=False) for z in (a, t1, t2))
        vt1 = M.operand_array(value, opdt, xp) * t1
        r = _fma(xp, vt1, t2, a) if kind == "addcmul" else a + vt1 / t2
        return r.astype(rdt.np, copy=False)

    def backward(g, saved):
        _, t1, t2 = saved
        # torch's formulas, in its order of operations (matters for denormal/huge values)
        if kind == "addcmul":
            return g, g * (t2 * value), g * (t1 * value)
        # C++'s Scalar / Tensor is a true division (0 / subnormal is 0); Python's scalar / tensor is
        # reciprocal * scalar (0 * inf = nan), so divide a 0-d tensor of t2's dtype instead
        v = M.FUNCTIONS["full"]((), value, dtype=t2.dtype, device=t2.device)
        return g, g * M.FUNCTIONS["div"](v, t2), -g * (value * t1 / (t2 * t2))

    node = "AddcmulBackward0" if kind == "addcmul" else "AddcdivBackward0"
    return _nary(opname, node, [input, tensor1, tensor2], rdt, fn, backward, out=out, inplace=inplace,
                 save="a")


def _deprecated_value_form(kind: str, args: tuple, value: Any, method: bool, t1: Any = None, t2: Any = None) -> tuple:
    """(tensor1, tensor2, value) from torch's still-accepted deprecated overload addc*(input, value, t1, t2)."""
    args = args + tuple(t for t in (t1, t2) if t is not None)
    if len(args) == 3 and not isinstance(args[0], Tensor):
        import warnings

        if method:
            msg = (f"This overload of {kind} is deprecated:\n\t{kind}(Number value, Tensor tensor1, Tensor tensor2)\n"
                   f"Consider using one of the following signatures instead:\n\t{kind}(Tensor tensor1, Tensor tensor2, "
                   "*, Number value = 1)")
        else:
            msg = (f"This overload of {kind} is deprecated:\n\t{kind}(Tensor input, Number value, Tensor tensor1, "
                   f"Tensor tensor2, *, Tensor out = None)\nConsider using one of the following signatures instead:"
                   f"\n\t{kind}(Tensor input, Tensor tensor1, Tensor tensor2, *, Number value = 1, Tensor out = None)")
        warnings.warn(msg, UserWarning, stacklevel=3)
        return args[1], args[2], args[0]
    if len(args) != 2:
        raise TypeError(f"{kind}() received an invalid combination of arguments - got {len(args) + 1} positional "
                        "arguments")
    return args[0], args[1], value


@M.export(function=True, method=False)
def addcmul(input: Tensor, *args: Any, tensor1: Any = None, tensor2: Any = None, value: Any = 1, out: Tensor | None = None) -> Tensor:
    t1, t2, value = _deprecated_value_form("addcmul", args, value, False, tensor1, tensor2)
    return _addc("addcmul", input, t1, t2, value, out=out)


@M.export("addcmul", function=False, method=True)
def addcmul_method(self: Tensor, *args: Any, tensor1: Any = None, tensor2: Any = None, value: Any = 1) -> Tensor:
    t1, t2, value = _deprecated_value_form("addcmul", args, value, True, tensor1, tensor2)
    return _addc("addcmul", self, t1, t2, value)


@M.export(function=False)
def addcmul_(self: Tensor, *args: Any, tensor1: Any = None, tensor2: Any = None, value: Any = 1) -> Tensor:
    t1, t2, value = _deprecated_value_form("addcmul_", args, value, True, tensor1, tensor2)
    return _addc("addcmul", self, t1, t2, value, inplace=True)


@M.export(function=True, method=False)
def addcdiv(input: Tensor, *args: Any, tensor1: Any = None, tensor2: Any = None, value: Any = 1, out: Tensor | None = None) -> Tensor:
    t1, t2, value = _deprecated_value_form("addcdiv", args, value, False, tensor1, tensor2)
    return _addc("addcdiv", input, t1, t2, value, out=out)


@M.export("addcdiv", function=False, method=True)
def addcdiv_method(self: Tensor, *args: Any, tensor1: Any = None, tensor2: Any = None, value: Any = 1) -> Tensor:
    t1, t2, value = _deprecated_value_form("addcdiv", args, value, True, tensor1, tensor2)
    return _addc("addcdiv", self, t1, t2, value)


@M.export(function=False)
def addcdiv_(self: Tensor, *args: Any, tensor1: Any = None, tensor2: Any = None, value: Any = 1) -> Tensor:
    t1, t2, value = _deprecated_value_form("addcdiv_", args, value, True, tensor1, tensor2)
    return _addc("addcdiv", self, t1, t2, value, inplace=True)


# maximum / minimum -------------------------------------------------------------------------------

def _extremum(kind: str, input: Any, other: Any, out: Tensor | None) -> Tensor:
    M.check_tensor(input, kind)
    if not isinstance(other, Tensor):
        raise TypeError(f"{kind}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    rdt = D.result_type(input, other)
    big = kind == "maximum"

    def fn(xp, a, b):
        if rdt is D.bool_:
            return (a | b) if big else (a & b)
        return xp.maximum(a, b) if big else xp.minimum(a, b)

    def backward(g, saved):
        from .selection import where

        a, b = saved
        half = where(a == b, g / 2, g)
        ga = where((a < b) if big else (a > b), 0, half)
        gb = where((a > b) if big else (a < b), 0, half)
        return ga, gb

    return _nary(kind, "MaximumBackward0" if big else "MinimumBackward0", [input, other], rdt, fn, backward,
                 out=out, save="a")


@M.export()
def maximum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _extremum("maximum", input, other, out)


@M.export()
def minimum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _extremum("minimum", input, other, out)


# softmax / log_softmax ---------------------------------------------------------------------------

def _softmax(kind: str, input: Any, dim: Any, dtype: Any) -> Tensor:
    M.check_tensor(input, kind)
    if dim is None:
        raise TypeError(f"{kind}() missing required argument 'dim'")
    d = geo.wrap_dim(dim, input.dim())
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    if not input._dtype.is_floating_point and input.numel() == 0:  # no kernel runs: torch returns it as is
        return M.wrap(input._xp.array(input._array, copy=True), input._dtype, input)
    if not input._dtype.is_floating_point:
        last = "lastdim_" if d == max(input.dim(), 1) - 1 else ""
        raise NotImplementedError(f"\"{kind}_{last}kernel_impl\" not implemented for '{D.type_name(input._dtype)}'")
    xp = input._xp
    a = input._array
    acc = np.float32 if input._dtype is D.float16 else input._dtype.np
    with M.errstate():
        if input.dim() == 0:
            arr = xp.zeros((), dtype=acc) if kind == "log_softmax" else xp.ones((), dtype=acc)
            arr = arr + a.astype(acc) * 0  # nan/inf input stays nan like torch
        else:
            a = a.astype(acc)
            m = a.max(axis=d, keepdims=True) if a.size else a
            z = a - m
            s = xp.exp(z).sum(axis=d, keepdims=True)
            arr = z - xp.log(s) if kind == "log_softmax" else xp.exp(z) / s
        arr = arr.astype(input._dtype.np)  # (float16 rounds from float32: log_softmax may be -inf)
    rdt = input._dtype

    def backward(grads, y):
        g = grads[0]
        half = y._dtype is D.float16  # torch's kernels accumulate half in float32 and round once
        if half:
            g, y = g.float(), y.float()
        if kind == "softmax":
            r = y * (g - (g * y).sum(d, keepdim=True))
        else:
            r = g - y.exp() * g.sum(d, keepdim=True)
        return (r.half() if half else r,)

    out = M.wrap(arr, rdt, input)
    return M.record(out, "SoftmaxBackward0" if kind == "softmax" else "LogSoftmaxBackward0", [input], backward,
                    [out])


@M.export()
def softmax(input: Tensor, dim: Any = None, dtype: Any = None, *, _stacklevel: int = 3) -> Tensor:
    return _softmax("softmax", input, dim, dtype)


@M.export()
def log_softmax(input: Tensor, dim: Any = None, dtype: Any = None, *, _stacklevel: int = 3) -> Tensor:
    return _softmax("log_softmax", input, dim, dtype)


# round -------------------------------------------------------------------------------------------

def _round(input: Any, decimals: int, *, out: Tensor | None = None, inplace: bool = False) -> Tensor:
    M.check_tensor(input, "round")
    rdt = input._dtype
    if rdt is D.bool_:
        raise NotImplementedError("\"round_vml_cpu\" not implemented for 'Bool'" if decimals == 0 else
                                  "\"round_cpu\" not implemented for 'Bool'")
    if decimals != 0 and not rdt.is_floating_point:
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{D.type_name(rdt)}'")

    def fn(xp, a):
        if not rdt.is_floating_point:
            return a.copy()
        if decimals == 0:
            return xp.rint(a)
        c = a.astype(np.float32) if rdt is D.float16 else a
        p = c.dtype.type(10.0 ** abs(decimals))
        r = xp.rint(c * p) / p if decimals > 0 else xp.rint(c / p) * p
        return r.astype(rdt.np)

    node = "RoundBackward0" if decimals == 0 else "RoundBackward1"
    return _nary("round", node, [input], rdt, fn, lambda g, saved: (g * 0,), out=out, inplace=inplace,
                 strict_out=True)


@M.export()
def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    return _round(input, decimals, out=out)


@M.export(function=False)
def round_(self: Tensor, *, decimals: int = 0) -> Tensor:
    return _round(self, decimals, inplace=True)
