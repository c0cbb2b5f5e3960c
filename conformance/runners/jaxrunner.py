"""JAX oracle runner, float64 enabled so every dtype means the same as in torch."""
from __future__ import annotations

import importlib
import operator
from typing import Any, Callable

import numpy as np

from .. import dtypes as dt
from ..strategies import OMIT, Device, DType, Example, NdArray, TensorArg
from .base import Outcome

_jax = None
_platform = "cpu"


def use_device(device: str) -> None:
    """Which JAX platform the oracle runs on: 'cpu', or the GPU for a cuda run. Fixed once JAX starts."""
    global _platform
    platform = "cuda" if device == "cuda" else "cpu"
    if _jax is not None and platform != _platform:
        raise RuntimeError(f"JAX already runs on {_platform}; cannot switch to {platform}")
    _platform = platform


def _jax_modules():
    global _jax
    if _jax is None:
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", _platform)
        # torch computes float32 matmuls in full float32 (allow_tf32 is off); JAX on a GPU would use TF32.
        jax.config.update("jax_default_matmul_precision", "highest")
        import jax.numpy as jnp

        _jax = (jax, jnp)
    return _jax


def resolve(path: str) -> Callable[..., Any]:
    """'jax.numpy.add' / 'jax.nn.sigmoid' / 'operator.getitem' -> the function (longest importable prefix)."""
    parts = path.split(".")
    if parts[0] == "operator":
        return getattr(operator, parts[1])
    if parts[0] == "attr":  # a property of the first argument (x.T, x.shape)
        return lambda obj: getattr(obj, parts[1])
    _jax_modules()
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(path)


class JaxRunner:
    name = "jax"

    def __init__(self) -> None:
        self.jax, self.jnp = _jax_modules()

    def inputs(self, ex: Example) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
        """(positional, keyword, by-name) JAX inputs; tensors as jnp arrays of the logical values."""
        op = ex.op
        by_name = {n: self._convert(ex.jax_value(n)) for n in ex.values}
        pos_names = op.jax_args if op.jax_args is not None else tuple(a.name for a in op.args)
        args = [by_name[n] for n in pos_names if by_name[n] is not OMIT]
        kwargs: dict[str, Any] = {}
        mapped = {v for v in op.jax_kwargs.values() if isinstance(v, str)}
        for jname, ref in op.jax_kwargs.items():
            if isinstance(ref, dict):
                kwargs[jname] = ref["value"]
            elif by_name[ref] is not OMIT:
                kwargs[jname] = by_name[ref]
        for s in op.kwargs:
            if s.name not in mapped and s.name not in pos_names and by_name[s.name] is not OMIT:
                kwargs[s.name] = by_name[s.name]
        return args, kwargs, by_name

    def _convert(self, v: Any) -> Any:
        if isinstance(v, TensorArg):
            return self.jnp.asarray(v.array)
        if isinstance(v, list) and v and all(isinstance(x, TensorArg) for x in v):
            return [self.jnp.asarray(x.array) for x in v]
        if isinstance(v, NdArray):
            return v.array.copy()
        if isinstance(v, DType):
            return self.jnp.dtype(dt.to_numpy(v.name))
        return v

    def call(self, ex: Example) -> Outcome:
        try:
            args, kwargs, _ = self.inputs(ex)
            return Outcome(resolve(ex.op.jax)(*args, **kwargs))
        except Exception as e:  # noqa: BLE001
            return Outcome(exc=e)

    def vjp(self, ex: Example, diff: list[str], cotangent_for: Callable[[tuple, str, int], np.ndarray]) -> Outcome:
        """Gradients of the op w.r.t. the tensors named in `diff` (``tensors[1]`` for an element of a
        tensor list), pulled back from one cotangent per differentiable output (seed + i for output i,
        as the torch-like runners do)."""
        try:
            args, kwargs, by_name = self.inputs(ex)
            fn = resolve(ex.op.jax)
            op = ex.op
            pos_names = op.jax_args if op.jax_args is not None else tuple(a.name for a in op.args)
            jname_to_arg = {k: v for k, v in op.jax_kwargs.items() if isinstance(v, str)}

            def substituted(sub: dict[str, Any]) -> dict[str, Any]:
                vals = dict(by_name)
                for key, val in sub.items():
                    if key.endswith("]"):
                        base, idx = key[:-1].split("[")
                        lst = list(vals[base])
                        lst[int(idx)] = val
                        vals[base] = lst
                    else:
                        vals[key] = val
                return vals

            def f(*diff_vals):
                vals = substituted(dict(zip(diff, diff_vals)))
                a = [vals[n] for n in pos_names if vals[n] is not OMIT]
                kw = {k: (vals[jname_to_arg[k]] if k in jname_to_arg else vals.get(k, v))
                      for k, v in kwargs.items()}
                outs = self.outputs(op, fn(*a, **kw))
                if isinstance(outs, list):
                    return tuple(o for o in outs if self.jnp.issubdtype(o.dtype, self.jnp.floating))
                return outs

            primals = []
            for n in diff:
                if n.endswith("]"):
                    base, idx = n[:-1].split("[")
                    primals.append(by_name[base][int(idx)])
                else:
                    primals.append(by_name[n])
            out, pullback = self.jax.vjp(f, *primals)
            if isinstance(out, tuple):
                ct = tuple(self.jnp.asarray(cotangent_for(tuple(o.shape), dt.name_of(o.dtype), i))
                           for i, o in enumerate(out))
            else:
                ct = self.jnp.asarray(cotangent_for(tuple(out.shape), dt.name_of(out.dtype), 0))
            return Outcome([np.asarray(g) for g in pullback(ct)])
        except Exception as e:  # noqa: BLE001
            return Outcome(exc=e)

    def outputs(self, op: Any, value: Any) -> Any:
        """As TorchLikeRunner.outputs: tuple results as lists, svd as [S, U diag(S) V^T]."""
        if isinstance(value, tuple):
            value = list(value)
        if op.post == "svd" and isinstance(value, list) and len(value) == 3:
            u, s, v = value
            k = s.shape[-1]
            u, v = u[..., :k], v[..., :k]
            return [s, self.jnp.matmul(u * s[..., None, :], self.jnp.swapaxes(v, -1, -2))]
        return value

    def read(self, v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [self.read(x) for x in v]
        if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
            return DType(dt.name_of(np.dtype(v)))
        if hasattr(v, "dtype") and hasattr(v, "shape"):
            return np.asarray(v)
        if type(v).__name__ in ("CpuDevice", "Device") or "Device" in type(v).__name__:
            return Device(str(v.platform))
        return v

