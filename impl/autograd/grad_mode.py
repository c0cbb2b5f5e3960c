"""Grad mode: no_grad, enable_grad, set_grad_enabled (context managers and decorators)."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

class _State(threading.local):
    # A class-level default makes every thread start with grad enabled and the read a plain attribute
    # lookup (no getattr default): is_grad_enabled runs on every op.
    enabled = True


_state = _State()


def is_grad_enabled() -> bool:
    return _state.enabled


def _set(flag: bool) -> None:
    _state.enabled = bool(flag)


class _GradMode:
    _flag: bool

    def __new__(cls, *args: Any):
        # @no_grad (without parentheses) decorates directly, like torch
        self = super().__new__(cls)
        if len(args) == 1 and callable(args[0]) and cls is not set_grad_enabled:
            return self(args[0])
        return self

    def __init__(self, *args: Any) -> None:
        pass

    def __enter__(self) -> None:
        # the thread-local read and written directly: the engine and optimizers enter these on every step
        self._prev = _state.enabled
        _state.enabled = self._flag

    def __exit__(self, *exc: Any) -> None:
        _state.enabled = self._prev

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

    def __call__(self, fn: Callable) -> Callable:
        _set(self._prev)  # used as a decorator: the mode applies inside fn only, as in torch
        return super().__call__(fn)


inference_mode = no_grad
