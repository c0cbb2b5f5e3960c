"""What runners return: an Outcome (value or exception) and errors raised while reading results."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any


@dataclass
class Outcome:
    value: Any = None
    exc: BaseException | None = None
    warned: tuple[str, ...] = ()  # "Category: message" of each warning the call emitted

    @property
    def fp_warnings(self) -> list[str]:
        """NumPy's floating-point warnings ("overflow encountered in multiply"): torch never emits them."""
        return [w for w in self.warned if w.startswith("RuntimeWarning:") and " encountered in " in w]

    @property
    def raised(self) -> bool:
        return self.exc is not None

    @property
    def exc_name(self) -> str | None:
        return None if self.exc is None else type(self.exc).__name__

    @property
    def exc_family(self) -> str | None:
        """The most derived builtin exception class: what 'the same exception' means across libraries
        (torch's _LinAlgError is a RuntimeError; an impl's own IndexError subclass is an IndexError)."""
        return exc_family(self.exc)

    def describe(self) -> str:
        if self.exc is None:
            return "returned"
        msg = str(self.exc).strip().splitlines()
        return f"{type(self.exc).__module__}.{type(self.exc).__qualname__}: {msg[0][:300] if msg else ''}"


def call_recording_warnings(fn: Any, *args: Any, **kwargs: Any) -> Outcome:
    """``fn(*args, **kwargs)`` as an Outcome: its value or exception, and every warning it emitted
    (recorded whatever filters the run has set: a warning that torch does not emit is a difference too)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = Outcome(fn(*args, **kwargs))
        except Exception as e:  # noqa: BLE001 - any exception class is data here
            out = Outcome(exc=e)
    out.warned = tuple(f"{w.category.__name__}: {str(w.message).splitlines()[0] if str(w.message) else ''}"
                       for w in caught)
    return out


def exc_family(exc: BaseException | None) -> str | None:
    if exc is None:
        return None
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(exc).__name__


class ReadError(Exception):
    """A framework object could not be read back (e.g. the impl's .numpy() crashed)."""

    def __init__(self, runner: str, what: str, exc: BaseException) -> None:
        super().__init__(f"{runner}: reading {what} raised {type(exc).__name__}: {exc}")
        self.runner = runner
        self.exc = exc


def call_path_parts(path: str) -> tuple[str, str]:
    """'torch.add' -> ('module', 'add'); 'Tensor.add_' -> ('method', 'add_');
    'operator.getitem' -> ('operator', 'getitem'); 'torch.linalg.svd' -> ('module', 'linalg.svd');
    'attr.T' -> ('attr', 'T') (property of the first argument, read without a call);
    'builtins.repr' -> ('builtins', 'repr')."""
    head, _, rest = path.partition(".")
    if head == "Tensor":
        return "method", rest
    if head in ("operator", "attr", "builtins"):
        return head, rest
    return "module", rest
