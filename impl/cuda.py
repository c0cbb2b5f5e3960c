"""impl.cuda: availability of the CuPy backend."""
from ._backend import cuda_is_available as is_available


def device_count() -> int:
    return 1 if is_available() else 0


__all__ = ["is_available", "device_count"]
