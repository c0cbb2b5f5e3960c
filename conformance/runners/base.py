"""What runners return: an Outcome (value or exception) and errors raised while reading results."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Outcome:
    value: Any = None
    exc: BaseException | None = None

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
