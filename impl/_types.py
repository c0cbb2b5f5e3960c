"""Small value types: Size (a tuple that prints like torch.Size) and device."""
from __future__ import annotations

import re
from typing import Any


class Size(tuple):
    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class device:
    __slots__ = ("type", "index")

    def __init__(self, spec: Any = "cpu", index: int | None = None):
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if isinstance(spec, int):
            spec, index = "cuda", spec
        if not isinstance(spec, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type(spec).__name__})")
        kind, colon, idx = spec.partition(":")
        if kind not in ("cpu", "cuda") or (colon and not (idx.isdigit() and idx.isascii())) or idx[:1] == "0" != idx:
            _refuse_device_string(spec)
        self.type = kind
        self.index = int(idx) if idx else index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    # `with torch.device('cuda'):` makes it the default device of the factory functions inside the block
    def __enter__(self) -> "device":
        _DEFAULT_DEVICES.append(as_device(self))
        return self

    def __exit__(self, *exc: Any) -> None:
        _DEFAULT_DEVICES.pop()


CPU = device("cpu")
# The factory functions' device when none is given: set_default_device's, or the innermost `with device`.
_DEFAULT_DEVICES: list[device] = [CPU]


def get_default_device() -> device:
    return _DEFAULT_DEVICES[-1]


def set_default_device(d: Any) -> None:
    """torch.set_default_device: the device factory functions use when none is given (None: cpu)."""
    _DEFAULT_DEVICES[0] = as_device(d) if d is not None else CPU

# torch's device types, in its own order (c10/core/DeviceType.cpp), for its message on an unknown one
_TORCH_DEVICE_TYPES = ("cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, "
                       "mps, meta, hpu, mtia, privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::(0|[1-9][0-9]*))?")


def _refuse_device_string(spec: str) -> None:
    """torch's error for a device string that is not cpu or cuda[:N] (c10::Device's parser): malformed
    (not name[:index], an index with a leading zero or a sign), or a name that is no device type.
    (torch accepts its other device types, which this library does not have.)"""
    if not spec:
        raise RuntimeError("Device string must not be empty")
    if not _DEVICE_STRING.fullmatch(spec) or not spec.isascii():
        raise RuntimeError(f"Invalid device string: '{spec}'")
    raise RuntimeError(f"Expected one of {_TORCH_DEVICE_TYPES} device type at start of device string: "
                       f"{spec.partition(':')[0]}")


def as_device(d: Any) -> device:
    if d is None:
        return CPU
    dev = d if isinstance(d, device) else device(d)
    if dev.type == "cuda" and dev.index is None:
        dev = device("cuda", 0)  # tensors report the concrete index, like torch
    return dev
