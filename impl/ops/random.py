"""Random sampling with torch's CPU streams: after `manual_seed(n)` the same numbers, bit for bit.

Every CPU op here replays what torch 2.13's CPU kernels do with the MT19937 engine of
impl/_mt19937.py (sources: aten/src/ATen/core/{DistributionsHelper,TransformationHelper}.h,
native/cpu/DistributionTemplates.h, native/cpu/avx_mathfun.h, native/TensorFactories.cpp,
native/DistributionTemplates.h), each point checked against real torch:

* uniform: float32/float16 take `(random() & 0xFFFFFF) * 2**-24` and float64 `(random64() & (2**53-1))
  * 2**-53`, scaled as `fma(x, to - from, from)` in float (double for float64) -- the fused multiply-add
  is what GCC's contraction makes of `x * (to - from) + from` -- then a value that rounds onto `to` in
  the tensor's dtype becomes `from`.  rand/rand_like/uniform_.
* normal on a contiguous tensor of >= 16 elements ("normal_fill"): uniforms for the whole buffer first,
  then Box-Muller on blocks of 16, pairing element j with j + 8; a size that is not a multiple of 16
  redraws 16 fresh uniforms for the last 16 elements (float16 draws block by block, so it skips the
  remainder draws).  float32/float16 run the AVX2 kernel: Pommier's `log256_ps`/`sincos256_ps`
  polynomials in float32 with the multiply-adds GCC fuses into FMAs, emulated exactly here.  float64
  runs glibc's `log` (via `math.log`), `cos`, `sin` and `fma(r * cos, std, mean)`.
* normal otherwise (fewer than 16 elements, or a non-contiguous tensor): one sample at a time from
  `normal_distribution<double>`: u1, u2 from random64, `r = sqrt(-2 log1p(-u2))`, `theta = 2 pi u1`,
  returns `r cos(theta)` and caches `r sin(theta)` in the generator for the next scalar draw (the cache
  is part of get_rng_state).  Then `fma(x, std, mean)` in double and a cast to the dtype.
* randint/random_: `(v % range) + from` with v = random64() when range >= 2**28, else random().
* randperm: Fisher-Yates swapping i with i + random() % (n - i) (random64-based inside-out variant for
  n >= 2**32 / 20).
* bernoulli: uniform in p's precision (float32, or float64 for a double p / a Python float p) `< p`.
* Element order: in-place fills on non-contiguous tensors go in TensorIterator order (dimensions by
  decreasing stride), which is what `x.t().uniform_()` consumes.

CUDA tensors: torch uses Philox with a GPU-dependent thread layout that cannot be replayed; the
documented stand-in draws from a per-device host generator (NumPy PCG64, seeded by manual_seed) with
the right distributions and moves the result to the device (`_standin_*` below; their distributions
are tested on CPU arrays).
"""
from __future__ import annotations

import math
import warnings
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

from .. import _geometry as geo, _mt19937 as G, dtypes as D
from .._types import as_device
from ..autograd import grad_mode
from ..tensor import Tensor
from . import _machinery as M
from . import _args as A
from .creation import _finish, _size, _xp

f16, f32, f64 = np.float16, np.float32, np.float64
u64, i64 = np.uint64, np.int64

# ==== exact floating-point helpers ====================================================================

_MID32 = u64(0x10000000)  # a float64 whose low 29 mantissa bits are 1000...0 is a float32 midpoint
_LOW32 = u64(0x1FFFFFFF)


def _round_odd(x: Fraction) -> float:
    """x rounded to double with round-to-odd (so a later rounding to <= 51 bits is correct)."""
    d = float(x)
    if Fraction(d) != x and not (np.float64(d).view(i64) & 1):
        d = math.nextafter(d, math.inf if x > d else -math.inf)
    return d


def _fma32(a: Any, b: Any, c: Any, tiny: bool = False) -> np.ndarray:
    """float32 a * b + c rounded once, like the FMA instruction.

    The product of two floats is exact in double; the double sum then rounds once more, which can only
    differ from a single rounding when that sum lies exactly on a float32 rounding midpoint (or, with
    `tiny`, in float32's subnormal range): those rare elements are redone exactly.
    """
    s = np.multiply(a, b, dtype=f64)
    s += c
    r = s.astype(f32)
    bits = s.view(u64)
    bad = (bits & _LOW32) == _MID32
    if tiny:
        bad |= (bits >> u64(52) & u64(0x7FF)) < u64(1023 - 126)
    if bad.any():
        idx = np.nonzero(bad)
        aa, bb, cc = (np.broadcast_to(np.asarray(v, f32), s.shape)[idx] for v in (a, b, c))
        r[idx] = [f32(_round_odd(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))))
                  for x, y, z in zip(aa, bb, cc)]
    return r


def _two_sum(a: np.ndarray, b: Any) -> tuple:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: Any) -> tuple:
    c = a * 134217729.0  # 2**27 + 1 (Veltkamp)
    hi = c - (c - a)
    return hi, a - hi


