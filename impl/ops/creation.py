"""Creation ops: tensor(), from_numpy, zeros/ones/empty/full/eye, ranges, *_like (random ones: random.py)."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import _backend, _geometry as geo, dtypes as D
from .._storage import Storage
from .._types import Size, as_device, get_default_device
from ..tensor import Tensor, fresh_result
from . import _machinery as M
from . import _args as A


def _size(args: Sequence[Any], opname: str, kwargs: dict | None = None) -> tuple:
    """The size of a factory: `*size` varargs (ones(2, 3)) or one sequence (ones((2, 3)))."""
    given = args
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    for a in args:  # the common case first: plain non-negative ints
        if type(a) is not int or a < 0:
            break
    else:
        return args
    out = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and a.numel() == 1 and not a._dtype.is_floating_point:
            a = a.item()
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise _size_type_error(opname, given, i, a, kwargs)
        out.append(int(a))
    if any(s < 0 for s in out):
        if opname == "zeros":  # (zeros checks its sizes itself)
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {out}")
    return tuple(out)


def _size_type_error(opname: str, given: Sequence[Any], i: int, a: Any, kwargs: dict | None = None) -> TypeError:
    """torch's argument parser on a `*size` argument with a non-int element `a` at index i (positional).
    `kwargs`: the keywords given (rand's dtype=...), named by an overloaded factory's message."""
    t = type(a).__name__
    seq = len(given) == 1 and isinstance(given[0], (tuple, list, Size))
    if i:
        return TypeError(f"{opname}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                         f"\"type must be tuple of ints,but got {t}\"")
    if seq:
        return TypeError(f"{opname}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                         f"type {t} at pos 0")
    if len(given) > 1:  # a first element that is no int: the varargs are not taken as the size
        if opname in A.SIGNATURES:  # rand, randn: two overloads (with and without generator=)
            return A.invalid_combination(opname, tuple(given), kwargs)
        return TypeError(f"{opname}() takes 1 positional argument but {len(given)} were given")
    return TypeError(f"{opname}(): argument 'size' (position 1) must be tuple of ints, not {t}")


def _finish(arr: Any, dtype: D.dtype, dev: Any, requires_grad: bool) -> Tensor:
    # a factory's array is fresh, C-contiguous and of `dtype`: wrapped as an op result is, without checks
    if arr.dtype is dtype.np and arr.flags.c_contiguous:
        t = fresh_result(arr, dtype, dev)
    else:
        t = Tensor._wrap(arr, dtype, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _xp(device: Any):
    dev = as_device(device) if device is not None else get_default_device()
    return _backend.array_module(dev.type), dev


# ---- from data -----------------------------------------------------------------------------------

def _infer(data: Any) -> tuple:
    """(numpy array, impl dtype) for nested Python data, NumPy input or tensors, with torch's inference."""
    if isinstance(data, Tensor):
        return _backend.to_numpy(data._array), data._dtype
    if isinstance(data, np.ndarray):
        return data, D.from_numpy_dtype(data.dtype)
    if isinstance(data, np.generic):
        return np.asarray(data), D.from_numpy_dtype(data.dtype)
    if isinstance(data, (list, tuple)):
        try:
            _check_ragged(data, 0)
        except _SequenceAsNumber as e:
            raise _not_a_number(e.value, _nest_dtype(data)) from None
        flat = list(_flatten(data))
        if any(isinstance(x, Tensor) and x.dim() > 0 for x in flat):
            raise ValueError("only one element tensors can be converted to Python scalars")
        vals = [x.item() if isinstance(x, Tensor) else x for x in flat]
        dt = None
        try:
            for x, v in zip(flat, vals):
                d = x._dtype if isinstance(x, Tensor) else _scalar_dtype(v)
                dt = d if dt is None else D.promote_types(dt, d)
        except TypeError:
            first = data
            while isinstance(first, (list, tuple)) and first:
                first = first[0]
            if isinstance(first, str) and first:  # torch sizes the data by its first elements: a str never ends
                raise ValueError("too many dimensions 'str'") from None
            raise
        dt = dt or D.get_default_dtype()
        if dt is D.int64 and any(type(v) is int and not -2 ** 63 <= v < 2 ** 63 for v in vals):
            # past int64: tensor() refuses it unless a dtype is given (tensor([2 ** 64], dtype=float32))
            return np.array(vals, dtype=object).reshape(_shape_of(data)), dt
        with M.errstate():  # [65520.0, half_tensor] is [inf, ...] in torch, without a warning
            arr = np.array(vals, dtype=dt.np).reshape(_shape_of(data))
        return arr, dt
    if isinstance(data, (bool, int, float)):
        return np.array(data), _scalar_dtype(data)
    return np.array(data), _scalar_dtype(data)  # (raises torch's error)


def _scalar_dtype(v: Any) -> D.dtype:
    if isinstance(v, np.ndarray) and not v.ndim:  # (a 0-d array in nested data: its own dtype, as torch reads it)
        return D.from_numpy_dtype(v.dtype)
    if isinstance(v, (bool, np.bool_)):
        return D.bool_
    if isinstance(v, (int, np.integer)):
        return D.int64
    if isinstance(v, (float, np.floating)):
        return D.get_default_dtype()
    if isinstance(v, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(v).__name__}")


def _as_lists(data: Any) -> Any:
    """range objects, at any depth of a nest of lists, as lists: torch's tensor() takes any Python sequence
    (tensor(range(3)), tensor([range(2), range(2)])). Only the first element of each level is looked at:
    nested data is regular or a ragged error either way, and a list of numbers is left as it is."""
    if isinstance(data, range):
        return list(data)
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], (range, list, tuple)):
        return [_as_lists(x) for x in data]
    return data


