"""add/sub with alpha (a + alpha * b) in float64, float32 and float16, rounded as torch's CPU kernel rounds
it (ufunc::add in BinaryOpsKernel.cpp; sub adds -alpha).  Measured against torch 2.13 (CPU capability
AVX512) on random operands, element by element:

* float64 and float32: one fused multiply-add, fma(b, alpha, a), for contiguous, transposed, stepped and
  row-broadcast operands, a 0-d or Python-number b, in-place and out=.  Not exact where an operand is
  broadcast along the innermost dim (a 0-d or Python-number b, (40, 10) + (40, 1)) and the element falls in
  the scalar tail of torch's loop (the last numel % 16 doubles or % 32 floats of a run): that tail is
  compiled code that mixes fused and unfused elements by position (and alignment); fused is the closer
  rule there too.
* float16: alpha is rounded to half first.  The vectorized loop computes fma in float32 and rounds to half;
  the scalar loop computes in c10::Half arithmetic, half(a + half(alpha * b)) (each product and sum in
  float, rounded to half).  An inner run (the innermost dims, coalesced while each operand is contiguous
  there or a broadcast scalar) takes the vectorized loop for its first run - run % 32 elements and the
  scalar loop for the rest; an operand strided otherwise on the innermost dim sends every element to the
  scalar loop.  32 is Vectorized<Half>::size() under AVX512 (16 under AVX2): the one machine-dependent
  constant.  TensorIterator's reordering of dims by stride is not modelled (a transposed result is
  taken row-major).

The caller applies these on the NumPy backend only (torch's CUDA kernel was not measured).  float32's fma
is emulated in float64 (the product of two float32 values is exact there; the sum is rounded once before
the float32 rounding, a double rounding that differs from a true fma only on an exact float32 tie);
float64's by error-free transformations (_fma64)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as D
from ..tensor import Tensor

HALF_VEC = 32  # Vectorized<c10::Half>::size() under torch's AVX512 capability
ALPHA_DTYPES = (D.float64, D.float32, D.float16)


def _fused32(xp: Any, a: Any, b: Any, alpha: Any) -> Any:
    return (a.astype(np.float64) + b.astype(np.float64) * np.float64(alpha)).astype(np.float32)


_SPLIT = 134217729.0  # 2 ** 27 + 1: Veltkamp's split of a double into two 26-bit halves


def _split(x: Any) -> tuple:
    c = _SPLIT * x
    hi = c - (c - x)
    return hi, x - hi


def _fma64(xp: Any, a: Any, b: Any, alpha: float) -> Any:
    """fma(b, alpha, a) in float64, by error-free transformations (Dekker's product, Knuth's sum): the
    rounded product plus its exact error, the rounded sum plus its exact error, added once.  Where that
    cannot be exact (a product past 2 ** 995, where the split overflows, or below 2 ** -969, where the
    error term underflows; inf, nan), the unfused a + alpha * b."""
    al = xp.full(b.shape, alpha, dtype=np.float64)
    p = b * al
    bh, bl = _split(b)
    ah, alo = _split(al)
    e = ((bh * ah - p) + bh * alo + bl * ah) + bl * alo
    s = a + p
    z = s - a
    t = (a - (s - z)) + (p - z)
    corr = t + e
    r = s + corr
    mag = xp.abs(p)
    safe = (mag < 2.0 ** 995) & ((mag > 2.0 ** -969) | (p == 0)) & (xp.abs(b) < 2.0 ** 995) & xp.isfinite(r)
    return xp.where(safe & (corr != 0), r, s)  # (corr 0: s keeps the sign of an exact zero sum)


def add_alpha(xp: Any, a_op: Any, b_op: Any, alpha: Any, cdt: D.dtype, sub: bool, a: Any, b: Any) -> Any:
    """a + alpha * b (sub: a - alpha * b, torch's add of -alpha) for cdt float64, float32 or float16, where
    a_op and b_op are the operands in cdt's opmath type (float32 for float16, a float16 b already rounded to
    half).  Returns an array of that type; `a`, `b` are the original operands (for the layout rule)."""
    if cdt is D.float64:
        return _fma64(xp, *np.broadcast_arrays(a_op, b_op), float(-alpha if sub else alpha))
    if cdt is D.float32:
        al = np.float32(-alpha if sub else alpha)
        return _fused32(xp, a_op, b_op, al)
    al = np.float32(np.float16(alpha))  # c10::Half alpha, then float
    if sub:
        al = -al
    shape = tuple(np.broadcast_shapes(a_op.shape, b_op.shape))
    p = (b_op * al).astype(np.float16).astype(np.float32)
    scalar = xp.broadcast_to(a_op + p, shape)  # rounded to half by the caller
    run = _inner_run(shape, [t for t in (a, b) if isinstance(t, Tensor)])
    k = run - run % HALF_VEC
    if k == 0:
        return scalar
    fused = xp.broadcast_to(_fused32(xp, a_op, b_op, al), shape).reshape(-1, run)
    out = xp.array(scalar).reshape(-1, run)
    out[:, :k] = fused[:, :k]
    return out.reshape(shape)


def _inner_run(shape: tuple, tensors: list) -> int:
    """The length of torch's vectorized inner loop for a row-major result of `shape`: the innermost dims
    (size-1 dims skipped) coalesced while every operand stays contiguous there or has stride 0 throughout
    (a broadcast scalar); 0 when an operand is neither on the innermost dim (the scalar loop for all).
    TensorIterator's reordering of dims by stride is not modelled (a transposed result is row-major here)."""
    strides = []
    for t in tensors:
        lead = len(shape) - len(t._shape)
        st = [0] * lead + [0 if n == 1 else s for n, s in zip(t._shape, t._stride)]
        strides.append(st)
    dims = [d for d in range(len(shape)) if shape[d] != 1]
    if not dims:
        return 1
    run = 1
    expect = [None] * len(strides)  # each operand's stride for the next dim out: run * unit, or 0
    for d in reversed(dims):
        ok = True
        for i, st in enumerate(strides):
            if expect[i] is None:  # the innermost dim: contiguous or a broadcast scalar
                if st[d] not in (0, 1):
                    return 0
            elif st[d] != expect[i]:
                ok = False
        if not ok:
            break
        run *= shape[d]
        expect = [0 if st[d] == 0 else run for st in strides]
    return run