def _fma64(a: Any, b: Any, c: Any) -> np.ndarray:
    """float64 a * b + c rounded once (Boldo & Melquiond's emulation with a round-to-odd sum)."""
    a = np.asarray(a, f64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(np.asarray(b, f64))
    pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + pe == a * b exactly
    th, tl = _two_sum(np.broadcast_to(np.asarray(c, f64), p.shape), p)
    v, ve = _two_sum(tl, pe)
    bits = v.view(i64)
    fix = (ve != 0) & ((bits & 1) == 0)  # round v to odd
    if fix.any():
        bits = np.where(fix, bits + np.where((ve > 0) == (v > 0), 1, -1), bits)
        v = bits.view(f64)
    return th + v


# ==== torch's AVX2 float32 Box-Muller (avx_mathfun.h, FMAs where GCC contracts them) ================

_LOG_P = [f32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                           1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                           3.3333331174E-1)]
_LOG_Q1, _LOG_Q2, _SQRTHF = f32(-2.12194440e-4), f32(0.693359375), f32(0.707106781186547524)
_DP1, _DP2, _DP3 = f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8)
_COS_P = (f32(2.443315711809948E-005), f32(-1.388731625493765E-003), f32(4.166664568298827E-002))
_SIN_P = (f32(-1.9515295891E-4), f32(8.3321608736E-3), f32(-1.6666654611E-1))
_FOPI, _TWO_PI32 = f32(1.27323954473516), f32(2.0 * math.pi)
_ONE, _HALF = f32(1.0), f32(0.5)


def _log256(x: np.ndarray) -> np.ndarray:
    """log256_ps for x in (0, 1] (1 - a uniform), float32."""
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(f32) + _ONE
    m = ((bits & ~0x7F800000) | 0x3F000000).view(f32)  # mantissa in [0.5, 1)
    low = m < _SQRTHF
    x = (m - _ONE) + np.where(low, m, f32(0))  # exact
    e = e - low.astype(f32)
    z = x * x
    y = _fma32(x, _LOG_P[0], _LOG_P[1])
    for p in _LOG_P[2:]:
        y = _fma32(y, x, p)
    y = y * x
    y = _fma32(y, z, e * _LOG_Q1)
    y = y - z * _HALF
    return (x + y) + e * _LOG_Q2  # e * q2 is exact, so the fused add rounds the same


def _sincos256(theta: np.ndarray) -> tuple:
    """sincos256_ps for theta in [0, 2 pi), float32: (sin, cos)."""
    j = (theta * _FOPI).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(f32)
    x = (theta + y * _DP1) + y * _DP2  # both products are exact
    x = _fma32(y, _DP3, x)
    z = x * x
    yc = _fma32(z, _COS_P[0], _COS_P[1])
    yc = _fma32(yc, z, _COS_P[2])
    yc = yc * z
    yc = _fma32(yc, z, -(z * _HALF))
    yc = yc + _ONE
    ys = _fma32(z, _SIN_P[0], _SIN_P[1])
    ys = _fma32(ys, z, _SIN_P[2])
    ys = ys * z
    ys = _fma32(ys, x, x)
    poly = (j & 2) == 0
    sin = np.where(poly, ys, yc)
    cos = np.where(poly, yc, ys)
    np.negative(sin, out=sin, where=(j & 4) != 0)
    np.negative(cos, out=cos, where=((j - 2) & 4) == 0)
    return sin, cos


_CHUNK = 1 << 14  # Box-Muller pairs per pass (keeps the temporaries in cache; fastest measured)


