"""Random generators: torch's CPU engine (MT19937) bit for bit, and a host-side stand-in for CUDA.

torch's CPU generator (aten/src/ATen/CPUGeneratorImpl.cpp, ATen/core/MT19937RNGEngine.h) is the plain
MT19937 of Matsumoto & Nishimura: `manual_seed(s)` runs init_genrand on the low 32 bits of s (the full
64-bit value is kept as the initial seed), `random()` is one tempered 32-bit output and `random64()` is
two of them, the first as the high word.  The engine here is NumPy's own MT19937 bit generator with
the key set from that init, so 32-bit outputs come in bulk at C speed (``Generator.integers`` over
the full uint32 range is exactly one raw output per value).

Besides the engine, torch's generator carries a cached second Box-Muller sample (used by the scalar
normal path, see ops/random.py) and serialises everything as the 5056-byte POD
``CPUGeneratorImplState``; `get_state`/`set_state` read and write that exact layout, so states move
between impl and torch in both directions.

CUDA generators are a documented stand-in: torch uses Philox there, with a thread layout that depends
on the GPU, which cannot be replayed.  A 'cuda' Generator draws on the host from NumPy's PCG64 seeded
with the same seed; ops/random.py uses it for the right distributions (not torch's numbers) and moves
the result to the device.
"""
from __future__ import annotations

import os
import struct
from typing import Any

import numpy as np

from ._types import as_device

N_STATE = 624
STATE_SIZE = 5056  # sizeof(CPUGeneratorImplState) on x86-64
_DEFAULT_SEED = 67280421310721  # torch.Generator()'s seed (c10::detail::default_rng_seed_val)
_U64 = (1 << 64) - 1


def init_key(seed: int) -> np.ndarray:
    """init_genrand: the 624-word MT19937 state for the low 32 bits of `seed`."""
    key = [0] * N_STATE
    s = seed & 0xFFFFFFFF
    key[0] = s
    for j in range(1, N_STATE):
        s = (1812433253 * (s ^ (s >> 30)) + j) & 0xFFFFFFFF
        key[j] = s
    return np.array(key, dtype=np.uint32)


def nondeterministic_seed() -> int:
    """A fresh 64-bit seed from the OS (torch reads std::random_device twice)."""
    return int.from_bytes(os.urandom(8), "little")


def _check_seed(seed: Any) -> int:
    """Generator.manual_seed's argument rules: an int in [-2**63, 2**64), negative values wrap."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if seed < -(1 << 63) or seed > _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _U64


class MT19937Engine:
    """torch's at::mt19937 on NumPy's MT19937: bulk 32/64-bit draws and the (left, next) bookkeeping."""

    __slots__ = ("_bg", "_gen", "seed", "_fresh")

    def __init__(self, seed: int = 5489) -> None:
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        self.seed = seed & _U64
        self._set_key(init_key(self.seed), N_STATE)
        self._fresh = True  # torch: left_ = 1, next_ = 0 (a twist is due before the first output)

    def _set_key(self, key: np.ndarray, pos: int) -> None:
        bg = np.random.MT19937()
        bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": int(pos)}}
        self._bg = bg
        self._gen = np.random.Generator(bg)

    def u32(self, n: int) -> np.ndarray:
        """n outputs of random() as uint32."""
        if n <= 0:
            return np.empty(0, dtype=np.uint32)
        self._fresh = False
        return self._gen.integers(0, 1 << 32, n, dtype=np.uint32)

    def u64(self, n: int) -> np.ndarray:
        """n outputs of random64() = (first << 32) | second, as uint64."""
        r = self.u32(2 * n).astype(np.uint64)
        hi = r[0::2]
        hi <<= np.uint64(32)
        hi |= r[1::2]
        return hi

    def skip(self, n: int) -> None:
        if n > 0:
            self._fresh = False
            self._bg.random_raw(n, output=False)

    # ---- torch's mt19937_data_pod ----
    def pod(self) -> tuple:
        """(seed, left, next, key[624]) exactly as torch's engine would hold them."""
        st = self._bg.state["state"]
        pos = int(st["pos"])
        if self._fresh:
            left, nxt = 1, 0
        else:
            left, nxt = N_STATE + 1 - pos, pos
        return self.seed, left, nxt, np.asarray(st["key"], dtype=np.uint32)

    def set_pod(self, seed: int, left: int, nxt: int, key: np.ndarray) -> None:
        # NumPy's position is the index of the next word to temper; torch twists when `left` runs out.
        # For every state torch itself produces, left + next == 625, or (left, next) == (1, 0) right
        # after seeding; both map exactly.  (A hand-made state breaking that is followed by `next`.)
        self.seed = seed & _U64
        self._fresh = left == 1 and nxt == 0
        self._set_key(np.asarray(key, dtype=np.uint32).copy(), N_STATE if left == 1 else nxt)

    def copy(self) -> "MT19937Engine":
        e = object.__new__(MT19937Engine)
        e.seed, e._fresh = self.seed, self._fresh
        st = self._bg.state["state"]
        e._set_key(np.array(st["key"], dtype=np.uint32), int(st["pos"]))
        return e


