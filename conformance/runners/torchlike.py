"""Runner for torch and for any torch-compatible module (the library under test)."""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from .. import dtypes as dt
from .. import layouts
import builtins

from ..strategies import OMIT, Device, DType, Example, NdArray, TensorArg
from .base import Outcome, ReadError, call_path_parts, call_recording_warnings


@dataclass
class Built:
    """Framework inputs for one call; `tensors` are what the op sees, `bases` their base buffers."""
    args: list[Any]
    kwargs: dict[str, Any]
    tensors: dict[str, Any] = field(default_factory=dict)
    bases: dict[str, Any] = field(default_factory=dict)
    ndarrays: dict[str, np.ndarray] = field(default_factory=dict)


class TorchLikeRunner:
    def __init__(self, module: ModuleType, name: str, device: str = "cpu") -> None:
        self.module = module
        self.name = name
        self.device = device

    # ---------------------------------------------------------------- building inputs
    def dtype(self, name: str) -> Any:
        return getattr(self.module, name)

    def tensor(self, arr: np.ndarray) -> Any:
        if self.device == "cpu":
            return self.module.tensor(arr)
        return self.module.tensor(arr, device=self.device)

    def build(self, ex: Example, grad: frozenset[str] = frozenset()) -> Built:
        """Inputs for `ex`; tensors named in `grad` become leaves that require grad (same layout)."""
        b = Built([], {})
        values: dict[str, Any] = {}
        for name, v in ex.values.items():
            if isinstance(v, TensorArg):
                values[name] = self._build_tensor(b, name, v, grad)
            elif isinstance(v, list) and v and all(isinstance(x, TensorArg) for x in v):
                values[name] = [self._build_tensor(b, f"{name}[{i}]", x, grad) for i, x in enumerate(v)]
            elif isinstance(v, NdArray):
                b.ndarrays[name] = v.array.copy()  # from_numpy shares: never let frameworks share one array
                values[name] = b.ndarrays[name]
            else:
                values[name] = self._convert(v)
        for spec in ex.op.args:
            v = values[spec.name]
            if v is OMIT:
                continue
            if ex.splat.get(spec.name):
                b.args.extend(v)
            else:
                b.args.append(v)
        b.kwargs = {s.name: values[s.name] for s in ex.op.kwargs if values[s.name] is not OMIT}
        return b

    def _build_tensor(self, b: Built, name: str, v: TensorArg, grad: frozenset[str]) -> Any:
        base = self.tensor(v.base)
        t = layouts.apply_torchlike(base, v.layout)
        if name in grad or v.requires_grad:
            t = t.detach().requires_grad_(True)
        b.tensors[name] = t
        b.bases[name] = base if not v.layout.trivial else None
        return t

    def _convert(self, v: Any) -> Any:
        if isinstance(v, DType):
            return self.dtype(v.name)
        return v

    # ---------------------------------------------------------------- calling
    def resolve(self, path: str, args: list[Any]) -> tuple[Any, list[Any]]:
        kind, name = call_path_parts(path)
        if kind == "method":
            return getattr(args[0], name), args[1:]
        if kind == "attr":
            obj = args[0]
            return (lambda: getattr(obj, name)), args[1:]
        if kind == "operator":
            return getattr(operator, name), args
        if kind == "builtins":
            return getattr(builtins, name), args
        fn: Any = self.module
        for part in name.split("."):
            fn = getattr(fn, part)
        return fn, args

    def call(self, path: str, built: Built, **extra: Any) -> Outcome:
        """Call the op; an exception from the framework (including a missing name) is the outcome."""
        try:
            fn, args = self.resolve(path, built.args)
        except Exception as e:  # noqa: BLE001 - any exception class is data here
            return Outcome(exc=e)
        return call_recording_warnings(fn, *args, **built.kwargs, **extra)

    def attempt(self, fn: Any, *args: Any, **kwargs: Any) -> Outcome:
        try:
            return Outcome(fn(*args, **kwargs))
        except Exception as e:  # noqa: BLE001
            return Outcome(exc=e)

    # ---------------------------------------------------------------- reading back
    def is_tensor(self, v: Any) -> bool:
        return isinstance(v, self.module.Tensor)

    def read(self, v: Any, what: str = "result") -> Any:
        """NumPy copies of tensors (recursively through tuples); dtypes as names; other values as is."""
        try:
            if self.is_tensor(v):
                t = v.detach()
                if self.device != "cpu":
                    t = t.cpu()
                return np.array(t.numpy(), copy=True)
            if isinstance(v, np.ndarray):  # numpy(): a copy, so later writes do not change what was read
                return np.array(v, copy=True)
            if isinstance(v, (list, tuple)) and not isinstance(v, str):
                return [self.read(x, what) for x in v]
            if isinstance(v, self.module.dtype):
                return DType(dt.name_of(v))
            if type(v).__name__ == "device":
                return Device(str(v))
            return v
        except ReadError:
            raise
        except Exception as e:  # noqa: BLE001
            raise ReadError(self.name, what, e) from e

    def meta(self, t: Any, what: str = "result") -> dict[str, Any]:
        """Plain metadata of a tensor: the memory facts view/in-place checks compare."""
        try:
            return {
                "shape": tuple(int(s) for s in t.shape),
                "stride": tuple(int(s) for s in t.stride()),
                "storage_offset": int(t.storage_offset()),
                "dtype": dt.name_of(t.dtype),
                "storage_ptr": int(t.untyped_storage().data_ptr()),
                "version": int(t._version),
            }
        except Exception as e:  # noqa: BLE001
            raise ReadError(self.name, f"metadata of {what}", e) from e

    def storage_ptr(self, t: Any, what: str = "tensor") -> int:
        try:
            return int(t.untyped_storage().data_ptr())
        except Exception as e:  # noqa: BLE001
            raise ReadError(self.name, f"untyped_storage().data_ptr() of {what}", e) from e

    def version(self, t: Any, what: str = "tensor") -> int:
        try:
            return int(t._version)
        except Exception as e:  # noqa: BLE001
            raise ReadError(self.name, f"_version of {what}", e) from e

    def dtype_name(self, v: Any) -> str:
        if self.is_tensor(v):
            return dt.name_of(v.dtype)
        return type(v).__name__

    # ---------------------------------------------------------------- outputs
    def outputs(self, op: Any, value: Any) -> Any:
        """What the checks compare: the result itself, or a tuple result as a list, after the spec's
        `post` (svd: [S, U diag(S) V^T], which do not depend on the singular vectors' signs)."""
        if isinstance(value, tuple) and not self.is_tensor(value):
            value = list(value)
        if op.post == "svd" and isinstance(value, list) and len(value) == 3:
            u, s, v = value
            k = int(s.shape[-1])
            u, v = u.narrow(-1, 0, k), v.narrow(-1, 0, k)
            return [s, (u * s.unsqueeze(-2)).matmul(v.transpose(-2, -1))]
        return value

    def diff_outputs(self, op: Any, value: Any) -> list[Any] | Any:
        """The differentiable outputs: the result, or the floating-point elements of a tuple result."""
        outs = self.outputs(op, value)
        if isinstance(outs, list):
            return [o for o in outs if self.is_tensor(o) and o.dtype.is_floating_point]
        return outs

    # ---------------------------------------------------------------- autograd helpers
    def cotangent(self, like: Any, seed: int) -> Any:
        if isinstance(like, list):
            return [self.cotangent(x, seed + i) for i, x in enumerate(like)]
        arr = cotangent_array(tuple(like.shape), dt.name_of(like.dtype), seed)
        if self.device == "cpu":
            return self.tensor(arr)
        return self.module.tensor(arr, device=like.device)  # (.to('cpu') of a CUDA input has a CPU output)

    def backward(self, outs: Any, ct: Any, **kw: Any) -> Outcome:
        """outs.backward(ct) for one output (the Tensor method), autograd.backward for several."""
        if isinstance(outs, list):
            return self.attempt(self.module.autograd.backward, outs, ct, **kw)
        return self.attempt(outs.backward, ct, **kw)


def cotangent_array(shape: tuple[int, ...], dtype: str, seed: int) -> np.ndarray:
    """The random cotangent every framework uses for one example (repro snippets rebuild it)."""
    return np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(dt.to_numpy(dtype))