def _box_muller16_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """normal_fill_16_AVX2 over whole blocks: u is (nblocks*16,) float32 uniforms; returns normals."""
    blocks = u.reshape(-1, 2, 8)
    out = np.empty_like(blocks)
    mean32, std32 = f32(mean), f32(std)
    plain = mean32 == 0 and std32 == 1  # fma(n, 1, +-0) is n + mean: it only turns -0.0 into +0.0
    per = max(1, _CHUNK // 8)
    with np.errstate(all="ignore"):
        for s in range(0, blocks.shape[0], per):
            b = blocks[s:s + per]
            radius = np.sqrt(f32(-2.0) * _log256(_ONE - b[:, 0]))
            sin, cos = _sincos256(_TWO_PI32 * b[:, 1])
            n1, n2 = radius * cos, radius * sin
            if plain:
                n1 += mean32
                n2 += mean32
            else:
                n1, n2 = _fma32(n1, std32, mean32), _fma32(n2, std32, mean32)
            out[s:s + per, 0], out[s:s + per, 1] = n1, n2
    return out.reshape(-1)


def _box_muller16_f64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """NormalFill16<double>: glibc log/cos/sin and fma(r * cos, std, mean)."""
    blocks = u.reshape(-1, 2, 8)
    u1 = (1.0 - blocks[:, 0]).ravel()
    log = np.fromiter(map(math.log, u1.tolist()), dtype=f64, count=u1.size).reshape(-1, 8)
    radius = np.sqrt(-2.0 * log)
    theta = (2.0 * math.pi) * blocks[:, 1]
    n1, n2 = radius * np.cos(theta), radius * np.sin(theta)
    if mean == 0 and std == 1:
        n1 += mean
        n2 += mean
    else:
        n1, n2 = _fma64(n1, std, mean), _fma64(n2, std, mean)
    return np.stack([n1, n2], axis=1).reshape(-1)


# ==== kernels: numbers in torch's draw order (numpy, host) ==========================================

def _uniform_bits32(gen: G.Generator, n: int) -> np.ndarray:
    x = (gen.u32(n) & np.uint32(0xFFFFFF)).astype(f32)
    x *= f32(2.0 ** -24)
    return x


def _uniform_bits64(gen: G.Generator, n: int) -> np.ndarray:
    x = (gen.u64(n) & u64((1 << 53) - 1)).astype(f64)
    x *= 2.0 ** -53
    return x


def _uniform(gen: G.Generator, n: int, dt: D.dtype, a: float, b: float) -> np.ndarray:
    """uniform_kernel: opmath uniform_real_distribution, cast, and `== to` mapped to `from`."""
    if dt is D.float64:
        x = _uniform_bits64(gen, n)
        if not (a == 0 and b == 1):
            x = _fma64(x, b - a, a)
        to_s, from_s = b, a
    else:
        x = _uniform_bits32(gen, n)
        fa, fb = f32(a), f32(b)
        if not (fa == 0 and fb == 1):
            x = _fma32(x, fb - fa, fa, tiny=True)
        if dt is D.float16:
            x = x.astype(f16)
            to_s, from_s = f16(f32(b)), f16(f32(a))
        else:
            to_s, from_s = fb, fa
    if dt is not D.float32 or not (a == 0 and b == 1):
        x[x == to_s] = from_s
    return x


def _scalar_normals(gen: G.Generator, n: int) -> np.ndarray:
    """n draws of normal_distribution<double>(0, 1), using and refilling the generator's cache."""
    out = np.empty(n, dtype=f64)
    k = 0
    if n and gen.next_double_normal is not None:
        out[0] = gen.next_double_normal
        gen.next_double_normal = None
        k = 1
    m = n - k
    if m > 0:
        pairs = (m + 1) // 2
        u = _uniform_bits64(gen, 2 * pairs)
        u1, u2 = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * np.fromiter(map(math.log1p, (-u2).tolist()), dtype=f64, count=pairs))
        theta = (2.0 * math.pi) * u1
        both = np.empty(2 * pairs, dtype=f64)
        both[0::2] = r * np.cos(theta)
        both[1::2] = r * np.sin(theta)
        out[k:] = both[:m]
        if m % 2:
            gen.next_double_normal = float(both[-1])
    return out


def _to_dtype_from_double(x: np.ndarray, dt: D.dtype) -> np.ndarray:
    if dt is D.float16:  # c10::Half is built from a float
        return x.astype(f32).astype(f16)
    return x.astype(dt.np)


def _normal(gen: G.Generator, n: int, dt: D.dtype, mean: float, std: float, fill_path: bool) -> np.ndarray:
    """normal_kernel: n values in iteration order (fill_path: contiguous and n >= 16)."""
    if not fill_path:
        x = _scalar_normals(gen, n)
        x = x + mean if mean == 0 and std == 1 else _fma64(x, std, mean)
        return _to_dtype_from_double(x, dt)
    nb = n // 16 * 16
    if dt is D.float64:
        out = _uniform_bits64(gen, n)
        out[:nb] = _box_muller16_f64(out[:nb], mean, std)
        if n % 16:
            out[n - 16:] = _box_muller16_f64(_uniform_bits64(gen, 16), mean, std)
        return out
    if dt is D.float32:
        out = _uniform_bits32(gen, n)
        out[:nb] = _box_muller16_f32(out[:nb], mean, std)
        if n % 16:
            out[n - 16:] = _box_muller16_f32(_uniform_bits32(gen, 16), mean, std)
        return out
    # float16: float buffers of 16, drawn block by block (no draws for the remainder), then cast
    out = np.empty(n, dtype=f16)
    out[:nb] = _box_muller16_f32(_uniform_bits32(gen, nb), mean, std).astype(f16)
    if n % 16:
        out[n - 16:] = _box_muller16_f32(_uniform_bits32(gen, 16), mean, std).astype(f16)
    return out


def _random_from_to(gen: G.Generator, n: int, dt: D.dtype, rng: int, base: int) -> np.ndarray:
    """uniform_int_from_to_distribution: (v % range) + base, v 64-bit when range >= 2**28."""
    v = gen.u64(n) if rng >= 1 << 28 else gen.u32(n).astype(u64)
    v %= u64(rng)
    r = v.view(i64) + i64(base)  # int64 wrap-around like the C++ cast
    return _cast_int64(r, dt)


def _cast_int64(r: np.ndarray, dt: D.dtype) -> np.ndarray:
    if dt is D.bool_:
        return r != 0
    if dt is D.float16:
        return r.astype(f32).astype(f16)  # int64 -> Half goes through float
    return r.astype(dt.np)


_DIGITS = {"float16": 11, "float32": 24, "float64": 53}