def _flatten(data: Any):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def _shape_of(data: Any) -> tuple:
    shape = []
    while isinstance(data, (list, tuple)):
        shape.append(len(data))
        if not data:
            break
        data = data[0]
    return tuple(shape)


def _check_ragged(data: Any, dim: int, shape: tuple | None = None, dt: D.dtype | None = None) -> None:
    """Walk nested data depth-first like torch: each element at depth d must be a sequence of shape[d]
    (shape taken from the first elements); with dt, scalars are range-checked in the same order."""
    shape = _shape_of(data) if shape is None else shape
    for x in data:
        is_seq = isinstance(x, (list, tuple))
        if dim + 1 < len(shape):
            if not is_seq:
                raise TypeError("not a sequence")
            if len(x) != shape[dim + 1]:
                raise ValueError(f"expected sequence of length {shape[dim + 1]} at dim {dim + 1} (got {len(x)})")
            _check_ragged(x, dim + 1, shape, dt)
        elif is_seq or isinstance(x, range) or (isinstance(x, np.ndarray) and x.ndim):  # (a 0-d array is a number)
            raise _SequenceAsNumber(x) if dt is None else _not_a_number(x, dt)
        elif dt is not None:
            _check_data([x], dt)


class _SequenceAsNumber(TypeError):
    """A sequence where nested data has a number (tensor([1, [2]])): torch's error names the dtype it
    converts to, known only once the whole nest is scanned (see _infer)."""

    def __init__(self, x: Any) -> None:
        super().__init__(type(x).__name__)
        self.value = x


def _not_a_number(x: Any, dt: D.dtype) -> TypeError:
    """Python's (or NumPy's) error converting sequence x to a number of dtype dt, as torch reports it."""
    if dt.is_floating_point:
        if isinstance(x, np.ndarray):
            return TypeError("only 0-dimensional arrays can be converted to Python scalars")
        return TypeError(f"must be real number, not {type(x).__name__}")
    if isinstance(x, np.ndarray):
        return TypeError("only integer scalar arrays can be converted to a scalar index")
    return TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")


def _nest_dtype(data: Any) -> D.dtype:
    """torch's infer_scalar_type over a nest: every number, in sequences of any kind and at any depth, and
    an array's own dtype."""
    dt = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple, range)):
            stack.extend(x)
            continue
        d = D.from_numpy_dtype(x.dtype) if isinstance(x, np.ndarray) else x._dtype if isinstance(x, Tensor) \
            else _scalar_dtype(x)
        dt = d if dt is None else D.promote_types(dt, d)
    return dt or D.get_default_dtype()


def _check_data(values: Any, dt: D.dtype) -> None:
    """tensor()'s conversion of Python numbers: only integer dtypes are checked (tensor(1e6, dtype=float16)
    is inf), with A.check_fits's rule but the dtype's own name in the message; a Python int outside int64
    fails first, when unpacked."""
    if dt.category != 1:
        return
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool) and not -2 ** 63 <= v < 2 ** 63:
            raise ValueError("Overflow when unpacking long long")
        A.check_fits(v, dt, ctype=dt.name)


