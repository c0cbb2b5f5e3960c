"""dtypes: names, aliases, element_size, type() strings, conversions, legacy constructors,
dtype inference of tensor()/Tensor()."""
import numpy as np
import pytest
import torch

from tests.helpers import DTYPE_NAMES, LIB_NAME, assert_same, assert_same_error, dtype_name, lib

ALIASES = {"half": "float16", "float": "float32", "double": "float64", "short": "int16",
           "int": "int32", "long": "int64"}

LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor",
          "IntTensor", "LongTensor", "BoolTensor"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_object(name):
    dl, dt_ = getattr(lib, name), getattr(torch, name)
    s = str(dl)
    assert s.split(".")[-1] == str(dt_).split(".")[-1]
    assert s.split(".")[0] in ("torch", LIB_NAME), f"str({name}) = {s!r}"
    assert dl.is_floating_point == dt_.is_floating_point
    assert dl.is_signed == dt_.is_signed
    assert dl.itemsize == dt_.itemsize
    assert dl == getattr(lib, name) and hash(dl) == hash(getattr(lib, name))


@pytest.mark.parametrize("alias,name", list(ALIASES.items()))
def test_dtype_aliases(alias, name):
    assert getattr(torch, alias) is getattr(torch, name)
    assert getattr(lib, alias) == getattr(lib, name)
    assert dtype_name(getattr(lib, alias)) == name


def test_dtypes_are_distinct():
    objs = [getattr(lib, n) for n in DTYPE_NAMES]
    for i, a in enumerate(objs):
        for j, b in enumerate(objs):
            assert (a == b) == (i == j)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_element_size_and_type_string(name):
    xl, xt = lib.zeros(2, dtype=getattr(lib, name)), torch.zeros(2, dtype=getattr(torch, name))
    assert xl.element_size() == xt.element_size()
    assert xl.type() == xt.type()  # literally 'torch.FloatTensor' etc.
    assert xl.type().startswith("torch.")
    assert xl.is_floating_point() == xt.is_floating_point()
    assert xl.nelement() == xt.nelement() and xl.numel() == xt.numel()


def test_default_dtype():
    assert dtype_name(lib.get_default_dtype()) == dtype_name(torch.get_default_dtype()) == "float32"


