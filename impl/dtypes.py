"""dtype objects with torch's names, aliases, legacy type strings, and torch's type-promotion rules."""
from __future__ import annotations

from typing import Any

import numpy as np


class dtype:
    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_signed", "legacy", "category")

    def __init__(self, name: str, np_dtype: Any, legacy: str, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in "fi"
        self.legacy = legacy
        self.category = category  # 0 bool, 1 integer, 2 floating: the order promotion respects

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        # torch's spelling, so that printed programs match torch's output verbatim.
        return "torch." + self.name

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, "BoolTensor", 0)
uint8 = dtype("uint8", np.uint8, "ByteTensor", 1)
int8 = dtype("int8", np.int8, "CharTensor", 1)
int16 = dtype("int16", np.int16, "ShortTensor", 1)
int32 = dtype("int32", np.int32, "IntTensor", 1)
int64 = dtype("int64", np.int64, "LongTensor", 1)
float16 = dtype("float16", np.float16, "HalfTensor", 2)
float32 = dtype("float32", np.float32, "FloatTensor", 2)
float64 = dtype("float64", np.float64, "DoubleTensor", 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16, "int": int32, "long": int64,
           "bool": bool_}
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL} | ALIASES

_default = [float32]


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_numpy_dtype(npd: Any) -> dtype:
    try:
        return _BY_NP[np.dtype(npd)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(npd).name}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(d: Any) -> dtype:
    """Accept an impl dtype, a name ('float32'), a Python type or a NumPy dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d.removeprefix("torch.") in _BY_NAME:
        return _BY_NAME[d.removeprefix("torch.")]
    try:
        return from_numpy_dtype(d)
    except TypeError:
        raise TypeError(f"dtype must be a torch.dtype, got {d!r}") from None


_INT_RANK = {int8: 1, int16: 2, int32: 3, int64: 4}


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types for the supported dtypes (not NumPy's table: int64 + float16 -> float16)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == 2:
        return a if a.itemsize > b.itemsize else b
    if a is uint8 or b is uint8:  # uint8 with a signed type needs the next wider signed type
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if _INT_RANK[a] > _INT_RANK[b] else b


def _scalar_dtype(x: Any) -> dtype:
    if isinstance(x, (bool, np.bool_)):
        return bool_
    if isinstance(x, (int, np.integer)):
        return int64
    if isinstance(x, (float, np.floating)):
        return get_default_dtype()
    raise TypeError(f"unsupported scalar type {type(x).__name__}")


def result_type(*operands: Any) -> dtype:
    """torch.result_type: dimensioned tensors > 0-dim tensors > Python scalars; a weaker class only
    counts when its category is higher (ResultTypeState in torch's TypeProperties.cpp)."""
    if len(operands) == 2:  # fast path: two dimensioned tensors of one dtype
        a, b = operands
        da, db = getattr(a, "_dtype", None), getattr(b, "_dtype", None)
        if da is not None and da is db and a._shape and b._shape:
            return da
    dim_r = zero_r = wrapped_r = None
    for o in operands:
        if o is None:
            continue
        d = getattr(o, "dtype", None)
        if isinstance(d, dtype):
            if o.dim() > 0:
                dim_r = d if dim_r is None else promote_types(dim_r, d)
            else:
                zero_r = d if zero_r is None else promote_types(zero_r, d)
        else:
            s = _scalar_dtype(o)
            wrapped_r = s if wrapped_r is None else promote_types(wrapped_r, s)
    return _combine(dim_r, _combine(zero_r, wrapped_r))


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.category >= 2:
        return higher
    if higher is bool_ or lower.category > higher.category:
        return promote_types(higher, lower)
    return higher


def can_cast(from_: dtype, to: dtype) -> bool:
    """torch.can_cast: no float -> integer, no non-bool -> bool."""
    if from_.category == 2 and to.category < 2:
        return False
    if from_.category > 0 and to.category == 0:
        return False
    return True


def type_name(d: dtype) -> str:
    """Capitalised name used in torch's messages ('Float', 'Long')."""
    return {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte", "int8": "Char",
            "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}[d.name]
