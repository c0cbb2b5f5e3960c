"""Shape and stride arithmetic, following torch's algorithms so that stride() and storage_offset() match."""
from __future__ import annotations

import functools
from typing import Sequence


def prod(xs: Sequence[int]) -> int:
    n = 1
    for x in xs:
        n *= x
    return n


@functools.lru_cache(maxsize=4096)
def tuple_contiguous_strides(shape: tuple) -> tuple:
    """contiguous_strides of a tuple shape (cached; callers holding an ndarray's shape call this directly)."""
    # torch treats size-0 dims as 1 when computing strides (empty(2, 0, 3).stride() == (3, 3, 1)).
    strides = []
    acc = 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def contiguous_strides(shape: Sequence[int]) -> tuple:
    return tuple_contiguous_strides(shape if type(shape) is tuple else tuple(shape))


def is_contiguous(shape: Sequence[int], strides: Sequence[int]) -> bool:
    if prod(shape) == 0:
        return True
    expected = 1
    for size, stride in zip(reversed(shape), reversed(strides)):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def wrap_dim(dim: int, ndim: int) -> int:
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)  # 0-d tensors accept dim 0 and -1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def infer_size(shape: Sequence[int], numel: int) -> tuple:
    n = 1
    for s in shape:  # fast path: no -1 to infer, no negative size, the right count (every view() call)
        if s < 0:
            break
        n *= s
    else:
        if n == numel:
            return tuple(shape)
    shape = list(shape)
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if infer is not None:
        if known == 0:
            raise RuntimeError(f"shape '{_fmt(shape)}' is invalid for input of size {numel}")
        shape[infer] = numel // known
    if prod(shape) != numel:
        raise RuntimeError(f"shape '{_fmt(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _fmt(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def view_strides(oldshape: Sequence[int], oldstride: Sequence[int], newshape: Sequence[int]):
    """torch's computeStride: strides for viewing (oldshape, oldstride) as newshape, or None if impossible."""
    if len(oldshape) == 0:
        return (1,) * len(newshape)
    numel = prod(oldshape)
    if numel == 0 and tuple(oldshape) == tuple(newshape):
        return tuple(oldstride)
    newstride = [0] * len(newshape)
    if numel == 0:
        for d in range(len(newshape) - 1, -1, -1):
            newstride[d] = 1 if d == len(newshape) - 1 else max(newshape[d + 1], 1) * newstride[d + 1]
        return tuple(newstride)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1
                             and oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def broadcast_shapes(*shapes: Sequence[int]) -> tuple:
    if len(shapes) == 2 and tuple(shapes[0]) == tuple(shapes[1]):  # fast path: same shapes
        return tuple(shapes[0])
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for j in range(ndim - 1, ndim - len(s) - 1, -1):  # from the last dim, as torch reports it
            size = s[j - ndim + len(s)]
            if out[j] == 1:
                out[j] = size
            elif size != 1 and size != out[j]:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({size}) "
                    f"at non-singleton dimension {j}")
    return tuple(out)


def has_internal_overlap(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """True when two elements share a memory location (an expanded dim): writes are then ambiguous."""
    if 0 not in strides:  # the usual case, decided without a pass over the shape
        return False
    if prod(shape) == 0:
        return False
    return any(st == 0 and sz > 1 for sz, st in zip(shape, strides))


def storage_extent(shape: Sequence[int], strides: Sequence[int], offset: int) -> int:
    """Number of storage elements a geometry needs (0 for empty tensors)."""
    if prod(shape) == 0:
        return 0
    return offset + 1 + sum((sz - 1) * st for sz, st in zip(shape, strides))


def stride_order(shape: Sequence[int], stride: Sequence[int]) -> list:
    """Dimensions innermost first, sorted as TensorIterator / infer_dense_strides sort them: by increasing
    stride (equal strides: the smaller size inner); a zero stride is ambiguous and stays put."""
    nd = len(shape)
    perm = list(range(nd - 1, -1, -1))

    def should_swap(d0: int, d1: int) -> int:
        s0, s1 = stride[d0], stride[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, nd):  # insertion sort that tolerates ambiguous comparisons, like torch's
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


def is_non_overlapping_and_dense(shape: Sequence[int], stride: Sequence[int]) -> bool:
    if prod(shape) == 0:
        return True  # torch: an empty tensor is contiguous, hence non-overlapping and dense (clone keeps its strides)
    dims = sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: stride[d])
    need = 1
    for d in dims:
        if stride[d] != need:
            return False
        need *= shape[d]
    return True


def like_strides(shape: Sequence[int], stride: Sequence[int]) -> tuple:
    """Strides of torch's preserve_format outputs (clone, *_like): a dense input's strides as they are,
    otherwise dense strides in the input's stride order (infer_dense_strides)."""
    if is_non_overlapping_and_dense(shape, stride):
        return tuple(stride)
    out, acc = [0] * len(shape), 1
    for d in stride_order(shape, stride):
        out[d] = acc
        acc *= shape[d] if shape[d] > 1 else 1
    return tuple(out)
