"""Property tests for views: random shapes, random basic indices, random permutations and
random target shapes.  Layout, storage sharing, values and raise/no-raise must match torch.
Also advanced indexing of sources of any layout: a copy, with torch's result strides."""
import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
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


# ------------------------------------------------------------------ advanced indexing: result layout

@st.composite
def strided_source(draw):
    """A recipe for a float32 source of any layout: arange (zeros if empty) of some shape, stepped
    slices, a permutation, size-1 dims expanded (stride 0), maybe an unsqueeze."""
    side = st.sampled_from([3, 2, 4, 1, 2, 3, 2, 4, 0])  # size-0 dims now and then
    base = tuple(draw(st.lists(side, max_size=4), label="base shape"))
    nd = len(base)
    steps = tuple(draw(st.lists(st.sampled_from([1, 2, 1]), min_size=nd, max_size=nd), label="steps"))
    perm = draw(st.sampled_from(list(itertools.permutations(range(nd)))[::-1]), label="perm")  # reversed first
    sliced = [-(-n // s) for n, s in zip(base, steps)]
    shape = [sliced[p] for p in perm]
    expand = tuple(draw(st.integers(2, 3)) if n == 1 and draw(st.sampled_from([True, False])) else n
                   for n in shape)
    unsq = draw(st.none() | st.integers(0, nd), label="unsqueeze")

    def make(M):
        x = M.zeros(base) if 0 in base else M.arange(float(int(np.prod(base)))).view(base)
        x = x[tuple(slice(None, None, s) for s in steps)].permute(perm).expand(expand)
        return x if unsq is None else x.unsqueeze(unsq)

    return make, (list(expand) if unsq is None else list(expand[:unsq]) + [1] + list(expand[unsq:]))


def _index_tensor(M, arr, layout, dtype):
    """arr as an index tensor with the given layout (same values in both libraries)."""
    dt = getattr(M, dtype)
    if layout == "list":
        return arr.tolist()
    if layout == "t" and arr.ndim >= 2:
        return M.tensor(np.ascontiguousarray(arr.transpose()), dtype=dt).permute(*range(arr.ndim - 1, -1, -1))
    if layout == "expand" and arr.ndim >= 1 and arr.shape[0] > 1 and (arr == arr[:1]).all():
        return M.tensor(arr[:1], dtype=dt).expand(*arr.shape)
    return M.tensor(arr, dtype=dt)


@st.composite
def advanced_index(draw, shape):
    """A recipe for an index with at least one advanced part: index tensors (lists, int64/int32 tensors,
    transposed or expanded) on some dims, adjacent or split by slices, broadcasting against each other;
    bool masks over runs of dims; bool scalars; among ints, full/stepped slices, None and Ellipsis."""
    nd = len(shape)
    size = st.sampled_from([2, 3, 1, 2, 3, 2, 3, 0])
    bshape = tuple(draw(st.lists(size, min_size=1, max_size=2), label="index shape"))
    parts, d = [], 0
    while d < nd:
        kind = draw(st.sampled_from(["index", "slice", "index", "mask", "slice", "int"]), label="kind")
        n = shape[d]
        if kind == "int":  # torch selects first, then indexes the view (NumPy would broadcast it instead)
            parts.append(("int", draw(st.integers(-max(n, 1), max(n, 1) - 1))))
            d += 1
        elif kind == "slice":
            parts.append(("slice", slice(draw(st.sampled_from([None, 1, None])), None, draw(st.integers(1, 2)))))
            d += 1
        elif kind == "index":
            ishape = bshape[draw(st.integers(0, len(bshape) - 1)):]  # broadcasts against the others
            ishape = tuple(1 if draw(st.booleans()) else k for k in ishape)
            vals = draw(npst.arrays(np.int64, ishape, elements=st.integers(-max(n, 1), max(n, 1) - 1)))
            if draw(st.booleans()) and vals.ndim:  # constant along dim 0: an expandable index
                vals = np.broadcast_to(vals[:1], vals.shape).copy()
            parts.append(("index", vals, draw(st.sampled_from(["list", "c", "t", "expand"])),
                          draw(st.sampled_from(["int64", "int32"]))))
            d += 1
        else:
            run = draw(st.integers(1, nd - d))
            parts.append(("mask", draw(npst.arrays(np.bool_, tuple(shape[d:d + run]),
                                                   elements=st.sampled_from([True, False])))))
            d += run
        if draw(st.integers(0, 5)) == 0:
            parts.append(draw(st.sampled_from([("none",), ("bool", True), ("none",), ("bool", True), ("bool", False)])))
    if not any(p[0] == "mask" or p[0] == "index" and p[1].ndim for p in parts):  # (a 0-d index is an int)
        parts.insert(draw(st.integers(0, len(parts))), ("bool", draw(st.sampled_from([True, False]))))
    if draw(st.booleans()):  # drop trailing slices, or replace a leading run by an Ellipsis
        while parts and parts[-1][0] == "slice":
            parts.pop()
    elif parts and parts[0][0] == "slice":
        parts[0] = ("ellipsis",)
        while len(parts) > 1 and parts[1][0] == "slice":
            parts.pop(1)

    def make(M):
        out = []
        for p in parts:
            if p[0] == "slice":
                out.append(p[1])
            elif p[0] == "none":
                out.append(None)
            elif p[0] == "ellipsis":
                out.append(Ellipsis)
            elif p[0] in ("bool", "int"):
                out.append(p[1])
            elif p[0] == "mask":
                out.append(M.tensor(p[1]))
            else:
                out.append(_index_tensor(M, p[1], p[2], p[3]))
        return tuple(out)

    return make, parts


def _check_advanced_index(src, getter, msg):
    """``getter(M)(x)`` indexes x; ``src(M)`` builds the source.  Outcome, layout (torch's strides,
    computed now), values and dtype equal torch's, and the result is a copy: writing into it leaves
    the source as it was."""
    bl, bt = src(lib), src(torch)
    assert_same_meta(bl, bt, msg=f"source of {msg}")
    gl, gt = getter(lib), getter(torch)
    vl, vt = compare_outcome(lambda x: gl(x) if x is bl else gt(x), bl, bt)
    if vt is None:
        return
    assert_same_meta(vl, vt, msg=msg)
    assert_same(vl, vt, msg=msg)
    if vt.numel():  # (empty tensors have no memory to share)
        assert not shares_storage(vl, bl) and not shares_storage(vt, bt), msg
    vl.fill_(-1.0)
    assert_same(bl, bt, msg=f"source after writing into {msg}")


@settings(max_examples=max(200, settings.default.max_examples))  # most draws give row-major or empty results
@given(data=st.data())
def test_advanced_indexing_result_strides_match_torch(data):
    """x[index] with index tensors / lists / masks on a source of any layout: the result's strides are
    torch's (its TensorIterator follows the source's and the indices' stride order), its values and dtype
    too, and it is a copy."""
    src, shape = data.draw(strided_source(), label="source")
    idx, parts = data.draw(advanced_index(shape), label="index")
    _check_advanced_index(src, lambda M: (lambda i: lambda x: x[i])(idx(M)), f"x{shape}[{parts}]")


_ADV_FORMS = [
    ("M.arange(8.0).view(2, 2, 2).transpose(0, 2)", "[[0]]"),
    ("M.arange(6.0).view(2, 3).t()", "[M.tensor([1, 0])]"),
    ("M.arange(6.0).view(2, 3).t()", "[:, [0, 2]]"),
    ("M.zeros((2, 0, 1))", "[[0, 1]]"),
    ("M.zeros((2, 0, 1)).transpose(0, 2)", "[[0]]"),
    ("M.zeros((3, 0, 2)).permute(2, 1, 0)", "[:, :, [0, 1]]"),
    ("M.arange(6.0).view(3, 2)[:, None]", "[:, [0]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[:, [0]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[..., [0, 1]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[[0, 1], :, [0, 1]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[[[0], [1]], :, [0, 1]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[None, :, [0, 1]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[True, :, [0, 1]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[:, M.tensor([[True, False, True], [False, True, True]])]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[M.tensor([True, False, True, True]), 1:]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[1:, ::2, [1, 0]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[np.array([0, 1])]"),
    ("M.arange(4.0).view(1, 4).expand(3, 4)", "[:, [0]]"),
    ("M.arange(4.0).view(1, 4).expand(3, 4).t()", "[:, [0, 1]]"),
    ("M.arange(3.0)", "[M.tensor([[0, 1], [1, 2]]).t()]"),
    ("M.arange(3.0)", "[M.tensor([[0, 1], [1, 2]], dtype=M.int32).t()]"),
    ("M.arange(3.0)", "[False]"),
    ("M.tensor(3.0)", "[True]"),
    ("M.tensor(3.0)", "[None, False]"),
    ("M.arange(6, dtype=M.int16).view(2, 3).t()[None]", "[:, [1]]"),
    ("M.arange(6.0).view(2, 3).t()", "[[[0, 1]], [[1], [0]]]"),
    ("M.arange(9.0).view(3, 3)", "[M.tensor([0, 0], dtype=M.int32), M.tensor([[0, 0], [0, 0]]).t()]"),
    ("M.arange(6.0).view(2, 3).t()", "[[]]"),
    # an int among index tensors selects first (torch), it is not broadcast with them (NumPy)
    ("M.arange(24.0).view(2, 3, 4)", "[1, :, [0, 1]]"),
    ("M.arange(24.0).view(2, 3, 4).permute(2, 0, 1)", "[1, :, [0, 1]]"),
    ("M.arange(48.0).view(2, 3, 4, 2)", "[:, [0, 1], :, 1]"),
    ("M.arange(24.0).view(2, 3, 4)", "[M.tensor(1), ..., [3, 0]]"),
]


@pytest.mark.parametrize("index", ["[1, :, [0, 1]]", "[:, [0, 1], :, 1]", "[0, [1, 0], :, [1]]",
                                   "[-1, M.tensor([True, False, True])]"])
def test_index_assignment_with_an_int_selects_first(index):
    """t[int, ..., idx] = v writes where torch writes: the int selects before the index applies."""
    def run(M):
        t = M.zeros((2, 3, 4, 2))
        r = eval(f"t{index}", {"M": M, "t": t})
        exec(f"t{index} = v", {"M": M, "t": t, "v": M.arange(float(r.numel())).view(r.shape)})
        return t

    assert_same(run(lib), run(torch), msg=index)


@pytest.mark.parametrize("src,index", _ADV_FORMS, ids=[f"{s}{i}" for s, i in _ADV_FORMS])
def test_advanced_indexing_result_strides_directed(src, index):
    _check_advanced_index(lambda M: eval(src, {"M": M}), lambda M: eval(f"lambda x: x{index}", {"M": M, "np": np}),
                          f"{src}{index}")
