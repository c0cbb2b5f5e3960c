"""Storage (a flat 1-D array shared by views) and the version counter shared by a view family."""
from __future__ import annotations

from typing import Any

from . import _backend


class Storage:
    """The memory a family of views shares. `array` is the C-contiguous array it was made from (any shape:
    an op's result keeps its own shape); `data`, the flat 1-D view of it that strided views index, is made
    on first need, since most op results are never viewed and a reshape per result is measurable."""

    __slots__ = ("array", "_flat", "device", "resizable")

    def __init__(self, data: Any, device: Any, resizable: bool = True):
        self.array = self._flat = data  # flat 1-D NumPy or CuPy array
        self.device = device
        self.resizable = resizable  # False for memory borrowed from NumPy (from_numpy), like torch

    @classmethod
    def over(cls, arr: Any, device: Any) -> "Storage":
        """A resizable storage made from a C-contiguous array of any shape (an op's result)."""
        s = object.__new__(cls)
        s.array = arr
        s._flat = None
        s.device = device
        s.resizable = True
        return s

    @property
    def data(self) -> Any:
        flat = self._flat
        if flat is None:
            arr = self.array
            if not arr.flags.c_contiguous:  # reshape would copy: views would stop sharing memory
                raise AssertionError("impl internal error: a storage made from a non-contiguous array")
            flat = self._flat = arr.reshape(-1)
        return flat

    @data.setter
    def data(self, flat: Any) -> None:
        # resize_ replaces the memory: tensors whose cached array was built on the old one rebuild it
        self.array = self._flat = flat


class UntypedStorage:
    """What Tensor.untyped_storage() returns: enough to tell whether two tensors share memory."""

    __slots__ = ("_s",)

    def __init__(self, s: Storage):
        self._s = s

    def data_ptr(self) -> int:
        if not self._s.data.nbytes:
            return 0  # torch: an empty storage has no data pointer
        return _backend.data_ptr(self._s.data)

    def nbytes(self) -> int:
        return int(self._s.data.nbytes)

    def size(self) -> int:
        return self.nbytes()

    @property
    def device(self):
        return self._s.device


class VersionCounter:
    """Bumped by every in-place write; saved tensors remember it so backward can detect modification."""

    __slots__ = ("version",)

    def __init__(self) -> None:
        self.version = 0
