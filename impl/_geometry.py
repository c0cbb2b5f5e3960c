"""Shape and stride arithmetic, following torch's algorithms so that stride() and storage_offset() match."""
from __future__ import annotations

import functools
import math
from typing import Callable, Sequence


prod = math.prod  # (of sizes: ints)


class _RowMajorStrides(dict):
    """shape tuple -> its row-major strides, computed once. A dict subscript is the cheapest cached call
    Python has (every op result asks, and the element-wise paths compare a tensor's strides with it by
    identity); bounded, since Hypothesis draws thousands of shapes."""

    __slots__ = ()

    def __missing__(self, shape: tuple) -> tuple:
        # torch treats size-0 dims as 1 when computing strides (empty(2, 0, 3).stride() == (3, 3, 1)).
        strides = []
        acc = 1
        for s in reversed(shape):
            strides.append(acc)
            acc *= max(s, 1)
        if len(self) >= 4096:
            self.clear()
        st = self[shape] = tuple(reversed(strides))
        return st


ROW_MAJOR = _RowMajorStrides()
# contiguous_strides of a tuple shape (cached; callers holding an ndarray's shape call this directly)
tuple_contiguous_strides = ROW_MAJOR.__getitem__


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
    if type(dim) is int and 0 <= dim < ndim:  # (the common case, answered first)
        return dim
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
    if len(shapes) == 2:
        a, b = shapes
        if type(a) is tuple and type(b) is tuple:
            return a if a == b else _broadcast_pair(a, b)
        return _broadcast_pair(tuple(a), tuple(b))
    return _broadcast(shapes)


@functools.lru_cache(maxsize=4096)
def _broadcast_pair(a: tuple, b: tuple) -> tuple:
    # (cached: a program broadcasts the same few pairs of shapes over and over; an error is not cached)
    return _broadcast((a, b))


def _broadcast(shapes: Sequence[Sequence[int]]) -> tuple:
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