@M.export(method=False)
def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    A.check_dtype(dtype, "tensor")
    data = _as_lists(data)
    if dtype is not None and isinstance(data, (list, tuple)):
        _check_ragged(data, 0, dt=D.to_dtype(dtype))  # before inference: torch reports the first problem met
    try:
        arr, dt = _infer(data)
    except (TypeError, RuntimeError) as e:
        if dtype is not None and not isinstance(data, (str, bytes)) and str(e).startswith(
                ("new(): invalid data type", "Could not infer dtype of")):
            # with a dtype, torch converts each element straight to it, with Python's own error
            items = _flatten(data) if isinstance(data, (list, tuple)) else (data,)
            bad = next((type(v).__name__ for v in items
                        if not isinstance(v, (bool, int, float, np.number, np.bool_, Tensor))), None)
            if bad is not None:
                if D.to_dtype(dtype).is_floating_point:
                    raise TypeError(f"must be real number, not {bad}") from None
                raise TypeError(f"'{bad}' object cannot be interpreted as an integer") from None
        raise
    if (dtype is None and dt is D.int64 and arr.dtype.kind in "uO" and isinstance(data, (int, list, tuple))
            and not isinstance(data, bool)):  # inferred int64: each Python int is unpacked as a C long long
        for v in arr.ravel().tolist():
            if isinstance(v, int) and not -2 ** 63 <= v < 2 ** 63:
                raise ValueError("Overflow when unpacking long long")
    if dtype is not None and isinstance(data, (list, tuple)) and dt.is_floating_point and arr.size:
        # torch converts each Python number straight to dtype, not through the inferred (default) float dtype
        # (tensor([0.1], dtype=float64) is 0.1, tensor([5e-324], dtype=float64) is not 0)
        vals = [x.item() if isinstance(x, Tensor) else x for x in _flatten(data)]
        arr = np.array(vals, dtype=object).reshape(arr.shape)
    dt = D.to_dtype(dtype) if dtype is not None else dt
    if dtype is not None and not isinstance(data, (np.ndarray, np.generic, Tensor, list, tuple)):
        _check_data([data], dt)
    xp, dev = _xp(device)
    if isinstance(data, np.ndarray):
        # torch.tensor(ndarray) is from_numpy (negative strides: ValueError) then a preserve_format copy: the
        # array's element strides when dense (an empty array always is), else dense in their order
        if any(s < 0 for s in data.strides):
            raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                             "strides are not currently supported. (You can probably work around this by making a "
                             "copy of your array  with array.copy().) ")
        stride = geo.like_strides(data.shape, tuple(s // data.dtype.itemsize for s in data.strides))
        if stride == geo.contiguous_strides(data.shape):
            stride = geo.contiguous_strides(data.shape)  # (the cached tuple, which ops test with `is` first)
        flat = xp.zeros(geo.storage_extent(data.shape, stride, 0), dtype=dt.np)
        t = Tensor._make(Storage(flat, dev), data.shape, stride, 0, dt)
        if arr.size:
            with M.errstate():
                t._array[...] = _backend.from_host(xp, arr.astype(dt.np, copy=False))  # (CUDA: one copy)
        return t.requires_grad_(True) if requires_grad else t
    with M.errstate():  # tensor(65520.0, dtype=float16) is inf in torch, silently
        out = _backend.from_host(xp, np.array(arr, dtype=dt.np, copy=True))  # tensor() always copies
    return _finish(out, dt, dev, requires_grad)


@M.export(method=False)
def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or D.to_dtype(dtype) is data._dtype) and device is None:
        return data
    if isinstance(data, np.ndarray) and dtype is None and device in (None, "cpu"):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


@M.export(method=False)
def from_numpy(ndarray: Any) -> Tensor:
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dt = D.from_numpy_dtype(ndarray.dtype)
    item = ndarray.dtype.itemsize
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    if any(s % item for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. Copy the numpy array "
                         "to reallocate the memory.")
    strides = tuple(s // item for s in ndarray.strides)
    extent = geo.storage_extent(ndarray.shape, strides, 0)
    # The storage is a flat view over exactly the memory the array spans: writes go both ways.
    flat = np.lib.stride_tricks.as_strided(ndarray, (extent,), (item,)) if extent else np.empty(0, ndarray.dtype)
    if not ndarray.flags.writeable:
        flat = flat.view()
    t = Tensor._make(Storage(flat, as_device("cpu"), resizable=False), ndarray.shape, strides, 0, dt)
    return t


# ---- filled --------------------------------------------------------------------------------------

def _into_out(out: Any, opname: str, make: Any, dtype: Any) -> Tensor:
    """Factory out=: the result takes out's dtype unless dtype= says otherwise; out is resized and returned."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{opname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    dt = D.to_dtype(dtype) if dtype is not None else out._dtype
    if dt is not out._dtype:
        raise RuntimeError(f"dtype {dt!r} does not match dtype of out parameter ({out._dtype!r})")
    r = make(dt)
    return M.write_out(out, r._array, dt, opname, [])


def _filled(size: tuple, fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xp, dev = _xp(device)
    if fill is None or (fill == 0 and type(fill) is int):  # (zeros is NumPy's cheapest factory, in C)
        arr = xp.zeros(size, dtype=dt.np)
    elif xp is np and fill == 1 and type(fill) is int:
        # ones: the commonest fill, exact in every dtype (no overflow to silence); np.full and np.ones are
        # Python-level wrappers of these two calls
        arr = np.empty(size, dt.np)
        arr.fill(1)
    else:
        # np.array(...).astype wraps negative ints into unsigned types like torch (-1 -> 255 for uint8); a
        # float16 fill of one element may overflow to inf (A.check_fits lets it), silently as in torch
        with M.errstate():
            arr = _backend.full(xp, size, np.array(fill).astype(dt.np))
    return _finish(arr, dt, dev, requires_grad)


def _size_arg(opname: str, sizes: tuple, size: Any) -> tuple:
    """A factory's size, given as `*sizes` (zeros(2, 3), zeros((2, 3))) or as the keyword (zeros(size=(2, 3))),
    with the argument parser's errors for both at once and for a keyword that is not a sequence."""
    if size is None:
        return sizes
    if sizes:
        raise TypeError(f"{opname}() got multiple values for argument 'size'")
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"{opname}(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    return (size,)


@M.export(method=False)
def zeros(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          out: Any = None) -> Tensor:
    sizes = _size_arg("zeros", sizes, size)
    if out is not None:
        return _into_out(out, "zeros", lambda dt: zeros(*sizes, dtype=dt, device=out.device), dtype)
    return _filled(_size(sizes, "zeros"), 0, dtype, device, requires_grad)


@M.export(method=False)
def ones(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         out: Any = None) -> Tensor:
    sizes = _size_arg("ones", sizes, size)
    if out is not None:
        return _into_out(out, "ones", lambda dt: ones(*sizes, dtype=dt, device=out.device), dtype)
    return _filled(_size(sizes, "ones"), 1, dtype, device, requires_grad)


@M.export(method=False)
def empty(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          out: Any = None, memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    # Uninitialised in torch; zeros here, so runs stay deterministic.
    return _filled(_size(_size_arg("empty", sizes, size), "empty"), None, dtype, device, requires_grad)


@M.export(method=False)
def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xp, dev = _xp(device)
    flat = xp.zeros(geo.storage_extent(tuple(size), tuple(stride), 0), dtype=dt.np)
    t = Tensor._make(Storage(flat, dev), tuple(size), tuple(stride), 0, dt)
    return t.requires_grad_(True) if requires_grad else t


@M.export(method=False)
def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False, out: Any = None) -> Tensor:
    if not isinstance(fill_value, (bool, int, float, complex, np.generic, Tensor)):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not {type(fill_value).__name__}")
    if out is not None:
        return _into_out(out, "full", lambda dt: full(size, fill_value, dtype=dt, device=out.device), dtype)
    if dtype is None:
        dtype = fill_value.dtype if isinstance(fill_value, Tensor) else _scalar_dtype(fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    shape = _size((size,), "full")
    A.check_fits(fill_value, D.to_dtype(dtype), math.prod(shape))
    return _filled(shape, fill_value, dtype, device, requires_grad)


@M.export(method=False)
def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
        out: Any = None) -> Tensor:
    if out is not None:
        return _into_out(out, "eye", lambda dt: eye(n, m, dtype=dt, device=out.device), dtype)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {min(n, m if m is not None else n)}")
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xp, dev = _xp(device)
    return _finish(xp.eye(n, m if m is not None else n, dtype=dt.np), dt, dev, requires_grad)


_row_major = geo.tuple_contiguous_strides


def _like(input: Tensor, dtype: Any, device: Any) -> tuple:
    return (dtype if dtype is not None else input._dtype), (device if device is not None else input.device)


def _filled_like(input: Tensor, fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    """*_like keep the input's layout when it is dense (torch's preserve_format), else contiguous."""
    dt, dev = _like(input, dtype, device)
    shape = input._shape
    if input._stride is _row_major(shape):  # (a row-major input, the common case: row-major like it)
        return _filled(shape, fill, dt, dev, requires_grad)
    stride = geo.like_strides(shape, input._stride)
    if stride == geo.contiguous_strides(shape):
        return _filled(shape, fill, dt, dev, requires_grad)
    t = empty_strided(input._shape, stride, dtype=dt, device=dev)
    if fill is not None:
        with M.errstate():
            t._array[...] = np.array(fill).astype(t._dtype.np)
    return t.requires_grad_(True) if requires_grad else t


@M.export(method=False)
def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    A.check_dtype(dtype, "zeros_like")
    return _filled_like(input, 0, dtype, device, requires_grad)


@M.export(method=False)
def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    A.check_dtype(dtype, "ones_like")
    return _filled_like(input, 1, dtype, device, requires_grad)


@M.export(method=False)
def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    return _filled_like(input, None, dtype, device, requires_grad)


@M.export(method=False)
def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    A.check_fits(fill_value, D.to_dtype(dtype) if dtype is not None else input._dtype, input.numel())
    return _filled_like(input, fill_value, dtype, device, requires_grad)


@M.export("new_zeros", function=False)
def new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dt, dev = _like(self, dtype, device)
    return _filled(_size(size, "new_zeros"), 0, dt, dev, requires_grad)


@M.export("new_ones", function=False)
def new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dt, dev = _like(self, dtype, device)
    return _filled(_size(size, "new_ones"), 1, dt, dev, requires_grad)


@M.export("new_tensor", function=False)
def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False):
    dt, dev = _like(self, dtype, device)
    return tensor(data, dtype=dt, device=dev, requires_grad=requires_grad)


# ---- ranges --------------------------------------------------------------------------------------

_NUMBER = (int, float, complex, np.number, np.bool_, Tensor)  # (bool is an int)


def _arange_type_error(start: Any, end: Any, step: Any, dtype: Any, device: Any, requires_grad: bool,
                       out: Any) -> TypeError:
    """The parser's error for a start/end/step that is no Number: arange(x) names `end`; otherwise the
    call is listed, worded for positional start, end (and step, when not 1) and the keywords given."""
    kw = {k: v for k, v in (("dtype", dtype), ("device", device), ("out", out)) if v is not None}
    if requires_grad:
        kw["requires_grad"] = requires_grad
    if end is None and step == 1 and not isinstance(start, _NUMBER):
        return A.arg_error("arange", "end", "Number", start, 1 if not kw else None) if not kw else \
            A.invalid_combination("arange", (start,), kw)
    given = (start,) if end is None else (start, end) if (isinstance(step, int) and step == 1) else (start, end, step)
    return A.invalid_combination("arange", given, kw)


@M.export(method=False)
def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False, out: Any = None) -> Tensor:
    for v in (start, end, step):
        if not isinstance(v, _NUMBER) and (v is not None or v is step):
            raise _arange_type_error(start, end, step, dtype, device, requires_grad, out)
    if out is not None:
        return _into_out(out, "arange", lambda dt: arange(start, end, step, dtype=dt, device=out.device), dtype)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in vals[:2]):
        raise RuntimeError(f"unsupported range: {float(vals[0]):g} -> {float(vals[1]):g}")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = D.get_default_dtype() if any(isinstance(v, float) for v in vals) else D.int64
    dt = D.to_dtype(dtype)
    if dt is D.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    xp, dev = _xp(device)
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    if dt.is_floating_point:
        arr = vals[0] + vals[2] * np.arange(n, dtype=np.float64)
    else:  # integer results: torch casts start and step to the integer type first (0.5 -> 0)
        if int(vals[2]) == 0 and dt is D.int64:  # only int64 refuses; narrower ints repeat start
            raise ValueError("step must be nonzero")
        arr = int(vals[0]) + int(vals[2]) * np.arange(n, dtype=np.int64)
    with M.errstate():  # arange(0, 1e6, 5e5, dtype=float16) is [0, inf] in torch, silently (no check)
        arr = arr.astype(dt.np)
    return _finish(xp.asarray(arr), dt, dev, requires_grad)