def _random_default(gen: G.Generator, n: int, dt: D.dtype) -> np.ndarray:
    """random_() without bounds (uniform_int_distribution)."""
    if dt in (D.float64, D.int64):
        v = gen.u64(n)
    else:
        v = gen.u32(n).astype(u64)
    if dt is D.bool_:
        return (v & u64(1)) != 0
    if dt.is_floating_point:
        v %= u64((1 << _DIGITS[dt.name]) + 1)
        return _cast_int64(v.view(i64), dt)
    v %= u64(int(np.iinfo(dt.np).max) + 1)
    return v.astype(dt.np)


def _random_full64(gen: G.Generator, n: int, dt: D.dtype) -> np.ndarray:
    return _cast_int64(gen.u64(n).view(i64), dt)


def _randperm(gen: G.Generator, n: int) -> np.ndarray:
    """randperm_cpu: Fisher-Yates on 0..n-1 (values as int64)."""
    if n < (2 ** 32 - 1) // 20:
        z = gen.u32(n - 1).astype(i64) if n > 1 else np.empty(0, i64)
        z %= np.arange(n, 1, -1, dtype=i64)
        z += np.arange(n - 1, dtype=i64)
        a = list(range(n))
        for i, j in enumerate(z.tolist()):
            a[i], a[j] = a[j], a[i]
        return np.array(a, dtype=i64)
    # inside-out variant for huge n
    r = gen.u64(n)
    a = np.empty(n, dtype=i64)
    for i, v in enumerate(r.tolist()):
        z = v % (i + 1)
        a[i] = a[z]
        a[z] = i
    return a


def _bernoulli_scalar(gen: G.Generator, n: int, p: float) -> np.ndarray:
    return _uniform_bits64(gen, n) < p


def _bernoulli_tensor(gen: G.Generator, p: np.ndarray) -> np.ndarray:
    """p already in iteration order: double p compares with double uniforms, others with float ones."""
    if p.dtype == f64:
        return _uniform_bits64(gen, p.size) < p
    return _uniform_bits32(gen, p.size) < p.astype(f32)


# ==== CUDA stand-in: the right distributions from a host PCG64 stream (not torch's Philox numbers) ====

def _standin_uniform(rng: np.random.Generator, n: int, dt: D.dtype, a: float, b: float) -> np.ndarray:
    cd = f64 if dt is D.float64 else f32
    x = (rng.random(n, dtype=cd) * cd(b - a) + cd(a)).astype(dt.np)
    if b > a:
        x[x >= dt.np.type(b)] = dt.np.type(a)
    return x


def _standin_normal(rng: np.random.Generator, n: int, dt: D.dtype, mean: float, std: float) -> np.ndarray:
    cd = f64 if dt is D.float64 else f32
    return (rng.standard_normal(n, dtype=cd) * cd(std) + cd(mean)).astype(dt.np)


def _standin_from_to(rng: np.random.Generator, n: int, dt: D.dtype, rng_size: int, base: int) -> np.ndarray:
    v = rng.integers(0, rng_size, n, dtype=u64, endpoint=False) if rng_size < 1 << 64 else \
        rng.integers(0, 1 << 64, n, dtype=u64, endpoint=False)
    return _cast_int64(v.view(i64) + i64(base), dt)


def _standin_randperm(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.permutation(n).astype(i64)


def _standin_bernoulli(rng: np.random.Generator, p: Any, n: int) -> np.ndarray:
    return rng.random(n) < np.asarray(p, dtype=f64)


# ==== plumbing ======================================================================================

def _generator(device: Any, generator: Any) -> G.Generator:
    dev = as_device(device)
    if generator is None:
        return G.default_for(dev)
    if not isinstance(generator, G.Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    if generator.device.type != dev.type:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator


def _iter_perm(shape: tuple, stride: tuple) -> list:
    """TensorIterator's element order for one output, as a transpose: outermost dimension first."""
    return geo.stride_order(shape, stride)[::-1]


def _is_contig(t: Tensor) -> bool:
    return geo.is_contiguous(t._shape, t._stride)


def _store(t: Tensor, vals: np.ndarray) -> None:
    """Write n values, given in TensorIterator order, into t's memory."""
    arr = t._array
    xp = t._xp
    vals = vals if xp is np else xp.asarray(vals)
    if vals.dtype != arr.dtype:
        vals = vals.astype(arr.dtype)
    if _is_contig(t):
        arr[...] = vals.reshape(t._shape)
    else:
        view = arr.transpose(_iter_perm(t._shape, t._stride))
        view[...] = vals.reshape(view.shape)
    t._bump()


def _zero_grad(g: Sequence[Any], *saved: Any) -> tuple:
    from .creation import zeros_like

    return (zeros_like(g[0]),)


def _fill_(self: Tensor, node: str, draw: Callable, standin: Callable, generator: Any,
           others: Sequence[Any] = ()) -> Tensor:
    """Checks, then draw(gen, n) on the CPU stream (or standin(host_rng, n) on CUDA), then store."""
    M.check_inplace_target(self, self._dtype, self._shape, ())
    gen = _generator(self.device, generator)
    n = self.numel()
    if n:
        vals = draw(gen, n) if gen.device.type == "cpu" else standin(gen.host, n)
        _store(self, vals)
    else:
        self._bump()  # torch bumps the version even when there is nothing to draw
    M.rebase_history(self, node, others, lambda g, *s: (_zero_grad(g)[0],) + (None,) * len(others))
    return self


_TYPE_META = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
              "int32": "int", "int64": "long int", "float16": "c10::Half", "float32": "float",
              "float64": "double"}
_SCALAR_NAME = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double"}


def _not_implemented(kernel: str, dt: D.dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAME[dt.name]}\'')


