"""out= dtype rule for ops whose out tensor must already have the result dtype (no casting).

Many torch kernels (index_select, gather, clamp, addmm, ...) reject an out= of another dtype instead of
casting into it like TensorIterator ops do; they call this before anything is computed or written."""
from __future__ import annotations

from typing import Any

from .. import dtypes as D
from ..tensor import Tensor, same_storage

_C_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "uint8": "unsigned char",
            "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def exact_out(out: Any, dtype: D.dtype) -> None:
    if out is None:
        return
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if out._dtype is not dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_C_NAMES[dtype.name]}, but got "
                           f"{_C_NAMES[out._dtype.name]} instead")


_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
            "memory location. Please clone() the tensor before performing the operation.")


def _dense(t: Tensor) -> bool:
    """torch's is_non_overlapping_and_dense."""
    dims = sorted((st, sz) for sz, st in zip(t._shape, t._stride) if sz != 1)
    expected = 1
    for st, sz in dims:
        if st != expected:
            return False
        expected *= sz
    return True


def _overlap(a: Tensor, b: Tensor) -> bool:
    """torch's get_overlap_status(a, b) in (Full, Partial): same tensor, or overlapping dense memory ranges."""
    if a is b:
        return True
    if a.numel() == 0 or b.numel() == 0:
        return False
    if not same_storage(a, b):
        return False
    if not _dense(a) or not _dense(b):
        return False  # torch: TooHard, not reported
    a0, b0 = a._offset, b._offset
    return a0 < b0 + b.numel() and b0 < a0 + a.numel()


def no_overlap(written: Any, *inputs: Any) -> None:
    """torch's assert_no_overlap between the tensor an op writes (out= or an in-place self) and its inputs."""
    if not isinstance(written, Tensor):
        return
    for t in inputs:
        if isinstance(t, Tensor) and _overlap(written, t):
            raise RuntimeError(_OVERLAP)
