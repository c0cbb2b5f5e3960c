"""out= dtype rule for ops whose out tensor must already have the result dtype (no casting).

Many torch kernels (index_select, gather, clamp, addmm, ...) reject an out= of another dtype instead of
casting into it like TensorIterator ops do; they call this before anything is computed or written."""
from __future__ import annotations

from typing import Any

from .. import dtypes as D
from ..tensor import Tensor

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
