"""Random streams: after ``manual_seed(s)`` the library draws torch's CPU numbers bit for bit.

Each case runs the same body with the library and with real torch from the same seed and compares
the raw bits (so -0.0 != 0.0 and every last ulp counts), plus dtype and shape.  Sizes straddle the
points where torch switches algorithm: normal's scalar path below 16 elements (or on non-contiguous
tensors) and its 16-element Box-Muller blocks above (with the redrawn tail when the size is not a
multiple of 16); randint's 32/64-bit draws at a range of 2**28.  get_rng_state bytes are compared
with torch's, and states move between the two libraries in both directions.

The CUDA stand-in (torch's CUDA numbers come from Philox and cannot be replayed) is checked for its
distributions only, on CPU arrays, with Kolmogorov-Smirnov / chi-square / z tests at a fixed false
alarm rate of 1e-6 per test (the seeds are fixed, so the outcome is deterministic).
"""
from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from tests.helpers import LIB_NAME, dtype_name, lib

FLOATS = ["float16", "float32", "float64"]


def bits(t) -> np.ndarray:
    a = np.ascontiguousarray(t.detach().numpy())
    if a.dtype.kind == "f":
        return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize])
    return a


def assert_bits(a, b, what=""):
    assert dtype_name(a.dtype) == dtype_name(b.dtype), f"{what}: dtype {a.dtype} != torch {b.dtype}"
    assert tuple(a.shape) == tuple(b.shape), f"{what}: shape {tuple(a.shape)} != torch {tuple(b.shape)}"
    x, y = bits(a), bits(b)
    bad = int((x != y).sum())
    assert bad == 0, f"{what}: {bad} of {x.size} values differ from torch's stream"


def same_stream(fn, seed=0, what=""):
    """fn(M) -> tensor or list of tensors, run after M.manual_seed(seed) in both libraries."""
    lib.manual_seed(seed)
    got = fn(lib)
    torch.manual_seed(seed)
    want = fn(torch)
    if not isinstance(got, (list, tuple)):
        got, want = [got], [want]
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        assert_bits(a, b, f"{what}[{i}]")
    # the generator ends in the same state too
    assert np.array_equal(lib.get_rng_state().numpy(), torch.get_rng_state().numpy()), f"{what}: state differs"


def D(M, name):
    return getattr(M, name)


NORMAL_SIZES = [1, 2, 3, 7, 15, 16, 17, 24, 31, 32, 33, 100, 1000, 4099]


# ---- uniform ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (3, 4), (2, 3, 17), (0, 3), (20000,)], ids=str)
def test_rand(dt, shape):
    same_stream(lambda M: M.rand(shape, dtype=D(M, dt)), seed=7, what=f"rand{shape}")


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("bounds", [(0.0, 1.0), (-3.7, 2.2), (0.1, 0.3), (-1000.0, 5.5), (1.0, 1.001),
                                    (2.5, 2.5), (-2.0, -1.0)], ids=str)
def test_uniform_bounds(dt, bounds):
    # (1, 1.001) makes values round onto `to`, which torch maps back to `from`
    same_stream(lambda M: M.empty(3000, dtype=D(M, dt)).uniform_(*bounds), seed=11, what=f"uniform_{bounds}")


def test_uniform_float16_upper_bound_folds_to_from():
    same_stream(lambda M: M.rand(100000, dtype=M.float16), seed=0, what="rand f16")


@given(st.integers(0, 2 ** 64 - 1))
def test_rand_generated_seeds(seed):
    same_stream(lambda M: [M.rand(37), M.rand(5, dtype=M.float64)], seed=seed, what=f"seed {seed}")


# ---- normal ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("n", NORMAL_SIZES)
def test_randn_sizes(dt, n):
    same_stream(lambda M: M.randn(n, dtype=D(M, dt)), seed=n, what=f"randn({n})")


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("n", [5, 16, 40, 1001])
@pytest.mark.parametrize("mean,std", [(3.3, 0.7), (-100.0, 12.5), (0.0, 0.0), (1e-3, 1e3)])
def test_normal_mean_std(dt, n, mean, std):
    same_stream(lambda M: M.empty(n, dtype=D(M, dt)).normal_(mean, std), seed=3, what=f"normal_({mean}, {std})")