@pytest.mark.parametrize("data", [
    1, 1.5, True, [1, 2], [1.0, 2], [True, False], [True, 2], [True, 2.5], [[1, 2], [3, 4]],
    [], [[]], np.int32(3), np.float64(2.0), 10**12, -7, [1e-50], [1, 2.0, True],
], ids=repr)
def test_tensor_dtype_inference(data):
    assert_same(lib.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("arr", [
    np.array([1, 2], dtype=np.int32), np.array([1.5], dtype=np.float16), np.array([True]),
    np.array([[1, 2]], dtype=np.uint8), np.array(3.0), np.array([1, 2], dtype=np.int64),
], ids=lambda a: f"{a.dtype}{list(a.shape)}")
def test_tensor_from_ndarray_keeps_dtype(arr):
    assert_same(lib.tensor(arr), torch.tensor(arr))


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_tensor_with_dtype_argument(name):
    data = [0, 1, 2.7, -1.5] if "int" not in name else [0, 1, 2, 3]
    if name == "uint8":
        data = [0, 1, 2, 250]
    assert_same(lib.tensor(data, dtype=getattr(lib, name)), torch.tensor(data, dtype=getattr(torch, name)))


@pytest.mark.parametrize("conv", ["float", "double", "half", "long", "int", "short", "bool", "byte", "char"])
def test_conversion_methods(conv):
    data = [0.0, -1.7, 2.5, 3.999, 1.0]
    xl, xt = lib.tensor(data), torch.tensor(data)
    assert_same(getattr(xl, conv)(), getattr(torch.Tensor, conv)(xt))


@pytest.mark.parametrize("src", DTYPE_NAMES)
@pytest.mark.parametrize("dst", DTYPE_NAMES)
def test_to_dtype_matrix(src, dst):
    data = [0, 1, 2, 3] if src in ("uint8",) else [0, 1, -2, 3] if src != "bool" else [True, False, True, True]
    xl = lib.tensor(data, dtype=getattr(lib, src))
    xt = torch.tensor(data, dtype=getattr(torch, src))
    yl, yt = xl.to(getattr(lib, dst)), xt.to(getattr(torch, dst))
    assert_same(yl, yt)
    assert (yl is xl) == (yt is xt)  # to() returns self when nothing changes


@pytest.mark.parametrize("type_string", [f"torch.{n}" for n in LEGACY])
def test_type_conversion_by_string(type_string):
    xl, xt = lib.tensor([1.5, -2.0]), torch.tensor([1.5, -2.0])
    yl, yt = xl.type(type_string), xt.type(type_string)
    assert yl.type() == yt.type() == type_string
    assert_same(yl, yt)


def test_type_conversion_by_dtype():
    xl, xt = lib.tensor([1.5, -2.0]), torch.tensor([1.5, -2.0])
    assert_same(xl.type(lib.int32), xt.type(torch.int32))
    assert_same(xl.type(lib.float64), xt.type(torch.float64))


@pytest.mark.parametrize("ctor", LEGACY)
def test_legacy_constructors(ctor):
    for args in (([1, 2, 3],), ([[1, 0], [0, 1]],), ((2, 3),), (2, 3), (0,), ()):
        if ctor == "BoolTensor" and args == ([1, 2, 3],):
            args = ([True, False, True],)
        yl, yt = getattr(lib, ctor)(*args), getattr(torch, ctor)(*args)
        assert dtype_name(yl.dtype) == dtype_name(yt.dtype)
        assert tuple(yl.shape) == tuple(yt.shape), f"{ctor}{args}"
        assert yl.type() == yt.type() == f"torch.{ctor}"
        if args and isinstance(args[0], list):
            assert_same(yl, yt)


def test_legacy_tensor_sizes_and_data():
    """Tensor(*size) is uninitialised float32 of that size; Tensor(list) holds data."""
    for args in ((5, 3), (2, 3), (1,), (0,), ()):
        yl, yt = lib.Tensor(*args), torch.Tensor(*args)
        assert tuple(yl.shape) == tuple(yt.shape), f"Tensor{args}"
        assert dtype_name(yl.dtype) == dtype_name(yt.dtype) == "float32"
    assert_same(lib.Tensor([1, 2]), torch.Tensor([1, 2]))
    assert_same(lib.Tensor([[1, 2, 3], [4, 5, 6]]), torch.Tensor([[1, 2, 3], [4, 5, 6]]))
    assert_same(lib.Tensor([True, False]), torch.Tensor([True, False]))
    assert_same(lib.Tensor(np.arange(3)), torch.Tensor(np.arange(3)))


def test_legacy_tensor_of_existing_size():
    """001: torch.Tensor(t.size()) builds an (uninitialised) tensor of that size."""
    tl, tt = lib.Tensor([[1, 2, 3], [4, 5, 6]]), torch.Tensor([[1, 2, 3], [4, 5, 6]])
    assert tuple(lib.Tensor(tl.size()).shape) == tuple(torch.Tensor(tt.size()).shape) == (2, 3)


def test_tensor_1_vs_Tensor_1():
    """001: torch.Tensor(1) has shape [1] (FloatTensor); torch.tensor(1) is a 0-d LongTensor holding 1."""
    t1l, t1t = lib.Tensor(1), torch.Tensor(1)
    assert tuple(t1l.shape) == tuple(t1t.shape) == (1,)
    assert t1l.type() == t1t.type() == "torch.FloatTensor"
    t2l, t2t = lib.tensor(1), torch.tensor(1)
    assert_same(t2l, t2t)
    assert t2l.type() == t2t.type() == "torch.LongTensor"
    assert t2l.item() == t2t.item() == 1


def test_legacy_constructor_errors():
    assert_same_error(lambda M: M.Tensor(2.5))
    assert_same_error(lambda M: M.Tensor(-1))
    assert_same_error(lambda M: M.LongTensor("abc"))


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_item_returns_python_type(name):
    xl = lib.tensor([3], dtype=getattr(lib, name))
    xt = torch.tensor([3], dtype=getattr(torch, name))
    il, it = xl.item(), xt.item()
    assert type(il) is type(it) and il == it
    assert type(xl.tolist()[0]) is type(xt.tolist()[0])