def _insertion_sorted(perm: list, should_swap: Callable[[int, int], int]) -> list:
    """torch's insertion sort of dims that tolerates ambiguous comparisons (should_swap 0: neither order is
    preferred, look further); sorts `perm` in place and returns it."""
    for i in range(1, len(perm)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


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

    return _insertion_sorted(perm, should_swap)


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


def expand_strides(shape: Sequence[int], stride: Sequence[int], sizes: Sequence[int]) -> tuple:
    """Strides of torch's expand (inferExpandGeometry) of a valid broadcast: a dim that is actually expanded
    gets stride 0, a new leading dim of size 1 the stride a contiguous layout would give it."""
    n, lead = len(sizes), len(sizes) - len(shape)
    out = [0] * n
    for i in range(n - 1, -1, -1):
        if i >= lead:
            cur, st = shape[i - lead], stride[i - lead]
        else:
            cur, st = 1, sizes[i + 1] * out[i + 1] if i + 1 < n else 1
        out[i] = st if cur == sizes[i] else 0
    return tuple(out)


def _iter_perm(shape: Sequence[int], operands: list) -> list:
    """TensorIterator's reorder_dimensions: the iteration order (innermost first) of `shape` over the input
    operands' strides (compute_strides zeroes a broadcast size-1 dim).  For two dims, the first operand
    with both strides nonzero decides: the smaller stride goes inner; equal strides keep the order unless
    the inner dim is the larger; an operand with a zero stride or an equal tie passes to the next."""
    nd = len(shape)
    perm = list(range(nd - 1, -1, -1))
    if nd <= 1:
        return list(range(nd))

    def should_swap(d0: int, d1: int) -> int:
        for st in operands:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    return _insertion_sorted(perm, should_swap)


def iter_output_strides(shape: Sequence[int], inputs: list) -> tuple:
    """Strides of the output TensorIterator allocates for `inputs` ((shape, stride) pairs broadcast to
    `shape`; the output undefined): fast setup when all inputs have the output's shape (all contiguous:
    contiguous; all non-overlapping and dense with equal strides: those strides), else dense strides in
    reorder_dimensions' order: contiguous when that order is row-major, else each dim's stride is the product
    of the sizes inside it (a size-0 dim zeroes the strides outside it)."""
    shape = tuple(shape)
    if inputs and all(tuple(s) == shape for s, _ in inputs):
        if all(is_contiguous(s, st) for s, st in inputs):
            return contiguous_strides(shape)
        strides = {tuple(st) for _, st in inputs}
        if len(strides) == 1 and all(is_non_overlapping_and_dense(s, st) for s, st in inputs):
            return strides.pop()
    return _reordered_strides(shape, inputs)


def _reordered_strides(shape: tuple, inputs: Sequence) -> tuple:
    """Dense strides in reorder_dimensions' order over the (shape, stride) inputs broadcast to `shape`:
    contiguous when that order is row-major, else each dim's stride is the product of the sizes inside it."""
    nd = len(shape)
    operands = []
    for s, st in inputs:
        lead = nd - len(s)
        operands.append([0] * lead + [0 if s[i] == 1 and shape[lead + i] != 1 else st[i] for i in range(len(s))])
    perm = _iter_perm(shape, operands)
    if perm == list(range(nd - 1, -1, -1)):
        return contiguous_strides(shape)
    out, acc = [0] * nd, 1
    for d in perm:
        out[d] = acc
        acc *= shape[d]
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def index_result_geometry(shape: tuple, stride: tuple, indices: tuple) -> tuple:
    """(shape, strides) of torch's advanced-indexing result (aten::index on CPU): `indices` holds, per dim of
    the indexed tensor, None or the (shape, stride) of an index tensor (a mask already split into its
    nonzero() columns), with a third item True for an int32 one.  Follows make_info: the index tensors are
    broadcast together (expand), an int32 one is then converted with .to(kLong) (preserve_format:
    like_strides), they are moved to the front with their dims when not adjacent (transposeToFront), the
    source is restrided with stride 0 over the indexed subspace (restride_src) and each index viewed with
    size-1 dims around it (reshape_indexer); TensorIterator then allocates the output from those inputs
    (iter_output_strides).  So the result keeps the source's stride order over the kept dims and the index
    tensors' order over the indexed subspace."""
    indices = list(indices) + [None] * (len(shape) - len(indices))
    defined = [i for i in indices if i is not None]
    bshape = broadcast_shapes(*(i[0] for i in defined))

    def broadcast(i: tuple) -> tuple:
        st = i[1] if tuple(i[0]) == bshape else expand_strides(i[0], i[1], bshape)
        return bshape, like_strides(bshape, st) if len(i) > 2 and i[2] else st  # .to(kLong), after expand

    indices = [None if i is None else broadcast(i) for i in indices]
    dims = [d for d, i in enumerate(indices) if i is not None]
    if dims != list(range(dims[0], dims[-1] + 1)):  # not adjacent: transposeToFront
        order = dims + [d for d, i in enumerate(indices) if i is None]
        shape, stride = [shape[d] for d in order], [stride[d] for d in order]
        indices = [indices[d] for d in order]
        dims = list(range(len(dims)))
    before, after = dims[0], len(shape) - dims[-1] - 1
    out_shape = tuple(shape[:before]) + bshape + tuple(shape[len(shape) - after:])
    src_stride = tuple(stride[:before]) + (0,) * len(bshape) + tuple(stride[len(stride) - after:])
    pad = (1,) * before + bshape + (1,) * after
    inputs = [(out_shape, src_stride)]
    for i in indices:
        if i is not None:
            inputs.append((pad, pad_index_strides(bshape, i[1], before, after)))
    return out_shape, iter_output_strides(out_shape, inputs)


def pad_index_strides(shape: tuple, stride: Sequence[int], before: int, after: int) -> tuple:
    """reshape_indexer: the index viewed with `before` and `after` size-1 dims around it."""
    new = (1,) * before + tuple(shape) + (1,) * after
    st = view_strides(shape, stride, new)
    return st if st is not None else contiguous_strides(new)


def _channels_last_contiguous(shape: Sequence[int], stride: Sequence[int]) -> bool:
    """torch's is_contiguous(memory_format=channels_last): 4-d only, dims C, W, H, N innermost first."""
    if len(shape) != 4:
        return False
    if prod(shape) == 0:
        return True
    expected = 1
    for d in (1, 3, 2, 0):
        if shape[d] != 1:
            if stride[d] != expected:
                return False
            expected *= shape[d]
    return True


def elementwise_strides(shape: Sequence[int], operands: Sequence[tuple]) -> tuple:
    """Strides of the output TensorIterator allocates for an element-wise op (its output undefined) over
    `operands`, the (shape, stride) of each input in the kernel's order (a Python scalar or 0-d tensor is
    ((), ())).  Fast setup first, when all operands have one shape (a 0-d operand next to an n-d one
    counts as another shape): all contiguous gives contiguous strides, all channels-last contiguous
    channels-last strides, all non-overlapping and dense with equal strides those strides.  Otherwise
    reorder_dimensions' order, as iter_output_strides."""
    shape = tuple(shape)
    same = all(s == operands[0][0] for s, _ in operands)
    if same and operands:
        if all(is_contiguous(s, st) for s, st in operands):
            return contiguous_strides(shape)
        if all(_channels_last_contiguous(s, st) for s, st in operands):
            n, c, h, w = shape
            return (h * w * c, 1, w * c, c)
        strides = {tuple(st) for _, st in operands}
        if len(strides) == 1 and all(is_non_overlapping_and_dense(s, st) for s, st in operands):
            return strides.pop()
    return _reordered_strides(shape, operands)


def column_major_strides(shape: Sequence[int]) -> tuple:
    """Strides of a batch of column-major (LAPACK) matrices, the batch dims row-major outside them (torch's
    batched_matrix_contiguous_strides(f_contig=True): linalg.inv, svd's U and Vh)."""
    if len(shape) < 2:
        return contiguous_strides(shape)
    st = list(contiguous_strides(tuple(shape[:-2]) + (shape[-1], shape[-2])))
    st[-1], st[-2] = st[-2], st[-1]
    return tuple(st)