@M.export(method=False)
def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, out: Any = None) -> Tensor:
    A.check_int(steps, "linspace", "steps")
    if out is not None:
        return _into_out(out, "linspace", lambda dt: linspace(start, end, steps, dtype=dt, device=out.device), dtype)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    if dt is D.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    _check_ends(start, end, steps, dt)
    xp, dev = _xp(device)
    cdt = dt.np.type if dt.is_floating_point else np.float64
    if not dt.is_floating_point:  # integer linspace: torch truncates the ends first, steps in floating point
        start = int(start) if steps >= 1 else 0  # (an end that is not read may be anything: nan, inf)
        end = int(end) if steps >= 2 else start
    i = np.arange(steps)
    with M.errstate():  # float16 ends that fit may still overflow their difference (-60000..60000: nan)
        if steps == 1:
            arr = np.full(1, start, dtype=cdt)
        else:
            # torch fills the first half from start and the second half back from end (symmetric rounding).
            step = (np.asarray(end, cdt) - np.asarray(start, cdt)) / cdt(steps - 1) if steps > 1 else cdt(0)
            half = steps // 2
            arr = np.where(i < half, np.asarray(start, cdt) + step * i.astype(cdt),
                           np.asarray(end, cdt) - step * (steps - i - 1).astype(cdt)).astype(cdt)
        arr = arr.astype(dt.np)
    return _finish(xp.asarray(arr), dt, dev, requires_grad)


