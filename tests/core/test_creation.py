"""Creation ops of the first slice: size forms (varargs / tuple / list / Size), dtype inference and
overrides, *_like keeping dtype/shape, arange/linspace lengths and dtypes."""
import numpy as np
import pytest
import torch

from tests.helpers import DTYPE_NAMES, assert_same, assert_same_meta, dtype_name, lib

SIZE_FORMS = [(2, 3), ((2, 3),), ([2, 3],), ((),), (0,), (1, 0, 2), ((4,),), (3,)]


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("args", SIZE_FORMS, ids=repr)
def test_size_forms(fn, args):
    rl, rt = getattr(lib, fn)(*args), getattr(torch, fn)(*args)
    assert_same_meta(rl, rt)
    if fn != "empty":
        assert_same(rl, rt)


def test_size_object_argument():
    xl, xt = lib.zeros(2, 3), torch.zeros(2, 3)
    assert_same(lib.ones(xl.size()), torch.ones(xt.size()))
    assert_same(lib.zeros(xl.shape), torch.zeros(xt.shape))


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_dtype_argument(fn, name):
    rl = getattr(lib, fn)(2, dtype=getattr(lib, name))
    rt = getattr(torch, fn)(2, dtype=getattr(torch, name))
    assert dtype_name(rl.dtype) == dtype_name(rt.dtype)
    if fn != "empty":
        assert_same(rl, rt)


@pytest.mark.parametrize("fill", [1, 1.5, True, -3, 2 ** 40])
def test_full_infers_dtype_from_fill(fill):
    assert_same(lib.full((2, 2), fill), torch.full((2, 2), fill))
    assert_same(lib.full((3,), fill, dtype=lib.float64), torch.full((3,), fill, dtype=torch.float64))


@pytest.mark.parametrize("args,kw", [
    ((5,), {}), ((2, 7), {}), ((1, 10, 3), {}), ((0, 1, 0.1), {}), ((0.0, 5), {}), ((5.0,), {}),
    ((10, 0, -2), {}), ((-3, 3, 1.5), {}), ((0, 1, 0.3), {}), ((4,), {"dtype": "float64"}),
    ((1, 4), {"dtype": "int32"}), ((0, 5, 2), {"dtype": "float32"}), ((3, 3), {}),
    ((1, 2.5, 0.5), {"dtype": "float64"}), ((0, 7, 3), {"dtype": "int16"}),
], ids=repr)
def test_arange(args, kw):
    kl = {k: getattr(lib, v) for k, v in kw.items()}
    kt = {k: getattr(torch, v) for k, v in kw.items()}
    assert_same(lib.arange(*args, **kl), torch.arange(*args, **kt))


@pytest.mark.parametrize("args,kw", [
    ((1, 10, 4), {}), ((0, 1, 5), {}), ((-1, 1, 100), {}), ((0, 10, 6), {}), ((3, 3, 1), {}),
    ((0, 1, 0), {}), ((0, 1, 1), {}), ((10, 0, 5), {}), ((0, 1, 7), {"dtype": "float64"}),
    ((0, 10, 6), {"dtype": "int64"}), ((1, 2, 3), {"dtype": "float16"}),
], ids=repr)
def test_linspace(args, kw):
    kl = {k: getattr(lib, v) for k, v in kw.items()}
    kt = {k: getattr(torch, v) for k, v in kw.items()}
    assert_same(lib.linspace(*args, **kl), torch.linspace(*args, **kt))


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like"])
def test_like_keeps_shape_and_dtype(fn, name):
    src_l = lib.tensor([[1, 0, 1]], dtype=getattr(lib, name))
    src_t = torch.tensor([[1, 0, 1]], dtype=getattr(torch, name))
    rl, rt = getattr(lib, fn)(src_l), getattr(torch, fn)(src_t)
    assert dtype_name(rl.dtype) == dtype_name(rt.dtype) and tuple(rl.shape) == tuple(rt.shape)
    if fn != "empty_like":
        assert_same(rl, rt)
    rl, rt = getattr(lib, fn)(src_l, dtype=lib.float64), getattr(torch, fn)(src_t, dtype=torch.float64)
    assert dtype_name(rl.dtype) == dtype_name(rt.dtype) == "float64"


def test_like_of_noncontiguous_preserves_layout_like_torch():
    src_l = lib.zeros(3, 4).t()
    src_t = torch.zeros(3, 4).t()
    for fn in ("zeros_like", "ones_like", "empty_like"):
        assert_same_meta(getattr(lib, fn)(src_l), getattr(torch, fn)(src_t))
    assert_same_meta(lib.zeros(3, 4)[:, ::2].clone(), torch.zeros(3, 4)[:, ::2].clone())


