"""Storage (a flat 1-D array shared by views) and the version counter shared by a view family."""
from __future__ import annotations

from typing import Any

from . import _backend


class Storage:
    __slots__ = ("data", "device", "resizable")

    def __init__(self, data: Any, device: Any, resizable: bool = True):
        self.data = data  # flat 1-D NumPy or CuPy array
        self.device = device
        self.resizable = resizable  # False for memory borrowed from NumPy (from_numpy), like torch


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
