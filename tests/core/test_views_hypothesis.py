"""Property tests for views: random shapes, random basic indices, random permutations and
random target shapes.  Layout, storage sharing, values and raise/no-raise must match torch."""
import numpy as np
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.helpers import assert_same, assert_same_meta, error_kind, lib, shares_storage

shapes = npst.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
nonempty_shapes = npst.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


def arange_pair(shape):
    """A contiguous float32 base holding 0, 1, 2, ...  Empty bases come from zeros(): torch.tensor()
    of an empty ndarray copies NumPy's strides (tested in test_numpy_bridge), not what we test here."""
    if 0 in shape:
        return lib.zeros(shape), torch.zeros(shape)
    arr = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    return lib.tensor(arr), torch.tensor(arr)


@st.composite
def basic_index(draw, shape):
    """A torch-valid-looking basic index: ints (maybe negative/out of range), positive-step
    slices, None, at most one Ellipsis."""
    parts = []
    dims = list(shape)
    use_ellipsis = draw(st.booleans())
    n_consumed = draw(st.integers(0, len(dims)))
    for n in dims[:n_consumed]:
        kind = draw(st.sampled_from(["int", "slice", "slice", "none"]))
        if kind == "none":
            parts.append(None)
            kind = draw(st.sampled_from(["int", "slice"]))
        if kind == "int":
            parts.append(draw(st.integers(-n - 1, n)))  # includes one out-of-range value each side
        else:
            start = draw(st.none() | st.integers(-n - 2, n + 2))
            stop = draw(st.none() | st.integers(-n - 2, n + 2))
            step = draw(st.none() | st.integers(1, 3))
            parts.append(slice(start, stop, step))
    if use_ellipsis:
        parts.insert(draw(st.integers(0, len(parts))), Ellipsis)
    if draw(st.booleans()):
        parts.append(None)
    return tuple(parts)


def _run(fn, x):
    try:
        return "ok", fn(x)
    except Exception as e:  # noqa: BLE001
        return "raise", e


def compare_outcome(fn, bl, bt):
    """``fn(bl)`` and ``fn(bt)`` must both succeed or both raise the same built-in error class."""
    kl, vl = _run(fn, bl)
    kt, vt = _run(fn, bt)
    assert kl == kt, f"lib {kl} ({vl!r}) vs torch {kt} ({vt!r})"
    if kt == "raise":
        assert isinstance(vl, error_kind(type(vt))), f"lib raised {type(vl).__name__}, torch {type(vt).__name__}"
        return None, None
    return vl, vt


@given(data=st.data(), shape=shapes)
def test_basic_indexing_matches_torch(data, shape):
    idx = data.draw(basic_index(shape), label="index")
    bl, bt = arange_pair(shape)
    vl, vt = compare_outcome(lambda x: x[idx], bl, bt)
    if vt is None:
        return
    assert_same_meta(vl, vt, msg=f"x{list(shape)}[{idx}]")
    assert shares_storage(vl, bl) == shares_storage(vt, bt)
    assert_same(vl, vt)


@given(data=st.data(), shape=nonempty_shapes)
def test_indexed_assignment_matches_torch(data, shape):
    idx = data.draw(basic_index(shape), label="index")
    bl, bt = arange_pair(shape)
    vl, vt = compare_outcome(lambda x: x.__setitem__(idx, -1.5), bl, bt)
    assert_same(bl, bt, msg=f"after x[{idx}] = -1.5")
    assert bl._version == bt._version


@st.composite
def target_shape(draw, numel):
    """A random shape with ``numel`` elements, sometimes with one -1."""
    dims = []
    remaining = numel
    for _ in range(draw(st.integers(0, 3))):
        divisors = [d for d in range(1, remaining + 1) if remaining % d == 0]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        remaining //= d
    dims.append(remaining)
    dims = draw(st.permutations(dims))
    if draw(st.booleans()):
        dims = list(dims)
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@given(data=st.data(), shape=nonempty_shapes)
def test_view_and_reshape_of_permuted_sliced(data, shape):
    perm = tuple(data.draw(st.permutations(range(len(shape))), label="perm"))
    steps = tuple(data.draw(st.lists(st.integers(1, 2), min_size=len(shape), max_size=len(shape)),
                            label="steps"))
    bl, bt = arange_pair(shape)

    def prep(x):
        return x[tuple(slice(None, None, s) for s in steps)].permute(*perm)

    pl, pt = prep(bl), prep(bt)
    assert_same_meta(pl, pt)
    tgt = data.draw(target_shape(pt.numel()), label="target")

    vl, vt = compare_outcome(lambda x: x.view(tgt), pl, pt)
    if vt is not None:
        assert_same_meta(vl, vt, msg=f"view{tgt}")
        assert shares_storage(vl, bl) and shares_storage(vt, bt)
        assert_same(vl, vt)

    rl, rt = pl.reshape(tgt), pt.reshape(tgt)
    assert_same_meta(rl, rt, msg=f"reshape{tgt}")
    assert shares_storage(rl, bl) == shares_storage(rt, bt), (
        f"reshape{tgt} of {pt.shape}/{pt.stride()}: lib shares={shares_storage(rl, bl)}, "
        f"torch shares={shares_storage(rt, bt)}")
    assert_same(rl, rt)

    fl, ft = pl.flatten(), pt.flatten()
    assert_same_meta(fl, ft, msg="flatten")
    assert shares_storage(fl, bl) == shares_storage(ft, bt)


@given(data=st.data(), shape=shapes)
def test_unsqueeze_squeeze_transpose_roundtrip(data, shape):
    bl, bt = arange_pair(shape)
    nd = len(shape)
    d = data.draw(st.integers(-nd - 1, nd), label="unsqueeze dim")
    ul, ut = bl.unsqueeze(d), bt.unsqueeze(d)
    assert_same_meta(ul, ut)
    sl, st_ = ul.squeeze(d), ut.squeeze(d)
    assert_same_meta(sl, st_)
    assert_same_meta(bl.squeeze(), bt.squeeze())
    if nd >= 1:
        a = data.draw(st.integers(-nd, nd - 1), label="dim0")
        b = data.draw(st.integers(-nd, nd - 1), label="dim1")
        assert_same_meta(bl.transpose(a, b), bt.transpose(a, b))


@given(data=st.data(), shape=npst.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
def test_expand_matches_torch(data, shape):
    # make some dims size 1 so they can be expanded, then prepend new dims
    ones = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    src_shape = tuple(1 if o else n for o, n in zip(ones, shape))
    extra = tuple(data.draw(st.lists(st.integers(0, 3), max_size=2)))
    tgt = extra + tuple(data.draw(st.sampled_from([n, -1])) if o is False else n
                        for o, n in zip(ones, shape))
    bl, bt = arange_pair(src_shape)
    vl, vt = compare_outcome(lambda x: x.expand(*tgt), bl, bt)
    if vt is None:
        return
    assert_same_meta(vl, vt, msg=f"expand{tgt} of {src_shape}")
    assert shares_storage(vl, bl) == shares_storage(vt, bt)
    assert_same(vl, vt)
