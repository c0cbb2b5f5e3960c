"""Tensor: a strided view (shape, strides, offset) onto a Storage, plus dtype, device and autograd metadata.

Ops live in impl/ops and are attached to this class there; this module holds only the tensor model:
geometry, the NumPy bridge, conversion, and the autograd attributes.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _backend, _geometry as geo, dtypes as D
from ._storage import Storage, UntypedStorage, VersionCounter
from ._types import CPU, Size, as_device, device


_new = object.__new__


def _construct(cls: type, storage: Storage, shape: tuple, stride: tuple, offset: int, dtype: D.dtype,
               vc: VersionCounter | None = None) -> Tensor:
    """A tensor of class `cls` viewing `storage` with this geometry; no history, no gradient."""
    t = _new(cls)
    t._st = storage
    t._device = storage.device
    # callers almost always pass tuples already; tuple() of a tuple is cheap but not free on every op
    t._shape = shape if type(shape) is tuple else tuple(shape)
    t._stride = stride if type(stride) is tuple else tuple(stride)
    t._offset = offset
    t._dtype = dtype
    # The version counter is made on first need (_counter): most results are never viewed, saved for
    # backward or written in place, and an object per op is measurable on tiny tensors
    t._vc = vc
    t._arr = None
    t._arr_of = None  # the storage's array when _arr was built (resize_ can replace it: then _arr is stale)
    t._requires_grad = False
    t._grad_fn = None
    t._base = None
    return t


def wrap_array(arr: Any, dtype: D.dtype | None = None, dev: device | None = None) -> Tensor:
    """A new tensor owning a contiguous copy of (or, if already contiguous, the memory of) `arr`."""
    if type(arr) is np.ndarray:
        # the fast path every CPU op result takes: a fresh NumPy array, usually already contiguous
        npd = arr.dtype
        if dtype is None:
            dtype = D.from_numpy_dtype(npd)
        elif npd is not dtype.np and npd != dtype.np:
            arr = arr.astype(dtype.np)
        if not arr.flags.c_contiguous:
            arr = np.asarray(arr, order="C")
        return fresh_result(arr, dtype, dev or CPU)
    xp = _backend.module_of(arr)
    dtype = dtype or D.from_numpy_dtype(arr.dtype)
    if arr.dtype != dtype.np:
        arr = arr.astype(dtype.np)
    if not arr.flags.c_contiguous:
        arr = xp.asarray(arr, order="C")  # (ascontiguousarray would turn 0-d into 1-d)
    elif not isinstance(arr, xp.ndarray):  # a NumPy scalar from a full reduction
        arr = xp.asarray(arr)
    return fresh_result(arr, dtype, dev or (CPU if xp is np else as_device("cuda")))


_row_major = geo.tuple_contiguous_strides


def fresh_result(arr: Any, dtype: D.dtype, dev: device, shape: tuple | None = None,
                 stride: tuple | None = None) -> Tensor:
    """A tensor owning `arr`, a fresh C-contiguous backend array already of `dtype` (what an op computed).

    The lean end of every op: no storage object until one is needed (see Tensor._storage) and row-major
    strides from the cache; wrap_array checks and converts before coming here. A caller that already holds
    arr's shape and its row-major strides passes them (a lookup less on the tiniest ops)."""
    t = _new(Tensor)
    t._st = None
    t._device = dev
    if shape is None:
        shape = arr.shape
        stride = _row_major(shape)
    t._shape = shape
    t._stride = stride
    t._offset = 0
    t._dtype = dtype
    t._arr = t._arr_of = arr
    t._vc = None
    t._requires_grad = False
    t._grad_fn = None
    t._base = None
    return t


