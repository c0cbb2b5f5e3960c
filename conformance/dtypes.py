"""Dtype names, groups, NumPy mapping and comparison tolerances: the one table every module reads."""
from __future__ import annotations

import numpy as np

#: Every dtype the catalog knows, by canonical torch name (bfloat16/complex: outside CATALOG.md).
ALL = ("float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool")
FLOATS = ("float16", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")

#: Names a spec may use for a set of dtypes.
GROUPS: dict[str, tuple[str, ...]] = {
    "all": ALL,
    "float": FLOATS,
    "int": INTS,
    "signed": ("int8", "int16", "int32", "int64"),
    "numeric": FLOATS + INTS,
    "signed_numeric": FLOATS + ("int8", "int16", "int32", "int64"),
    "bool": ("bool",),
}

#: torch.testing.assert_close defaults (rtol, atol); ints and bool compare exactly.
DEFAULT_TOL: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
}

#: Gradients chain several roundings; in half precision torch computes in float32 and rounds
#: once, a NumPy library may round at every step.  Looser default for float16 grads only.
DEFAULT_GRAD_TOL: dict[str, tuple[float, float]] = {**DEFAULT_TOL, "float16": (1e-2, 1e-3)}


def expand(spec: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """'float' -> ('float16', ...); lists may mix group names and dtype names. Order kept, no dups."""
    items = [spec] if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for item in items:
        names = GROUPS.get(item, (item,))
        for n in names:
            if n not in ALL:
                raise ValueError(f"unknown dtype or dtype group {item!r}; known: {sorted(GROUPS) + list(ALL)}")
            if n not in out:
                out.append(n)
    return tuple(out)


def to_numpy(name: str) -> np.dtype:
    return np.dtype("bool" if name == "bool" else name)


def name_of(dtype: object) -> str:
    """Canonical name of a torch/impl/jax/NumPy dtype object ('torch.float32' -> 'float32')."""
    s = str(dtype)
    if s.startswith("<class"):  # numpy scalar type
        s = np.dtype(dtype).name  # type: ignore[arg-type]
    return s.split(".")[-1]


def is_float(name: str | None) -> bool:
    return name in FLOATS or name == "bfloat16"


def category(name: str) -> str:
    """'float' | 'int' | 'bool': what Python scalars of this dtype look like."""
    return "float" if is_float(name) else ("bool" if name == "bool" else "int")


def tiny(name: str) -> float:
    """Smallest normal number: JAX on CPU flushes subnormals, so its comparisons need this atol."""
    return float(np.finfo(to_numpy(name)).tiny) if is_float(name) else 0.0
