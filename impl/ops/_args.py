"""Checks of plain (non-tensor) arguments: a value of the wrong Python type is torch's TypeError,
with a message naming the op and the argument (the op would otherwise fail later, with an
AttributeError or a wrong result)."""
from __future__ import annotations

import math
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


def int_list_error(value: Any, opname: str, argname: str = "dim") -> TypeError:
    """torch's argument-parser error for a `tuple of ints` argument (sum's dim) given something else: a
    non-int scalar, or a sequence with a non-int element (the first element is checked on its own).
    The wording is that of a keyword argument: the "(position N)" torch adds when the argument came
    positionally is not known here."""
    what = f"{opname}(): argument '{argname}'"
    if not isinstance(value, (list, tuple)):
        return TypeError(f"{what} must be tuple of ints, not {type(value).__name__}")
    for i, v in enumerate(value):
        if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            continue
        if i == 0:  # (given positionally, torch says "but found element of type float at pos 0")
            return TypeError(f"{what} must be tuple of ints, not {type(value).__name__}")
        return TypeError(f'{what} failed to unpack the object at pos {i + 1} with error "type must be tuple of '
                         f'ints,but got {type(v).__name__}"')
    return TypeError(f"{what} must be tuple of ints, not {type(value).__name__}")


def check_dtype(x: Any, opname: str, argname: str = "dtype") -> Any:
    """A dtype= argument: None or an impl dtype (a str such as 'float32' is torch's TypeError)."""
    if x is None or isinstance(x, D.dtype):
        return x
    raise TypeError(f"{opname}(): argument '{argname}' must be torch.dtype, not {type(x).__name__}")


# ---- Python numbers converted to a tensor's dtype (c10::checked_convert) ------------------------------

# torch's rule (c10::overflows), measured in torch 2.13: a bool always fits; an int must lie in the dtype's
# range, except that an unsigned type also takes -max..-1 (two's complement: uint8 takes -255, -129 is
# 127); a float must lie in [lowest, max] (uint8 refuses -0.5 and 255.5, float16 65504.5), and nan or inf
# fit floating types only; float64 and bool take anything.  The failure is RuntimeError "value cannot be
# converted to type <C++ name> without overflow".  Before that, the argument parser refuses a Python int
# outside [-2**63, 2**64) (OverflowError), and a value in [2**63, 2**64) is a uint64 that int64 refuses.
# Which ops check, and against which dtype, is the callers' business (see check_fits's doc).
_CTYPE = {"float16": "c10::Half", "float32": "float", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t",
          "int32": "int", "int64": "int64_t"}
_LIMITS = {name: (float(np.finfo(name).min), float(np.finfo(name).max)) for name in ("float16", "float32")} | \
    {name: (int(np.iinfo(name).min), int(np.iinfo(name).max)) for name in ("uint8", "int8", "int16", "int32",
                                                                           "int64")}


def check_scalar_int(value: Any) -> None:
    """torch's argument parser takes a Python int as an int64 or a uint64 Scalar, nothing wider."""
    if type(value) is int and not -2 ** 63 <= value < 2 ** 64:
        raise OverflowError("int too big to convert" if value > 0 else "can't convert negative int to unsigned")


