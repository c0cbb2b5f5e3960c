"""impl: a from-scratch tensor library with PyTorch's API on NumPy (CPU) and CuPy (GPU).

`import impl as torch` runs PyTorch code. This module only re-exports.
"""
from . import autograd, cuda, dtypes as _dtypes
from ._types import Size, device, get_default_device, set_default_device
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled, inference_mode
from .dtypes import (bool_ as bool, float16, float32, float64, get_default_dtype, int8, int16, int32, int64,
                     promote_types, set_default_dtype, uint8, can_cast, result_type, dtype)
from .legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
                     LongTensor, ShortTensor)
from .tensor import Tensor
from . import ops as _ops

half, float, double, short, int, long = float16, float32, float64, int16, int32, int64


def _tensor_first(name, fn):
    """impl.<name>(input, ...): a str, a list or None as `input` is a TypeError naming the argument, as in
    torch (the op itself would fail later with an AttributeError).  Numbers pass: torch.pow(2, x) is legal."""
    import functools

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        if args and isinstance(args[0], (str, list, tuple, dict, type(None))):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(args[0]).__name__}")
        return fn(*args, **kwargs)

    return checked


def _wrap_functions(table):
    import inspect

    out = {}
    for name, fn in table.items():
        try:
            first = next(iter(inspect.signature(fn).parameters), None)
        except (TypeError, ValueError):
            first = None
        # (an op that checks its input itself is not wrapped: a wrapper per call costs ~0.4 us on tiny tensors)
        wrap = first in ("input", "self") and not getattr(fn, "checks_input", False)
        out[name] = _tensor_first(name, fn) if wrap else fn
    return out


globals().update(_wrap_functions(_ops.FUNCTIONS))
from . import linalg, nn, optim, return_types  # noqa: E402  (namespaces built on the ops above)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.numel()


def broadcast_shapes(*shapes):
    from ._geometry import broadcast_shapes as _b

    return Size(_b(*shapes))


__version__ = "0.1.0"

# memory formats are plain names here; clone()/contiguous() accept them
contiguous_format, preserve_format = "contiguous_format", "preserve_format"
