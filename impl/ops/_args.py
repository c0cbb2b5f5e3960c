"""Checks of plain (non-tensor) arguments: a value of the wrong Python type is torch's TypeError,
with a message naming the op and the argument (the op would otherwise fail later, with an
AttributeError or a wrong result)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as D


def check_int(x: Any, opname: str, argname: str) -> int:
    """An int argument (k, diagonal, a dim...): anything else is torch's TypeError, naming it."""
    if isinstance(x, (int, np.integer)):
        return int(x)
    raise TypeError(f"{opname}(): argument '{argname}' must be int, not {type(x).__name__}")


def check_bool(x: Any, opname: str, argname: str) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    raise TypeError(f"{opname}(): argument '{argname}' must be bool, not {type(x).__name__}")


def check_number(x: Any, opname: str, argname: str) -> Any:
    """A Python number argument (a bound, a std, a fill value): a str is torch's TypeError, not float("1")."""
    if isinstance(x, (bool, int, float, complex, np.generic)):
        return x
    raise TypeError(f"{opname}(): argument '{argname}' must be float, not {type(x).__name__}")


def check_dims(dim: Any, opname: str) -> Any:
    """dim= of a reduction: None, an int, or a sequence of ints (a float is torch's TypeError)."""
    items = dim if isinstance(dim, (tuple, list)) else (() if dim is None else (dim,))
    for d in items:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"{opname}(): argument 'dim' must be int or tuple of ints, not {type(d).__name__}")
    return dim


def check_dtype(x: Any, opname: str, argname: str = "dtype") -> Any:
    """A dtype= argument: None or an impl dtype (a str such as 'float32' is torch's TypeError)."""
    if x is None or isinstance(x, D.dtype):
        return x
    raise TypeError(f"{opname}(): argument '{argname}' must be torch.dtype, not {type(x).__name__}")