def _g(x: float) -> str:
    """A double as C++'s ostream prints it."""
    return f"{x:g}"


def _float_limits(dt: D.dtype) -> tuple:
    fi = np.finfo(dt.np)
    return float(fi.min), float(fi.max)


def _check_float_dtype(dt: D.dtype, kernel: str) -> None:
    if not dt.is_floating_point:
        raise _not_implemented(kernel, dt)


# ==== in-place methods ==============================================================================

@M.export("uniform_", function=False)
def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None, **kw: Any) -> Tensor:
    a, b = kw.pop("from", a), kw.pop("to", b)
    a, b = float(A.check_number(a, "uniform_", "from")), float(A.check_number(b, "uniform_", "to"))
    dt = self._dtype
    _check_float_dtype(dt, "check_uniform_bounds")
    lo, hi = _float_limits(dt)
    tm = _TYPE_META[dt.name]
    if not lo <= a <= hi:
        raise RuntimeError(f"from is out of bounds for {tm}")
    if not lo <= b <= hi:
        raise RuntimeError(f"to is out of bounds for {tm}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_g(a)} > to={_g(b)}")
    if b - a > hi:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{_SCALAR_NAME[dt.name]}>::max(), "
                           f"but found to={_g(b)} and from={_g(a)} which result in to-from to exceed the limit")
    return _fill_(self, "UniformBackward0", lambda g, n: _uniform(g, n, dt, a, b),
                  lambda r, n: _standin_uniform(r, n, dt, a, b), generator)


@M.export("normal_", function=False)
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    mean, std = float(mean), float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    dt = self._dtype
    if self.numel() == 0:
        M.check_inplace_target(self, dt, self._shape, ())
        return self
    _check_float_dtype(dt, "normal_kernel_cpu")
    fill = self.numel() >= 16 and _is_contig(self)
    return _fill_(self, "NormalBackward0", lambda g, n: _normal(g, n, dt, mean, std, fill),
                  lambda r, n: _standin_normal(r, n, dt, mean, std), generator)


def _update_from(dt: D.dtype, frm: int) -> int:
    digits = _DIGITS[dt.name]
    fp1 = int(_cast_int64(np.array([frm + 1], i64), dt)[0])
    if fp1 < frm:
        n = abs(frm + 1).bit_length() - 1
        frm = fp1 + (1 << (n - digits + 1))
    return frm


def _update_to(dt: D.dtype, to: int) -> int:
    digits = _DIGITS[dt.name]
    tm1 = int(_cast_int64(np.array([to - 1], i64), dt)[0])
    if tm1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = tm1 - (1 << (n - digits + 1))
    return to


def _check_from_to(dt: D.dtype, frm: int, to_inc: int) -> None:
    tm = _TYPE_META[dt.name]
    if dt.is_floating_point:
        lo, hi = _float_limits(dt)
        for v, name in ((frm, "from"), (to_inc, "to - 1")):
            if not lo <= v <= hi:
                raise RuntimeError(f"{name} is out of bounds for {tm}")
        digits = _DIGITS[dt.name]
        for v, name in ((frm, "from"), (to_inc, "to - 1")):
            if v < -(1 << digits) or v > (1 << digits):
                import warnings

                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                              f"{tm} can support discrete uniform distribution only within this range. This warning "
                              "will become an error in version 1.7 release, please fix the code in advance",
                              UserWarning, stacklevel=4)
    else:
        lo, hi = (0, 1) if dt is D.bool_ else (int(np.iinfo(dt.np).min), int(np.iinfo(dt.np).max))
        for v, name in ((frm, "from"), (to_inc, "to - 1")):
            if not lo <= v <= hi:
                raise RuntimeError(f"{name} is out of bounds for {tm}")


def _from_to_plan(dt: D.dtype, frm: int, to: Any) -> tuple:
    """random_(from, to)'s checks; (range, base) or None for the full 64-bit range."""
    if to is not None:
        if not frm < to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={frm} >= to={to}")
        if dt.is_floating_point:
            frm, to = _update_from(dt, frm), _update_to(dt, to)
            if not frm < to:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but "
                                   f"got from={frm} >= to={to}")
        _check_from_to(dt, frm, to - 1)
        return ((to - frm) % (1 << 64), frm)
    if frm != -(1 << 63):
        if dt.is_floating_point:
            to_inc = min(1 << _DIGITS[dt.name], (1 << 63) - 1)
            frm = _update_from(dt, frm)
            if not frm < to_inc:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                                   f"casted to dtype, but got from={frm} > to_inc={to_inc}")
        else:
            to_inc = 1 if dt is D.bool_ else int(np.iinfo(dt.np).max)
        _check_from_to(dt, frm, to_inc)
        return ((to_inc - frm + 1) % (1 << 64), frm)
    return None