def test_randn_large_float32():
    # many AVX2 blocks: the emulated log/sincos polynomials must agree everywhere
    same_stream(lambda M: M.randn(300_003), seed=2024, what="randn large")


@given(st.integers(0, 2 ** 64 - 1), st.integers(1, 70))
def test_randn_generated_seeds(seed, n):
    same_stream(lambda M: [M.randn(n), M.randn(n, dtype=M.float64)], seed=seed, what=f"seed {seed} n {n}")


def _state_with_zero_words(M, first, count):
    """torch's state after a few draws, with `count` state words from the next one on set to 0: MT19937
    tempers 0 to 0, so those draws are exact zeros (a Box-Muller radius of 0)."""
    torch.manual_seed(0)
    torch.rand(5)
    st = torch.get_rng_state().numpy().copy()
    nxt = int(st[16:24].view(np.uint64)[0])
    st[24:24 + 8 * 624].view(np.uint64)[nxt + first:nxt + first + count] = 0
    return st


@pytest.mark.parametrize("dt,n,first,count", [("float32", 16, 0, 8), ("float64", 16, 0, 16),
                                              ("float32", 5, 2, 2), ("float16", 32, 0, 8)])
def test_zero_radius_gives_positive_zero(dt, n, first, count):
    # r * cos(theta) is -0.0 for a zero radius and cos < 0; torch's fma(n, std, mean) makes it +0.0
    st = _state_with_zero_words(torch, first, count)
    torch.set_rng_state(torch.from_numpy(st))
    want = torch.randn(n, dtype=getattr(torch, dt))
    lib.set_rng_state(lib.tensor(st))
    got = lib.randn(n, dtype=getattr(lib, dt))
    assert (want == 0).any()
    assert_bits(got, want, "zero radius")


def test_normal_cache_crosses_calls():
    # the scalar path caches the second Box-Muller value in the generator: odd sizes leave one behind
    def body(M):
        return [M.randn(3), M.randn(1), M.randn(5, dtype=M.float64), M.randn(20), M.randn(3, dtype=M.float16),
                M.empty(7).normal_(2.0, 3.0), M.rand(2), M.randn(1)]
    same_stream(body, seed=99, what="cache")


@pytest.mark.parametrize("overload", ["TT", "Tf", "fT", "ffsize", "TT_bcast", "TT_mixed", "TT_half", "small"])
def test_normal_overloads(overload):
    def body(M):
        m = M.arange(24.0).reshape(4, 6)
        s = M.linspace(0.5, 2.0, 24).reshape(4, 6)
        if overload == "TT":
            return M.normal(m, s)
        if overload == "Tf":
            return M.normal(m, 2.5)
        if overload == "fT":
            return M.normal(-1.5, s)
        if overload == "ffsize":
            return M.normal(2.0, 3.0, (5, 7))
        if overload == "TT_bcast":
            return M.normal(m, s[0])
        if overload == "TT_mixed":
            return M.normal(m, s.double())
        if overload == "TT_half":
            return M.normal(m.half(), s)
        return [M.normal(M.zeros(3), M.ones(3)), M.normal(M.zeros(2), 1.0), M.normal(0.0, M.ones(5))]
    same_stream(body, seed=5, what=overload)


def test_normal_grad_fn_and_zero_grad():
    for M in (lib, torch):
        m = M.zeros(3, requires_grad=True)
        out = M.normal(m, 1.0)
        assert type(out.grad_fn).__name__ == "NormalBackward1"
        out.sum().backward()
        assert m.grad.tolist() == [0.0, 0.0, 0.0]


