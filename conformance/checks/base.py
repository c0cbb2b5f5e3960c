"""Shared vocabulary of checks: the context they run in, how they fail, and small helpers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from hypothesis import strategies as st

from .. import dtypes as dt
from ..catalog import OpSpec
from ..profiles import Profile
from ..runners import JaxRunner, Outcome, TorchLikeRunner
from ..strategies import Example, Mode, TensorArg


class Mismatch(Exception):
    """The library under test disagrees with the oracle (or torch with JAX, undeclared)."""

    def __init__(self, message: str, detail: dict[str, Any] | None = None, undeclared_divergence: bool = False):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}
        self.undeclared_divergence = undeclared_divergence


@dataclass
class Diverged:
    """torch and the oracle disagree on this example (fine when the spec declares it)."""
    detail: dict[str, Any]


@dataclass
class Ctx:
    op: OpSpec
    dtype: str | None
    check: str
    oracle: str
    impl: TorchLikeRunner
    torch: TorchLikeRunner
    jax: JaxRunner | None
    profile: Profile
    impl_name: str
    # What a check measures without judging it (errors: how close the messages are), keyed by the
    # detail key it goes to; a value with a summary() method is stored as that.  One dict per record.
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    name: str
    oracles: tuple[str, ...]
    run: Callable[[Ctx, Example], Diverged | None]
    repro: Callable[[Ctx, Example], list[str]]            # body lines of case(m)
    applies: Callable[[OpSpec], bool] = lambda op: True
    float_only: bool = False                               # only float dtype buckets (autograd)
    first_dtype_only: bool = False
    modes: Callable[[OpSpec, str], list[Mode]] = lambda op, oracle: [Mode(no_subnormal=oracle == "jax",
                                                                           shape_pool=oracle == "jax",
                                                                           jax=oracle == "jax")]
    extra: Callable[[OpSpec], dict[str, st.SearchStrategy]] = field(default=lambda op: {})
    grad_inputs: bool = False                              # repro builds leaves requiring grad
    budget: Callable[[Profile], int] | None = None         # examples per record (default: the profile's)
    devices: tuple[str, ...] | None = None                 # runs only on these devices (None: every device)

    def buckets(self, op: OpSpec) -> list[str | None]:
        buckets: list[str | None] = list(op.dtypes) or [None]
        if self.float_only:
            buckets = [d for d in buckets if d is None or dt.is_float(d)]
        return buckets[:1] if self.first_dtype_only else buckets


def same_exceptions(ri: Outcome, rt: Outcome, what: str = "the call", extra: dict[str, Any] | None = None) -> None:
    """Both raise the same (builtin-family) exception class, or both return (`extra`: more detail)."""
    if ri.raised != rt.raised or ri.exc_family != rt.exc_family:
        raise Mismatch(f"{what}: torch {_desc(rt)}, library {_desc(ri)}",
                       {"torch": rt.describe(), "impl": ri.describe(),
                        "torch_class": rt.exc_name, "impl_class": ri.exc_name, **(extra or {})})


def _desc(o: Outcome) -> str:
    return f"raised {o.exc_name}" if o.raised else "returned normally"


def tensor_inputs(ex: Example) -> list[str]:
    return list(ex.tensor_args())


def diff_inputs(ex: Example) -> list[str]:
    """Float tensors whose spec allows grad: the inputs autograd checks differentiate
    (elements of a tensor list are named ``tensors[i]``)."""
    return [n for n, v in ex.tensor_args().items()
            if dt.is_float(v.dtype) and ex.op.arg(n.split("[")[0]).get("grad", True)]


def method_self(ex: Example) -> str | None:
    """Name of the first positional argument (self for Tensor methods) when it is a tensor."""
    first = ex.op.args[0].name if ex.op.args else None
    return first if first and isinstance(ex.values.get(first), TensorArg) else None