def _int_arg(x: Any, fn: str, name: str) -> int:
    if isinstance(x, Tensor):
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{fn}(): argument '{name}' must be int, not {type(x).__name__}")
    return int(x)


@M.export("random_", function=False)
def random_(self: Tensor, *args: Any, generator: Any = None, **kw: Any) -> Tensor:
    frm = kw.pop("from", None)
    to = kw.pop("to", None)
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    if len(args) == 1 and frm is None and to is None:
        frm, to = 0, args[0]
    elif len(args) == 2:
        frm, to = args
    elif len(args) == 1:
        frm = args[0]
    elif len(args) > 2:
        raise TypeError("random_() takes at most 2 positional arguments")
    dt = self._dtype
    if frm is None and to is None:
        node = "RandomBackward0"
        draw = lambda g, n: _random_default(g, n, dt)  # noqa: E731
        standin = lambda r, n: _standin_from_to(r, n, dt, *_default_range(dt))  # noqa: E731
    else:
        frm = 0 if frm is None else _int_arg(frm, "random_", "from")
        to = None if to is None else _int_arg(to, "random_", "to")
        node = "RandomBackward2" if to is not None else "RandomBackward1"
        plan = _from_to_plan(dt, frm, to)
        if plan is None:
            draw = lambda g, n: _random_full64(g, n, dt)  # noqa: E731
            standin = lambda r, n: _standin_from_to(r, n, dt, 1 << 64, -(1 << 63))  # noqa: E731
        else:
            rng, base = plan
            draw = lambda g, n: _random_from_to(g, n, dt, rng, base)  # noqa: E731
            standin = lambda r, n: _standin_from_to(r, n, dt, rng, base)  # noqa: E731
    return _fill_(self, node, draw, standin, generator)


def _default_range(dt: D.dtype) -> tuple:
    if dt is D.bool_:
        return 2, 0
    if dt.is_floating_point:
        return (1 << _DIGITS[dt.name]) + 1, 0
    return int(np.iinfo(dt.np).max) + 1, 0


@M.export("bernoulli_", function=False)
def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    dt = self._dtype
    if isinstance(p, Tensor):
        if not p._dtype.is_floating_point:
            raise _not_implemented("bernoulli_tensor_cpu_p_", p._dtype)
        pb = np.broadcast_to(p.detach().numpy() if p.device.type == "cpu" else p.cpu().numpy(), self._shape)
        if ((pb < 0) | (pb > 1)).any():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        order = pb if _is_contig(self) else pb.transpose(_iter_perm(self._shape, self._stride))
        pflat = np.ascontiguousarray(order).reshape(-1)
        if pflat.dtype == f16:
            pflat = pflat.astype(f32)
        return _fill_(self, "BernoulliBackward1", lambda g, n: _bernoulli_tensor(g, pflat).astype(dt.np),
                      lambda r, n: _standin_bernoulli(r, pflat, n).astype(dt.np), generator, (p,))
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_g(p)}")
    return _fill_(self, "BernoulliBackward0", lambda g, n: _bernoulli_scalar(g, n, p).astype(dt.np),
                  lambda r, n: _standin_bernoulli(r, p, n).astype(dt.np), generator)


@M.export("bernoulli")
def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None, out: Any = None) -> Tensor:
    if p is None and not input._dtype.is_floating_point:
        raise _not_implemented("bernoulli_tensor_cpu_p_", input._dtype)
    res = _empty_like(input, None, None)
    with grad_mode.no_grad():
        bernoulli_(res, input if p is None else p, generator=generator)
    if p is None:
        M.record(res, "BernoulliBackward0", [input], lambda g, *s: _zero_grad(g))
    if out is not None:
        return M.write_out(out, res._array, res._dtype, "bernoulli", [input])
    return res


# ==== factories =====================================================================================

def _factory(size: tuple, dtype: Any, device: Any, out: Any, requires_grad: bool) -> Tensor:
    """An uninitialised tensor to fill: out= resized, or a new one of `dtype` (default float)."""
    if out is not None:
        if not isinstance(out, Tensor):
            raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
        if dtype is not None and D.to_dtype(dtype) is not out._dtype:
            raise RuntimeError(f"dtype {_SCALAR_NAME[D.to_dtype(dtype).name]} does not match dtype of out parameter "
                               f"({_SCALAR_NAME[out._dtype.name]})")
        if tuple(out._shape) != tuple(size):
            from .copying import resize_out

            resize_out(out, size)
        return out
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xp, dev = _xp(device)
    return _finish(xp.empty(size, dtype=dt.np), dt, dev, False)