# ---- integers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "uint8", "int8", "float32", "float64", "float16"])
@pytest.mark.parametrize("low,high", [(0, 10), (3, 100), (0, 2)], ids=str)
def test_randint_small_ranges(dt, low, high):
    same_stream(lambda M: M.randint(low, high, (50,), dtype=D(M, dt)), seed=1, what=f"randint {dt}")


@pytest.mark.parametrize("low,high", [(0, 2 ** 28 - 1), (0, 2 ** 28), (-2 ** 27, 2 ** 27), (0, 2 ** 31),
                                      (-2 ** 40, 2 ** 40), (-2 ** 63, 2 ** 63 - 1)], ids=str)
def test_randint_64bit_threshold(low, high):
    same_stream(lambda M: [M.randint(low, high, (9,)), M.rand(3)], seed=2, what=f"randint [{low}, {high})")


def test_randint_forms():
    def body(M):
        return [M.randint(6, (3, 4)), M.randint(3, 10, size=(2,)), M.randint(high=5, size=(2,)),
                M.randint(0, 2, (4,), dtype=M.bool), M.randint_like(M.zeros(3, 5), 9),
                M.randint_like(M.zeros(3, 5), -4, 4)]
    same_stream(body, seed=8, what="randint forms")


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1000, 20001])
@pytest.mark.parametrize("dt", ["int64", "int32", "float32", "float64"])
def test_randperm(n, dt):
    same_stream(lambda M: [M.randperm(n, dtype=D(M, dt)), M.randint(0, 100, (3,))], seed=n, what=f"randperm({n})")


@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "int8", "uint8", "bool", "float16", "float32", "float64"])
def test_random_(dt):
    def body(M):
        d = D(M, dt)
        out = [M.empty(40, dtype=d).random_(), M.empty(40, dtype=d).random_(2)]
        if dt != "bool":
            out += [M.empty(40, dtype=d).random_(1, 100), M.empty(40, dtype=d).random_(3, None)]
        if dt in ("int64", "float32", "float64"):
            out.append(M.empty(40, dtype=d).random_(-2 ** 63, None))
        return out
    same_stream(body, seed=4, what=f"random_ {dt}")


# ---- bernoulli -------------------------------------------------------------------------------------

def test_bernoulli():
    def body(M):
        p32, p64 = M.rand(300), M.rand(300, dtype=M.float64)
        return [M.bernoulli(p32), M.bernoulli(p64), M.empty(300).bernoulli_(0.3),
                M.empty(50, dtype=M.int64).bernoulli_(0.7), M.zeros(300, dtype=M.float64).bernoulli_(p32),
                M.bernoulli(M.zeros(40), 0.5), p32.bernoulli()]
    same_stream(body, seed=12, what="bernoulli")


# ---- element order on non-contiguous tensors, *_like layouts -----------------------------------------

VIEWS = {  # name: (base shape, view of the base)
    "t": ((30, 40), lambda x: x.t()),
    "step": ((12, 20), lambda x: x[:, ::3]),
    "permute": ((4, 5, 6), lambda x: x.permute(2, 0, 1)),
    "permute_slice": ((4, 5, 6), lambda x: x.permute(1, 2, 0)[:, 1:4]),
    "size1": ((5, 1, 3), lambda x: x.transpose(0, 1)),
    "step_t": ((12, 8), lambda x: x[::2].t()),
}
ARGS = {"uniform_": (-1.0, 2.0), "normal_": (0.5, 2.0), "random_": (0, 1000), "bernoulli_": (0.4,)}


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("op", sorted(ARGS))
def test_inplace_on_views(view, op):
    def body(M):
        shape, make = VIEWS[view]
        base = M.zeros(shape)
        x = make(base)
        getattr(x, op)(*ARGS[op])
        return [x.contiguous(), base]
    same_stream(body, seed=6, what=f"{op} on {view}")