def _check_ends(start: Any, end: Any, steps: int, dt: D.dtype) -> None:
    """linspace/logspace convert both ends to dtype (checked); one step is a fill_ of start alone."""
    if steps == 1:
        A.check_fits(start, dt, 1)
    elif steps > 1:
        A.check_fits(start, dt)
        A.check_fits(end, dt)


@M.export(method=False)
def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, out: Any = None) -> Tensor:
    A.check_int(steps, "logspace", "steps")
    if out is not None:
        return _into_out(out, "logspace", lambda dt: logspace(start, end, steps, base, dtype=dt, device=out.device),
                         dtype)
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xp, dev = _xp(device)
    if dt.category == 1 and steps >= 1:
        return _finish(xp.asarray(_int_logspace(start, end, steps, base, dt)), dt, dev, requires_grad)
    if dt is D.bool_ and steps >= 2:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    if steps == 1:  # torch: fill_(base ** start), the power in double
        A.check_fits(_power(base, start), dt, 1)
    else:
        _check_ends(start, end, steps, dt)
    lin = linspace(start, end, steps, dtype=D.float64)
    with M.errstate():
        arr = np.power(np.float64(base), _backend.to_numpy(lin._array)).astype(dt.np)
    return _finish(xp.asarray(arr), dt, dev, requires_grad)


def _power(base: Any, start: Any) -> float:
    with M.errstate():
        return float(np.power(np.float64(base), np.float64(start)))


def _int_logspace(start: Any, end: Any, steps: int, base: float, dt: D.dtype) -> np.ndarray:
    """torch's integer logspace kernel: start/end converted to the dtype (range-checked, truncated), the base
    as a float32, base ** (start + step * i) from each end (halfway like linspace), each power converted
    to the dtype as C converts a double (out of range or nan: INT_MIN, small types through int32).  One
    step is a fill_ of base ** start."""
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    with np.errstate(all="ignore"):
        if steps == 1:
            val = _power(base, start)
            A.check_fits(val, dt, 1)
            return np.array([int(val)]).astype(dt.np)
        _check_ends(start, end, steps, dt)
        s, e = (int(np.array(int(v)).astype(dt.np)) for v in (start, end))
        step = (e - s) / (steps - 1)
        i = np.arange(steps)
        expo = np.where(i < steps // 2, s + step * i, e - step * (steps - i - 1))
        vals = np.power(np.float64(np.float32(base)), expo)
        return vals.astype(np.int64) if dt is D.int64 else vals.astype(np.int32).astype(dt.np)