def _done(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


def _sizes(size: Sequence[Any], kw: dict, opname: str) -> tuple:
    kw_size = kw.pop("size", None)
    if kw:
        raise TypeError(f"{opname}() got an unexpected keyword argument '{next(iter(kw))}'")
    if kw_size is not None:
        if size:
            raise TypeError(f"{opname}() got multiple values for argument 'size'")
        size = (kw_size,)
    elif not size:
        raise TypeError(f"{opname}() received an invalid combination of arguments - got (), but expected one of:\n"
                        f" * (tuple of ints size, *, torch.Generator generator, ...)")
    return _size(size, opname)


def _checked_sizes(opname: str, size: tuple, kw: dict, **given: Any) -> tuple:
    """rand/randn's size (see _sizes), a bad one raising torch's message for the call (see _size_error)."""
    try:
        return _sizes(size, kw, opname)
    except TypeError as e:
        raise _size_error(e, opname, size, **given) from None


def _size_error(e: TypeError, opname: str, size: tuple, **kw: Any) -> TypeError:
    """rand/randn's size error.  Their two overloads (with and without generator=) both take a call with a
    keyword, or with more than one positional argument: then a size that is no int (at pos 0) is the
    parser's "invalid combination" message, listing the call; the keywords are those not at their
    defaults (an explicit generator=None or requires_grad=False is not seen)."""
    defaults = {"requires_grad": False, "pin_memory": False}
    given = {k: v for k, v in kw.items() if v is not defaults.get(k)}
    msg = str(e)
    if msg.startswith(f"{opname}() received an invalid combination") or (given and "(position 1)" in msg):
        return A.invalid_combination(opname, size, given)
    return e


@M.export(method=False)
def rand(*size: Any, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False, pin_memory: bool = False, **kw: Any) -> Tensor:
    shape = _checked_sizes("rand", size, kw, generator=generator, out=out, dtype=dtype, layout=layout,
                           device=device, requires_grad=requires_grad, pin_memory=pin_memory)
    t = _factory(shape, dtype, device, out, requires_grad)
    return _done(uniform_(t, 0.0, 1.0, generator=generator), requires_grad)


@M.export(method=False)
def randn(*size: Any, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, pin_memory: bool = False, **kw: Any) -> Tensor:
    shape = _checked_sizes("randn", size, kw, generator=generator, out=out, dtype=dtype, layout=layout,
                           device=device, requires_grad=requires_grad, pin_memory=pin_memory)
    t = _factory(shape, dtype, device, out, requires_grad)
    return _done(normal_(t, 0.0, 1.0, generator=generator), requires_grad)


@M.export(method=False)
def randint(*args: Any, size: Any = None, low: Any = None, high: Any = None, generator: Any = None,
            out: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif len(args) > 2:
        raise TypeError("randint() takes at most 3 positional arguments")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    low = 0 if low is None else _int_arg(low, "randint", "low")
    high = _int_arg(high, "randint", "high")
    # int64 unless dtype= says otherwise; with out= and no dtype=, out's dtype (any) is used
    dtype = dtype if dtype is not None or out is not None else D.int64
    t = _factory(_size((size,), "randint"), dtype, device, out, requires_grad)
    return _done(random_(t, low, high, generator=generator), requires_grad)


@M.export(method=False)
def randperm(n: int, *, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    n = _int_arg(n, "randperm", "n")
    dtype = dtype if dtype is not None or out is not None else D.int64  # with out=: out's dtype, like torch
    t = _factory(_size((n,), "randperm"), dtype, device, out, requires_grad)
    dt = t._dtype
    if dt is D.bool_:
        raise _not_implemented("randperm", dt)
    top = n - 1 if n > 0 else n
    if dt.is_floating_point:
        lim = (1 << _DIGITS[dt.name]) + 1
        if top > lim - 1:
            raise RuntimeError(f"n cannot be greater than {lim} for {_SCALAR_NAME[dt.name]} type.")
    elif top > int(np.iinfo(dt.np).max):
        raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow")
    gen = _generator(t.device, generator)
    if n:
        vals = _randperm(gen, n) if gen.device.type == "cpu" else _standin_randperm(gen.host, n)
        _store(t, _cast_int64(vals, dt))
    return _done(t, requires_grad)


@M.export(method=False)
def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Any = None, out: Any = None,
           dtype: Any = None, layout: Any = None, device: Any = None, pin_memory: bool = False,
           requires_grad: bool = False) -> Tensor:
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt:
        A.check_number(mean, "normal", "mean")
    if not st:
        A.check_number(std, "normal", "std")
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got ({type(mean).__name__}, "
                            f"{type(std).__name__}), but expected one of:\n"
                            " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                            " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
                            " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                            " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
                            "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
                            "Union[torch.device, str, int] device = None, bool pin_memory = False, "
                            "bool requires_grad = False)\n")
        t = _factory(_size((size,), "normal"), dtype, device, out, requires_grad)
        return _done(normal_(t, float(mean), float(std), generator=generator), requires_grad)
    if st:
        _check_std_tensor(std)
    if mt and not st:
        std = float(std)
        if not std >= 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
        # torch's normal(Tensor mean, float std, out=) sizes out as broadcast(mean, out): out's own shape counts
        shape = geo.broadcast_shapes(mean._shape, out._shape) if isinstance(out, Tensor) else mean._shape
    else:
        shape = std._shape if not mt else geo.broadcast_shapes(mean._shape, std._shape)
    if isinstance(out, Tensor) and not out._dtype.is_floating_point and geo.prod(shape):
        # torch resizes out, then draws into it: the normal kernel rejects its dtype (an empty out is never
        # drawn into: adding mean then fails the cast check, in write_out)
        if out._shape != shape:
            if out.numel():
                warnings.warn(f"An output with one or more elements was resized since it had shape "
                              f"{list(out._shape)}, which does not match the required output shape {list(shape)}. "
                              "This behavior is deprecated, and in a future PyTorch release outputs will not be "
                              "resized unless they have zero elements. You can explicitly reuse an out tensor t by "
                              "resizing it, inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=2)
            from .copying import resize_out

            resize_out(out, shape)
        raise _not_implemented("normal_kernel_cpu", out._dtype)
    if mt and not st:
        res = _contig_like(mean) if shape == mean._shape else _factory(shape, mean._dtype, mean.device, None, False)
        with grad_mode.no_grad():
            normal_(res, 0.0, std, generator=generator)
            arr = res._array + mean.detach()._array
        res = Tensor._wrap(arr, mean._dtype, mean.device)
        M.record(res, "NormalBackward1", [mean], lambda g, *s: _zero_grad(g))
    elif st and not mt:
        mean = float(mean)
        res = _contig_like(std)
        with grad_mode.no_grad():
            normal_(res, 0.0, 1.0, generator=generator)
            mean_t = res._xp.asarray(_to_dtype_from_double(np.asarray(mean, dtype=f64), res._dtype))
            arr = _inplace_binop(res._array, std.detach()._array, np.multiply) + mean_t
        res = Tensor._wrap(arr.astype(res._dtype.np), res._dtype, std.device)
        M.record(res, "NormalBackward2", [std], lambda g, *s: _zero_grad(g))
    else:
        shape = geo.broadcast_shapes(mean._shape, std._shape)
        res = _factory(shape, mean._dtype, mean.device, None, False)
        with grad_mode.no_grad():
            normal_(res, 0.0, 1.0, generator=generator)
            odt = res._dtype.np
            arr = _inplace_binop(res._array, std.detach()._array, np.multiply)
            arr = _inplace_binop(arr, mean.detach()._array, np.add)
        res = Tensor._wrap(arr.astype(odt), res._dtype, mean.device)
        M.record(res, "NormalBackward3", [mean, std], lambda g, *s: (_zero_grad(g)[0], _zero_grad(g)[0]))
    if out is not None:
        return M.write_out(out, res._array, res._dtype, "normal", [mean, std])
    return res


def _check_std_tensor(std: Tensor) -> None:
    if std.numel():
        a = std.detach()._array
        if not bool(a.min() >= 0):  # (NaN fails too, like torch's std.min().ge(0))
            raise RuntimeError("normal expects all elements of std >= 0.0")


def _inplace_binop(a: Any, b: Any, fn: Callable) -> Any:
    """a.op_(b) for torch's in-place semantics: compute in the promoted dtype, store in a's dtype."""
    ct = np.promote_types(a.dtype, b.dtype)
    return fn(a.astype(ct, copy=False), b.astype(ct, copy=False)).astype(a.dtype)


def _empty_like(t: Tensor, dtype: Any, device: Any) -> Tensor:
    """torch's empty_like(preserve_format): a dense input's strides as they are, otherwise dense
    strides in the input's stride order (infer_dense_strides).  The layout decides the fill order."""
    from .creation import empty_strided

    dt = D.to_dtype(dtype) if dtype is not None else t._dtype
    dev = device if device is not None else t.device
    return empty_strided(t._shape, geo.like_strides(t._shape, t._stride), dtype=dt, device=dev)


def _contig_like(t: Tensor) -> Tensor:
    return _factory(t._shape, t._dtype, t.device, None, False)


@M.export(method=False)
def rand_like(input: Tensor, *, generator: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    t = _empty_like(input, dtype, device)
    return _done(uniform_(t, 0.0, 1.0, generator=generator), requires_grad)


@M.export(method=False)
def randn_like(input: Tensor, *, generator: Any = None, dtype: Any = None, layout: Any = None,
               device: Any = None, requires_grad: bool = False, memory_format: Any = None,
               pin_memory: bool = False) -> Tensor:
    t = _empty_like(input, dtype, device)
    return _done(normal_(t, 0.0, 1.0, generator=generator), requires_grad)


@M.export(method=False)
def randint_like(input: Tensor, *args: Any, low: Any = None, high: Any = None, generator: Any = None,
                 dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False,
                 memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    low = 0 if low is None else _int_arg(low, "randint_like", "low")
    high = _int_arg(high, "randint_like", "high")
    t = _empty_like(input, dtype, device)
    return _done(random_(t, low, high, generator=generator), requires_grad)


# ==== seeding and state =============================================================================

@M.export(method=False)
def manual_seed(seed: Any) -> G.Generator:
    G.manual_seed_all(int(seed))
    return G.default_generator


@M.export(method=False)
def seed() -> int:
    s = G.default_generator.seed()
    G.manual_seed_all(s)
    return s


@M.export(method=False)
def initial_seed() -> int:
    return G.default_generator.initial_seed()


@M.export(method=False)
def get_rng_state() -> Tensor:
    return G.default_generator.get_state()


@M.export(method=False)
def set_rng_state(new_state: Any) -> None:
    G.default_generator.set_state(new_state)


M.FUNCTIONS["Generator"] = G.Generator
M.FUNCTIONS["default_generator"] = G.default_generator
