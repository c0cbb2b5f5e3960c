"""Grad mode: no_grad, enable_grad, set_grad_enabled (context managers and decorators)."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


def _set(flag: bool) -> None:
    _state.enabled = bool(flag)


class _GradMode:
    _flag: bool

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        _set(self._flag)

    def __exit__(self, *exc: Any) -> None:
        _set(self._prev)

    def __call__(self, fn: Callable) -> Callable:
        flag = self._flag

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(flag):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    _flag = False


class enable_grad(_GradMode):
    _flag = True


class set_grad_enabled(_GradMode):
    def __init__(self, mode: bool):
        self._flag = bool(mode)
        # Like torch, calling set_grad_enabled(False) as a plain function takes effect at once.
        self._prev = is_grad_enabled()
        _set(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        _set(self._prev)


inference_mode = no_grad