@pytest.mark.parametrize("fn", ["rand_like", "randn_like"])
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_like_keeps_layout_and_order(fn, view):
    def body(M):
        shape, make = VIEWS[view]
        out = getattr(M, fn)(make(M.zeros(shape)))
        # (strides of size-1 dimensions are not observable in the values; leave them out)
        return [out.contiguous(), M.tensor([s for s, n in zip(out.stride(), out.shape) if n > 1])]
    same_stream(body, seed=13, what=f"{fn} {view}")


# ---- sequences of calls ----------------------------------------------------------------------------

def test_out_and_generator_arguments():
    def body(M):
        g = M.Generator().manual_seed(4)
        o1, o2, o3 = M.empty(3), M.empty(2, 8), M.empty(0, dtype=M.int64)
        M.rand(3, out=o1)
        M.randn(2, 8, out=o2)
        M.randperm(6, out=o3)
        return [o1, o2, o3, M.rand_like(o1, generator=g), M.randn_like(o2, generator=g),
                M.randint_like(o1, 5, generator=g)]
    same_stream(body, seed=21, what="out/generator")


def test_mixed_sequence():
    def body(M):
        out = []
        for i in range(4):
            out += [M.rand(5 + i), M.randn(13 + 3 * i), M.randint(0, 7, (i + 1,)), M.randperm(6 + i),
                    M.normal(0.0, 2.0, (i + 2,)), M.empty(17).uniform_(-1, 1), M.randn(2, dtype=M.float64)]
        return out
    same_stream(body, seed=31337, what="sequence")


# ---- state -----------------------------------------------------------------------------------------

def test_state_layout_and_roundtrip():
    def saved(M):
        M.manual_seed(77)
        M.randn(3, dtype=M.float64)  # leaves a cached normal in the state
        M.rand(10)
        return M.get_rng_state()
    sl = saved(lib)
    a = lib.randn(21)
    sm = saved(torch)
    assert dtype_name(sl.dtype) == "uint8" and tuple(sl.shape) == (5056,)
    assert np.array_equal(sl.numpy(), sm.numpy())
    assert_bits(a, torch.randn(21), "after the saved state")
    lib.set_rng_state(sl)
    assert np.array_equal(bits(lib.randn(21)), bits(a)), "replay after set_rng_state"


def test_state_moves_between_libraries():
    torch.manual_seed(5)
    torch.rand(700)  # past a twist
    torch.randn(1)
    state = torch.get_rng_state().numpy().copy()
    want = torch.randn(9)
    lib.set_rng_state(lib.tensor(state))
    assert_bits(lib.randn(9), want, "torch state -> lib")
    lib.manual_seed(6)
    lib.randn(5)
    state = lib.get_rng_state().numpy().copy()
    got = lib.rand(1000)
    torch.set_rng_state(torch.from_numpy(state))
    assert_bits(got, torch.rand(1000), "lib state -> torch")


def test_seed_and_initial_seed():
    for M in (lib, torch):
        g = M.manual_seed(2 ** 64 - 1)
        assert M.initial_seed() == 2 ** 64 - 1
        assert type(g).__name__ == "Generator"
        M.manual_seed(-1)
        assert M.initial_seed() == 2 ** 64 - 1
        M.manual_seed(1.5)
        assert M.initial_seed() == 1
        s = M.seed()
        assert isinstance(s, int) and M.initial_seed() == s
    same_stream(lambda M: M.randn(40), seed=2 ** 63 + 12345, what="64-bit seed")


def test_determinism():
    lib.manual_seed(10)
    a = [lib.rand(100), lib.randn(100), lib.randperm(50)]
    lib.manual_seed(10)
    b = [lib.rand(100), lib.randn(100), lib.randperm(50)]
    for x, y in zip(a, b):
        assert np.array_equal(bits(x), bits(y))
    lib.manual_seed(11)
    assert not np.array_equal(bits(lib.rand(100)), bits(a[0]))


# ---- Generator objects -----------------------------------------------------------------------------