def _size_dim_error(name: str, dim: Any, shape: tuple) -> Exception | None:
    """torch's error for size(dim)/stride(dim) with a bad dim: the argument parser's TypeError (worded
    for a positional dim, the usual call), or any dim of a 0-d tensor; None: wrap_dim's own error."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        return TypeError(f"{name}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    if not shape:
        return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return None


class Tensor:
    # What every tensor sets (geometry, the array cache, what each op reads for autograd); _st is None
    # until the storage object is needed (see _storage).
    __slots__ = ("_st", "_device", "_shape", "_stride", "_offset", "_dtype", "_arr", "_arr_of",
                 "_requires_grad", "_grad_fn", "_base", "_vc", "__weakref__", "__dict__")
    # What only some tensors set (graph outputs, leaves with a gradient, views with history) lives in the
    # instance dict; these class attributes are its defaults, so a plain op result sets none of them
    # (torch likewise keeps such metadata in an AutogradMeta that plain tensors do not have).
    _output_nr = 0
    _grad = None
    _retains_grad = False
    _accumulate = None
    _is_param = False
    _bgf = None  # the base's grad_fn when this view's history was made (detects stale views)

    # ---- construction -------------------------------------------------------------------------
    def __init__(self, *args: Any, device: Any = None):
        """Legacy constructor: Tensor(2, 3) is uninitialised float, Tensor([1, 2]) holds data."""
        from .ops import creation

        dt = D.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            src = args[0]
            if isinstance(src, (float, bool)):
                raise TypeError(f"new(): data must be a sequence (got {type(src).__name__})")
            t = creation.tensor(src, dtype=dt, device=device) if not isinstance(src, Tensor) else src
            _init_alias(self, t)
            return
        size = args[0] if len(args) == 1 and isinstance(args[0], Size) else (args or (0,))
        _init_alias(self, creation.empty(*size, dtype=dt, device=device))

    # the module functions above; hot paths call them directly (no bound method to make per call)
    _make = classmethod(_construct)
    _wrap = staticmethod(wrap_array)

    # ---- memory -------------------------------------------------------------------------------
    @property
    def _storage(self) -> Storage:
        """The memory this tensor views, shared with its views. An op's result has none until a view, an
        identity check or a resize asks: its array is its memory until then, and an object per op is
        measurable on tiny tensors."""
        s = self._st
        if s is None:
            s = self._st = Storage.over(self._arr_of, self._device)
        return s

    @property
    def _array(self) -> Any:
        """An ndarray sharing this tensor's memory with its exact geometry (cached; geometry is fixed)."""
        a = self._arr
        st = self._st
        if a is not None and (st is None or self._arr_of is st.array):
            return a
        # (no cache yet, or a view of storage that resize_ has since grown: rebuild)
        st = self._storage
        a = self._arr = _backend.strided_view(st.data, self._shape, self._stride, self._offset)
        self._arr_of = st.array
        return a

    @property
    def _xp(self):
        return _backend.array_module(self._device.type)

    # ---- attributes ---------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._shape)
        try:
            return self._shape[geo.wrap_dim(dim, len(self._shape))]
        except (TypeError, IndexError) as e:
            raise _size_dim_error("size", dim, self._shape) or e from None

    @property
    def dtype(self) -> D.dtype:
        return self._dtype

    @property
    def device(self) -> device:
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def dim(self) -> int:
        return len(self._shape)

    ndimension = dim

    def numel(self) -> int:
        return geo.prod(self._shape)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    def stride(self, dim: int | None = None):
        if dim is None:
            return self._stride
        try:
            return self._stride[geo.wrap_dim(dim, len(self._shape))]
        except (TypeError, IndexError) as e:
            raise _size_dim_error("stride", dim, self._shape) or e from None

    def storage_offset(self) -> int:
        return self._offset

    def is_contiguous(self, memory_format: Any = None) -> bool:
        return geo.is_contiguous(self._shape, self._stride)

    def data_ptr(self) -> int:
        if not geo.prod(self._shape):
            return 0  # torch: an empty tensor has no data pointer
        return _backend.data_ptr(self._storage.data) + self._offset * self._dtype.itemsize

    def untyped_storage(self) -> UntypedStorage:
        return UntypedStorage(self._storage)

    def _counter(self) -> VersionCounter:
        """The version counter, made on first need; views and detach() share it, so they ask for it here."""
        vc = self._vc
        if vc is None:
            vc = self._vc = VersionCounter()
        return vc

    @property
    def _version(self) -> int:
        vc = self._vc
        return 0 if vc is None else vc.version

    def _bump(self) -> None:
        self._counter().version += 1

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return False

    def type(self, dtype: Any = None, non_blocking: bool = False):
        if dtype is None:
            prefix = "torch.cuda." if self.is_cuda else "torch."
            return prefix + self._dtype.legacy
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            matches = [d for d in D.ALL if d.legacy == name]
            if not matches:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = matches[0]
        return self.to(dtype)

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __hash__(self) -> int:
        return id(self)

    # ---- Python scalars and NumPy -------------------------------------------------------------
    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return _backend.to_numpy(self._array).reshape(-1)[0].item()

    def tolist(self):
        return _backend.to_numpy(self._array).tolist()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def _scalar(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __index__(self) -> int:
        if self._dtype.category != 1 or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def numpy(self, force: bool = False) -> np.ndarray:
        if self.is_cuda:
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                            "tensor to host memory first.")
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        a = self._array
        if a.size == 0:  # torch's array of an empty tensor has all-zero strides
            return np.lib.stride_tricks.as_strided(a, a.shape, (0,) * a.ndim)
        return a.view()  # a new ndarray object on each call, sharing memory, like torch

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = _backend.to_numpy(self._array)
        return a if dtype is None else a.astype(dtype)

    # ---- conversion ---------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, (str, device)):
                dev = a
            else:
                raise TypeError(f"to() received an invalid combination of arguments - got {type(a).__name__}")
        from .ops import copying

        return copying.convert(self, dtype=dtype, device=dev, copy=copy)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "Tensor":
        return self.to(device if device is not None else "cuda")

    def float(self) -> "Tensor":
        return self.to(D.float32)

    def double(self) -> "Tensor":
        return self.to(D.float64)

    def half(self) -> "Tensor":
        return self.to(D.float16)

    def int(self) -> "Tensor":
        return self.to(D.int32)

    def long(self) -> "Tensor":
        return self.to(D.int64)

    def short(self) -> "Tensor":
        return self.to(D.int16)

    def char(self) -> "Tensor":
        return self.to(D.int8)

    def byte(self) -> "Tensor":
        return self.to(D.uint8)

    def bool(self) -> "Tensor":
        return self.to(D.bool_)

    # ---- autograd attributes ------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        if self._base is not None:
            _sync_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if flag and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad_fn(self):
        if self._base is not None:
            _sync_view(self)
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more information.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, g: "Tensor | None") -> None:
        if g is not None:
            if not isinstance(g, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(g).__name__}")
            if g._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if g._shape != self._shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = g

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None:
            self._retains_grad = True
            self._grad_fn._retain(self._output_nr, self)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        from .autograd import engine

        engine.backward([self], [gradient], retain_graph=retain_graph, create_graph=create_graph,
                        inputs=inputs)

    @property
    def data(self) -> "Tensor":
        # Shares memory but not the version counter, so writes through .data are invisible to autograd.
        return Tensor._make(self._storage, self._shape, self._stride, self._offset, self._dtype)

    @data.setter
    def data(self, other: "Tensor") -> None:
        _set_geometry(self, other._storage, other._shape, other._stride, other._offset, other._dtype)

    def detach(self) -> "Tensor":
        # A view with no history that shares the version counter (torch's detach is a view).
        return Tensor._make(self._storage, self._shape, self._stride, self._offset, self._dtype, self._counter())

    def detach_(self) -> "Tensor":
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               "DistributedDataParallel (DDP) for training, ...")
        self._grad_fn = None
        self._requires_grad = False
        return self

    # ---- printing -----------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents: Any = None) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self.dim() == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)


def _sync_view(t: Tensor) -> None:
    from .autograd.graph import sync_view

    sync_view(t)


def _set_geometry(t: Tensor, storage: Storage, shape: tuple, stride: tuple, offset: int, dtype: D.dtype) -> None:
    t._st, t._device = storage, storage.device
    t._shape, t._stride, t._offset, t._dtype = tuple(shape), tuple(stride), offset, dtype
    t._arr = None


def _init_alias(self: Tensor, src: Tensor) -> None:
    """Initialise `self` (made by the legacy constructor) as an alias of `src`'s memory."""
    fresh = Tensor._make(src._storage, src._shape, src._stride, src._offset, src._dtype)
    for name in Tensor.__slots__:
        if name not in ("__weakref__", "__dict__"):
            object.__setattr__(self, name, getattr(fresh, name))
    vars(self).update(vars(fresh))


def same_storage(a: Tensor, b: Tensor) -> bool:
    """Whether two tensors view one storage, without making storage objects to find out: a tensor that has
    none yet shares its memory with no other tensor."""
    return a is b or (a._st is not None and a._st is b._st)