def check_fits(value: Any, dt: D.dtype, numel: int = -1, ctype: str | None = None) -> None:
    """Raise torch's error when the Python number `value` does not fit `dt` (the rule above).

    Callers pass the dtype torch converts to: the tensor's for fill_/full/masked_fill/scatter/index_add,
    the result dtype for clamp bounds, add/sub's alpha and pow's exponent, float32 for a float16 op that
    computes in float32 (addcmul/addcdiv value, addmm alpha/beta).  `numel` marks a fill of that many
    elements (fill_, full, linspace, scalar_tensor for where/setitem: numel=1): torch's one-element fill
    converts to float16 unchecked, so full((1,), 1e6, dtype=float16) is inf but full((2,), ...) raises.
    `ctype` replaces the C++ type name in the message (tensor() says "int8", not "int8_t")."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return
    check_scalar_int(value)
    name = dt.name
    lim = _LIMITS.get(name)
    if lim is None or (numel == 1 and dt is D.float16):
        return
    lo, hi = lim
    if isinstance(value, (int, np.integer)):
        v = int(value)
        bad = v > hi or (v < -hi if lo == 0 else v < lo)
    else:
        v = float(value)
        if v != v or v in (math.inf, -math.inf):
            bad = dt.category == 1
        else:  # compared in double, as C++ does: 2.0 ** 63 passes for int64 (and converts to -2 ** 63)
            bad = v < float(lo) or v > float(hi)
    if bad:
        raise RuntimeError(f"value cannot be converted to type {ctype or _CTYPE[name]} without overflow")


# ---- torch's Python argument parser: the messages of a call it cannot bind ----------------------------
#
# torch's parser (python_arg_parser.cpp) tries each overload of an op.  When exactly one overload takes
# the call's count of arguments and keywords, its error names the argument: "add(): argument 'other'
# (position 2) must be Tensor, not list" ("(position N)" only for a positional argument; N counts from 1
# and, for a Tensor method, without self).  Otherwise it lists the call and the overloads: "clamp()
# received an invalid combination of arguments - got (Tensor, min=str), but expected one of:" then one
# " * (<signature>)" line per overload.  The helpers below format both; the callers know which applies.
# An impl op is one Python function for torch.op(x, ...) and x.op(...) and cannot tell a keyword from a
# positional argument, so callers word the usual call (said at each); in-place ops are methods only.

_PARSER_NAMES = {"dtype": "torch.dtype", "device": "torch.device", "Generator": "torch._C.Generator",
                 "Size": "torch.Size", "layout": "torch.layout", "memory_format": "torch.memory_format"}


def type_name(value: Any) -> str:
    """The parser's name for a value's type: Tensor, int, list, NoneType, torch.dtype, numpy.float64."""
    t = type(value)
    if t.__name__ in ("Tensor", "Parameter"):
        return "Tensor"
    if t.__module__ == "numpy":
        return f"numpy.{t.__name__}"
    return _PARSER_NAMES.get(t.__name__, t.__name__) if t.__module__.startswith("impl") else t.__name__


_FACTORY_KW = "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory " \
    "= False, bool requires_grad = False"
_OUT_KW = f"*, Tensor out = None, {_FACTORY_KW}"
_RAND = (f"tuple of ints size, *, torch.Generator generator, Tensor out = None, {_FACTORY_KW}",
         f"tuple of ints size, {_OUT_KW}")
SIGNATURES: dict[str, tuple[str, ...]] = {
    "rand": _RAND, "randn": _RAND,
    "arange": (f"Number end, {_OUT_KW}", f"Number start, Number end, *, {_FACTORY_KW}",
               f"Number start, Number end, Number step = 1, {_OUT_KW}"),
    "sum": ("Tensor input, *, torch.dtype dtype = None",
            "Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None"),
    "clamp": ("Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None",
              "Tensor input, Number min = None, Number max = None, *, Tensor out = None"),
    "pow": ("Tensor input, Tensor exponent, *, Tensor out = None", "Number self, Tensor exponent, *, Tensor out = None",
            "Tensor input, Number exponent, *, Tensor out = None"),
    "scatter": ("Tensor input, int dim, Tensor index, Tensor src, *, Tensor out = None",
                "Tensor input, int dim, Tensor index, Tensor src, *, str reduce, Tensor out = None",
                "Tensor input, int dim, Tensor index, Number value, *, Tensor out = None",
                "Tensor input, int dim, Tensor index, Number value, *, str reduce, Tensor out = None"),
    "clamp_": ("Tensor min = None, Tensor max = None", "Number min = None, Number max = None"),
    "clamp_min": ("Tensor input, Tensor min, *, Tensor out = None", "Tensor input, Number min, *, Tensor out = None"),
    "clamp_max": ("Tensor input, Tensor max, *, Tensor out = None", "Tensor input, Number max, *, Tensor out = None"),
} | {op: ("Tensor input, Tensor other, *, Tensor out = None", "Tensor input, Number other, *, Tensor out = None")
     for op in ("eq", "ne", "lt", "le", "gt", "ge")}


NUMBER_TYPES = (bool, int, float, np.bool_, np.integer, np.floating)  # what the parser takes as a real Number


def invalid_combination(opname: str, args: tuple = (), kwargs: dict | None = None) -> TypeError:
    """The parser's "received an invalid combination of arguments" TypeError for a call of `opname` with
    these positional `args` (a method's without self) and keyword `kwargs`, in the order given (torch
    lists the keywords last to first; with no positional argument each keyword is followed by ", ").  The
    overloads come from SIGNATURES where the op is there (else the message stops after the first line);
    torch's "didn't match because ..." lines (some overloads, some calls) are not reproduced."""
    kw = [f"{k}={type_name(v)}" for k, v in reversed(list((kwargs or {}).items()))]
    got = ", ".join([type_name(a) for a in args] + kw) if args else "".join(k + ", " for k in kw)
    sigs = "".join(f" * ({s})\n" for s in SIGNATURES.get(opname, ()))
    return TypeError(f"{opname}() received an invalid combination of arguments - got ({got}), but expected one "
                     f"of:\n{sigs}")


def arg_error(opname: str, argname: str, expected: str, value: Any, position: int | None = None) -> TypeError:
    """The parser's TypeError for one argument of the wrong type: "select(): argument 'index' (position 3)
    must be int, not float" (`position` None: the argument was given as a keyword)."""
    pos = f" (position {position})" if position else ""
    return TypeError(f"{opname}(): argument '{argname}'{pos} must be {expected}, not {type_name(value)}")