def test_full_like():
    assert_same(lib.full_like(lib.zeros(2, dtype=lib.int32), 7), torch.full_like(torch.zeros(2, dtype=torch.int32), 7))
    assert_same(lib.full_like(lib.zeros(2), 2.5), torch.full_like(torch.zeros(2), 2.5))


def test_tensor_of_tensor_copies():
    src_l, src_t = lib.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    with pytest.warns(UserWarning):
        ct = torch.tensor(src_t)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cl = lib.tensor(src_l)
    assert_same(cl, ct)
    cl[0] = 9
    assert src_l.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("fn", [
    lambda M: M.zeros(2, 3).clone(), lambda M: M.ones(3).zero_(),
    lambda M: M.zeros(2, 2).copy_(M.tensor([1, 2])), lambda M: M.zeros(3, dtype=M.int32).copy_(M.tensor([1.7, -2.2, 3.9])),
    lambda M: M.empty(2, 3).fill_(4.5),
], ids=["clone", "zero_", "copy_broadcast", "copy_cast", "fill_"])
def test_clone_copy_zero(fn):
    assert_same(fn(lib), fn(torch))


def test_creation_device_argument():
    for M in (lib, torch):
        for dev in ("cpu", M.device("cpu")):
            t = M.zeros(2, device=dev)
            assert str(t.device) == "cpu" and t.device.type == "cpu"
            assert str(M.ones(2).to(dev).device) == "cpu"


@pytest.mark.parametrize("call", [
    lambda M: M.zeros(size=(2, 3)), lambda M: M.ones(size=[2]), lambda M: M.empty(size=(0, 2)),
    lambda M: M.zeros(size=M.Size([3])), lambda M: M.zeros(2, size=(3,)), lambda M: M.ones(size=3),
    lambda M: M.zeros(size=(2, 1.5)), lambda M: M.ones(size=(2,), dtype=M.int8),
])
def test_size_keyword(call):
    """zeros/ones/empty take their size as the `size` keyword too, with the parser's errors."""
    from tests.helpers import assert_same_error

    err, terr = assert_same_error(call)
    if terr is None:
        assert_same(call(lib), call(torch))
        assert_same_meta(call(lib), call(torch))
    else:
        assert str(err) == str(terr)


@pytest.mark.parametrize("data", [
    "[1, range(2)]", "[True, range(2)]", "[1, range(2), 2.5]", "[[1, 2], [3, range(2)]]", "[1, (1,)]",
    "[1.5, [1]]", "[True, [1]]", "[1, np.array([1, 2])]", "[1.5, np.array([1, 2])]", "[range(2), 1]",
])
@pytest.mark.parametrize("dtype", [None, "int64", "float32", "bool", "float16"])
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
def test_tensor_sequence_where_a_number_goes(data, dtype):
    """A sequence at a number's place: TypeError, worded for the dtype the number converts to (given, or
    inferred from the whole nest, the sequence's own numbers included)."""
    from tests.helpers import assert_same_error, dt

    def make(M):
        return M.tensor(eval(data), dtype=None if dtype is None else dt(M, dtype))

    err, terr = assert_same_error(make)
    assert isinstance(terr, TypeError) and str(err) == str(terr)


@pytest.mark.parametrize("data", [
    "[1, np.array(2)]", "[1, np.array(2.5, dtype=np.float32)]", "[1.5, np.array(2, dtype=np.int8)]",
    "[[1, np.array(2)], [3, 4]]", "[1, np.array(2.5)]",
])
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_tensor_zero_d_array_is_a_number(data, dtype):
    """A 0-d NumPy array in nested data is a number of its own dtype (it takes part in the inference)."""
    from tests.helpers import dt

    def make(M):
        return M.tensor(eval(data), dtype=None if dtype is None else dt(M, dtype))

    assert_same(make(lib), make(torch))


@pytest.mark.parametrize("data", [
    lambda: range(3), lambda: range(0), lambda: [range(2), range(2)], lambda: (range(2), (1, 2)),
    lambda: [[range(2)], [range(2)]], lambda: [range(2), range(3)], lambda: [range(2), 3],
])
@pytest.mark.parametrize("dtype", [None, "float32"])
def test_tensor_from_ranges(data, dtype):
    """tensor() takes any Python sequence, range included, at any depth."""
    from tests.helpers import assert_same_error, dt

    def make(M):
        return M.tensor(data(), dtype=None if dtype is None else dt(M, dtype))

    err, terr = assert_same_error(make)
    if terr is None:
        assert_same(make(lib), make(torch))