# CPUGeneratorImplState: legacy POD (seed u64, left i32, seeded i32, next u64, state u64[624],
# normal_x/y/rho f64, normal_is_valid i32, 4 pad) then next_float_normal_sample f32, valid bool, 3 pad.
_HEAD = struct.Struct("<QiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")
assert _HEAD.size + 8 * N_STATE + _TAIL.size == STATE_SIZE


class Generator:
    """torch.Generator: `Generator(device='cpu')` is torch's exact CPU stream; 'cuda' is a stand-in."""

    def __init__(self, device: Any = "cpu") -> None:
        dev = as_device(device)
        if dev.type not in ("cpu", "cuda"):
            raise RuntimeError(f"{dev.type.upper()} device type not an accelerator.")
        self._device = dev
        self.next_double_normal: float | None = None  # torch's next_double_normal_sample_
        self.next_float_normal: float | None = None  # next_float_normal_sample_ (kept for the state)
        if dev.type == "cpu":
            self._engine = MT19937Engine(_DEFAULT_SEED)
            self._host = None
        else:
            self._engine = None
            self._seed = _DEFAULT_SEED
            self._host = np.random.Generator(np.random.PCG64(_DEFAULT_SEED))

    # ---- public API ----
    @property
    def device(self):
        return self._device

    def manual_seed(self, seed: Any) -> "Generator":
        seed = _check_seed(seed)
        self.next_double_normal = self.next_float_normal = None
        if self._engine is not None:
            self._engine.reseed(seed)
        else:
            self._seed = seed
            self._host = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        s = nondeterministic_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._engine.seed if self._engine is not None else self._seed

    def get_state(self):
        from .ops.creation import tensor  # (late: the ops import this module)
        from .dtypes import uint8

        return tensor(np.frombuffer(self._state_bytes(), dtype=np.uint8).copy(), dtype=uint8)

    def set_state(self, new_state: Any) -> "Generator":
        from .tensor import Tensor

        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype.name != "uint8" or new_state.device.type != "cpu":
            raise TypeError("RNG state must be a torch.ByteTensor")
        if not new_state.is_contiguous():
            raise RuntimeError("RNG state must be contiguous")
        self._load_state_bytes(np.ascontiguousarray(new_state.numpy()).reshape(-1).tobytes())
        return self

    def clone_state(self) -> "Generator":
        g = Generator(self._device)
        g.next_double_normal, g.next_float_normal = self.next_double_normal, self.next_float_normal
        if self._engine is not None:
            g._engine = self._engine.copy()
        else:
            g._seed = self._seed
            g._host = np.random.Generator(np.random.PCG64())
            g._host.bit_generator.state = self._host.bit_generator.state
        return g

    def get_offset(self) -> int:
        if self._device.type == "cpu":
            raise RuntimeError("CPU Generator does not use offset")
        raise RuntimeError("impl's CUDA generator is a host-side stand-in without a Philox offset")

    def set_offset(self, offset: int) -> "Generator":
        self.get_offset()
        return self

    def __reduce__(self):
        return (_rebuild, (str(self._device), self._state_bytes()))

    def __repr__(self) -> str:
        return f"<impl.Generator object at {hex(id(self))}>"

    # ---- state bytes ----
    def _state_bytes(self) -> bytes:
        if self._engine is None:
            # stand-in format: seed, then NumPy's PCG64 state (not torch's Philox seed+offset)
            st = self._host.bit_generator.state
            s, inc = st["state"]["state"], st["state"]["inc"]
            return struct.pack("<Q", self._seed) + s.to_bytes(16, "little") + inc.to_bytes(16, "little") + \
                struct.pack("<iI", st["has_uint32"], st["uinteger"])
        seed, left, nxt, key = self._engine.pod()
        nd = self.next_double_normal
        nf = self.next_float_normal
        return (_HEAD.pack(seed, left, 1, nxt) + key.astype("<u8").tobytes()
                + _TAIL.pack(0.0, nd if nd is not None else 0.0, 0.0, nd is not None,
                             nf if nf is not None else 0.0, nf is not None))

    def _load_state_bytes(self, b: bytes) -> None:
        if self._engine is None:
            if len(b) != 48:
                raise RuntimeError(f"Expected a CUDA stand-in state of size 48 but found {len(b)}")
            seed = struct.unpack_from("<Q", b)[0]
            has, uint = struct.unpack_from("<iI", b, 40)
            self._seed = seed
            self._host.bit_generator.state = {
                "bit_generator": "PCG64", "has_uint32": has, "uinteger": uint,
                "state": {"state": int.from_bytes(b[8:24], "little"), "inc": int.from_bytes(b[24:40], "little")}}
            return
        if len(b) != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found the input RNG "
                               f"state size to be {len(b)}")
        seed, left, seeded, nxt = _HEAD.unpack_from(b, 0)
        key = np.frombuffer(b, dtype="<u8", count=N_STATE, offset=_HEAD.size).astype(np.uint32)  # truncates
        _, ny, _, nvalid, nf, fvalid = _TAIL.unpack_from(b, _HEAD.size + 8 * N_STATE)
        nxt &= 0xFFFFFFFF
        if not (seeded and 0 < left <= N_STATE and nxt <= N_STATE):
            raise RuntimeError("Invalid mt19937 state")
        self._engine.set_pod(seed, left, nxt, key)
        self.next_double_normal = ny if nvalid else None
        self.next_float_normal = float(np.float32(nf)) if fvalid else None

    # ---- draws for the ops ----
    def u32(self, n: int) -> np.ndarray:
        return self._engine.u32(n)

    def u64(self, n: int) -> np.ndarray:
        return self._engine.u64(n)

    @property
    def host(self) -> np.random.Generator:
        """The stand-in stream of a CUDA generator."""
        return self._host


def _rebuild(device: str, state: bytes) -> Generator:
    g = Generator(device)
    g._load_state_bytes(state)
    return g


# torch seeds its default CPU generator from the OS at start-up.
default_generator = Generator("cpu").manual_seed(nondeterministic_seed())
_cuda_defaults: dict[int, Generator] = {}


def default_for(device: Any) -> Generator:
    """The default generator of a device (CUDA ones are created lazily, seeded like torch would)."""
    dev = as_device(device)
    if dev.type == "cpu":
        return default_generator
    idx = dev.index or 0
    g = _cuda_defaults.get(idx)
    if g is None:
        g = _cuda_defaults[idx] = Generator(f"cuda:{idx}").manual_seed(_cuda_seed[0])
    return g


_cuda_seed = [nondeterministic_seed()]


def manual_seed_all(seed: int) -> None:
    """torch.manual_seed: the CPU default generator and every device's (CUDA ones seeded lazily)."""
    seed = _check_seed(seed)
    default_generator.manual_seed(seed)
    _cuda_seed[0] = seed
    for g in _cuda_defaults.values():
        g.manual_seed(seed)