def test_generator_objects():
    def body(M):
        g = M.Generator().manual_seed(123)
        out = [M.rand(5, generator=g), M.randn(20, generator=g), M.randint(0, 9, (4,), generator=g),
               M.randperm(7, generator=g), M.normal(0.0, 1.0, (3,), generator=g),
               M.empty(4).uniform_(generator=g), M.rand(3)]  # the last one: default stream untouched by g
        return out
    same_stream(body, seed=1, what="generator")
    for M in (lib, torch):
        g = M.Generator()
        assert g.initial_seed() == 67280421310721 and str(g.device) == "cpu"
        g.manual_seed(9)
        g2 = g.clone_state()
        assert np.array_equal(bits(M.rand(4, generator=g)), bits(M.rand(4, generator=g2)))
        g3 = copy.deepcopy(g)
        g4 = pickle.loads(pickle.dumps(g))
        assert np.array_equal(bits(M.rand(4, generator=g3)), bits(M.rand(4, generator=g4)))
        g.set_state(M.get_rng_state())
        assert np.array_equal(g.get_state().numpy(), M.get_rng_state().numpy())


# ---- errors ----------------------------------------------------------------------------------------

ERRORS = {
    "rand_nosize": lambda M: M.rand(),
    "rand_int": lambda M: M.rand(3, dtype=M.int64),
    "randn_bool": lambda M: M.randn(3, dtype=M.bool),
    "randint_empty_range": lambda M: M.randint(5, 5, (3,)),
    "randint_bool_bounds": lambda M: M.randint(5, (3,), dtype=M.bool),
    "randint_float_high": lambda M: M.randint(3, 10.5, (2,)),
    "randperm_negative": lambda M: M.randperm(-1),
    "randperm_bool": lambda M: M.randperm(5, dtype=M.bool),
    "randperm_half_big": lambda M: M.randperm(3000, dtype=M.float16),
    "normal_ff_nosize": lambda M: M.normal(2.0, 3.0),
    "normal_neg_std": lambda M: M.normal(2.0, -3.0, (2,)),
    "normal_tensor_neg_std": lambda M: M.normal(M.zeros(2), M.tensor([1.0, -1.0])),
    "normal_int_mean": lambda M: M.normal(M.zeros(2, dtype=M.int64), 1.0),
    "normal_bad_bcast": lambda M: M.normal(M.zeros(2), M.ones(3)),
    "uniform_reversed": lambda M: M.empty(3).uniform_(2, 1),
    "uniform_int": lambda M: M.empty(3, dtype=M.int32).uniform_(),
    "uniform_half_bounds": lambda M: M.empty(3, dtype=M.float16).uniform_(0, 1e6),
    "normal_int": lambda M: M.empty(3, dtype=M.int32).normal_(),
    "random_int8_bounds": lambda M: M.empty(3, dtype=M.int8).random_(0, 200),
    "bernoulli_p": lambda M: M.empty(3).bernoulli_(1.5),
    "leaf_inplace": lambda M: M.zeros(3, requires_grad=True).uniform_(),
    "overlap": lambda M: M.zeros(1).expand(3).normal_(),
    "set_state_float": lambda M: M.set_rng_state(M.zeros(5056)),
    "set_state_size": lambda M: M.set_rng_state(M.zeros(10, dtype=M.uint8)),
    "set_state_invalid": lambda M: M.set_rng_state(M.zeros(5056, dtype=M.uint8)),
    "seed_overflow": lambda M: M.Generator().manual_seed(2 ** 64),
    "seed_float": lambda M: M.Generator().manual_seed(1.5),
    "out_dtype": lambda M: M.rand(2, dtype=M.float64, out=M.empty(2)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors(case):
    fn = ERRORS[case]
    with pytest.raises(Exception) as et:
        fn(torch)
    with pytest.raises(Exception) as el:
        fn(lib)
    kinds = [k for k in type(et.value).__mro__ if k.__module__ == "builtins"]
    assert isinstance(el.value, kinds[0]), f"{type(el.value).__name__} is not {kinds[0].__name__}"
    if not isinstance(et.value, TypeError):  # (argument-parser TypeErrors list torch's overloads)
        assert str(el.value).split("\n")[0] == str(et.value).split("\n")[0]


# ---- the CUDA stand-in: distributions only, on CPU arrays --------------------------------------------

ALPHA = 1e-6


def ks_stat(sample: np.ndarray, cdf) -> float:
    x = np.sort(np.asarray(sample, dtype=np.float64))
    n = x.size
    f = cdf(x)
    return float(max((np.arange(1, n + 1) / n - f).max(), (f - np.arange(n) / n).max()))


def ks_critical(n: int, alpha: float = ALPHA) -> float:
    return math.sqrt(-math.log(alpha / 2) / (2 * n))  # asymptotic Kolmogorov bound


def chi2_critical(df: int, alpha: float = ALPHA) -> float:
    z = 4.753424308822899  # standard normal quantile 1 - 1e-6
    assert alpha == ALPHA
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3  # Wilson-Hilferty


_erf = np.vectorize(math.erf)


@pytest.fixture
def standin():
    if LIB_NAME != "impl":
        pytest.skip("the CUDA stand-in is impl's own")
    from impl.ops import random as R

    return R


@pytest.mark.parametrize("dt", FLOATS)
def test_standin_uniform_ks(standin, dt):
    d = getattr(standin.D, dt)
    for seed, (a, b) in enumerate([(0.0, 1.0), (-3.0, 5.0), (10.0, 10.5)]):
        x = standin._standin_uniform(np.random.Generator(np.random.PCG64(seed)), 50000, d, a, b)
        assert x.dtype == d.np and (x >= d.np.type(a)).all() and (x < d.np.type(b)).all()
        tol = float(np.spacing(np.float16(max(abs(a), abs(b))))) / (b - a) if dt == "float16" else 0.0  # coarse grid
        stat = ks_stat(x, lambda v: np.clip((v - a) / (b - a), 0, 1))
        assert stat < ks_critical(x.size) + tol, (a, b, stat)


@pytest.mark.parametrize("dt", FLOATS)
def test_standin_normal_ks(standin, dt):
    d = getattr(standin.D, dt)
    for seed, (m, s) in enumerate([(0.0, 1.0), (3.0, 0.5), (-20.0, 4.0)]):
        x = standin._standin_normal(np.random.Generator(np.random.PCG64(100 + seed)), 50000, d, m, s)
        assert x.dtype == d.np
        tol = 2.0 ** -8 if dt == "float16" else 0.0
        stat = ks_stat(x, lambda v: 0.5 * (1 + _erf((v - m) / (s * math.sqrt(2)))))
        assert stat < ks_critical(x.size) + tol, (m, s, stat)


def test_standin_integers_chi2(standin):
    rng = np.random.Generator(np.random.PCG64(7))
    for lo, hi, dt in [(0, 10, standin.D.int64), (-5, 20, standin.D.int32), (0, 2, standin.D.bool_)]:
        x = standin._standin_from_to(rng, 60000, dt, hi - lo, lo).astype(np.int64)
        assert x.min() >= lo and x.max() < hi
        k = hi - lo
        counts = np.bincount(x - lo, minlength=k)
        exp = x.size / k
        assert ((counts - exp) ** 2 / exp).sum() < chi2_critical(k - 1)
    # randperm: a permutation whose first element is uniform
    firsts = np.array([standin._standin_randperm(rng, 8)[0] for _ in range(8000)])
    assert sorted(standin._standin_randperm(rng, 1000).tolist()) == list(range(1000))
    counts = np.bincount(firsts, minlength=8)
    assert ((counts - 1000) ** 2 / 1000).sum() < chi2_critical(7)


def test_standin_bernoulli_z(standin):
    rng = np.random.Generator(np.random.PCG64(3))
    for p in (0.05, 0.5, 0.9):
        x = standin._standin_bernoulli(rng, p, 40000)
        z = (x.mean() - p) / math.sqrt(p * (1 - p) / x.size)
        assert abs(z) < 4.891638475698  # two-sided 1e-6
