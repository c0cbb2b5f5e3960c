"""View ops: new tensors on the same storage with torch's strides and offsets, and their backward nodes.

Also CopySlices, which gives a view's base the history of an in-place op done through the view.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import _geometry as geo
from ..autograd.graph import make_node
from ..tensor import Tensor, _construct
from . import _machinery as M
from . import _args as A
from .reduction import sum_to


def make_view(src: Tensor, shape: Sequence[int], stride: Sequence[int], offset: int, node: str | None = None,
              backward: Callable | None = None) -> Tensor:
    vc = src._vc
    st = src._st  # (the _storage property and _counter(), inline: a view is made per indexing or reshape)
    v = _construct(Tensor, st if st is not None else src._storage, shape, stride, offset, src._dtype,
                   vc if vc is not None else src._counter())
    base = v._base = src._base if src._base is not None else src
    if base._grad_fn is not None:  # (else the class default, None: no instance dict for a plain view)
        v._bgf = base._grad_fn
    if node is not None and src._requires_grad:  # (record's own first test, without the call on every view)
        M.record(v, node, [src], backward)
    return v


def _sizes(args: Sequence[Any]) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    for a in args:  # fast path: plain ints (bool is a subclass of int, so exact types are checked)
        if type(a) is not int:
            break
    else:
        return tuple(args)
    for a in args:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"view(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(a).__name__}")
    return tuple(int(a) for a in args)


@M.export(function=False)
def view(self: Tensor, *shape: Any) -> Tensor:
    if not shape:
        raise TypeError("view() received an invalid combination of arguments - got (), but expected one of:\n"
                        " * (torch.dtype dtype)\n * (tuple of ints size)\n")
    in_shape = self._shape
    shape = geo.infer_size(_sizes(shape), geo.prod(in_shape))
    st = self._stride
    contiguous = st is (rm := geo.ROW_MAJOR[in_shape]) or st == rm
    if contiguous:
        stride = geo.ROW_MAJOR[shape]  # what view_strides computes for a contiguous input
    else:
        stride = geo.view_strides(self._shape, self._stride, shape)
    if stride is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    v = make_view(self, shape, stride, self._offset, "ViewBackward0",
                  (lambda g, *s: (g[0].reshape(in_shape),)) if self._requires_grad else None)
    src = self._arr
    if contiguous and src is not None and src.size and self._arr_of is self._st.array:  # (make_view made _st)
        # NumPy's reshape of a C-contiguous array is a view with these very strides: ~5x cheaper than the
        # strided_view the tensor would otherwise build on first use (empty arrays' strides may differ)
        v._arr, v._arr_of = src.reshape(shape), self._arr_of
    return v


@M.export(function=False)
def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, other._shape)


@M.export()
def reshape(input: Tensor, *shape: Any) -> Tensor:
    if not shape:
        raise TypeError('reshape() missing 1 required positional arguments: "shape"')
    shape = geo.infer_size(_sizes(shape), input.numel())
    if input.is_contiguous():
        return view(input, shape)
    stride = geo.view_strides(input._shape, input._stride, shape)
    if stride is not None:
        # torch: a non-contiguous but viewable input goes through _reshape_alias (ReshapeAliasBackward0)
        in_shape = input._shape
        return make_view(input, shape, stride, input._offset, "ReshapeAliasBackward0",
                         lambda g, *s: (g[0].reshape(in_shape),))
    # Not viewable: torch copies (clone) then views the copy; the node is UnsafeViewBackward0.
    from .copying import clone

    c = clone(input, memory_format="contiguous_format")
    in_shape = c._shape
    out = Tensor._make(c._storage, shape, geo.contiguous_strides(shape), 0, c._dtype)
    out._arr = None
    return M.record(out, "UnsafeViewBackward0", [c], lambda g, *s: (g[0].reshape(in_shape),))


@M.export(function=False)
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other._shape)


@M.export()
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    s = geo.wrap_dim(start_dim, input.dim())
    e = geo.wrap_dim(end_dim, input.dim())
    if input.dim() == 0:
        return reshape(input, 1)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._shape[:s] + (geo.prod(input._shape[s:e + 1]),) + input._shape[e + 1:]
    return reshape(input, shape)


@M.export()
def t(input: Tensor) -> Tensor:
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    if input.dim() < 2:
        return make_view(input, input._shape, input._stride, input._offset, "TBackward0", lambda g, *s: (g[0],))
    v = make_view(input, input._shape[::-1], input._stride[::-1], input._offset, "TBackward0",
                  lambda g, *s: (t(g[0]),))
    if input._arr is not None and input._arr_of is input._storage.array:
        # the same geometry, ~10x cheaper than the strided_view built on first use
        v._arr, v._arr_of = input._arr.T, input._arr_of
    return v


@M.export()
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    n = input.dim()
    d0, d1 = geo.wrap_dim(dim0, n), geo.wrap_dim(dim1, n)
    shape, stride = list(input._shape), list(input._stride)
    if n:
        shape[d0], shape[d1] = shape[d1], shape[d0]
        stride[d0], stride[d1] = stride[d1], stride[d0]
    return make_view(input, shape, stride, input._offset, "TransposeBackward0",
                     lambda g, *s: (transpose(g[0], d0, d1),))


M.export("swapaxes", "swapdims")(transpose)


@M.export()
def permute(input: Tensor, *dims: Any) -> Tensor:
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"permute(): argument 'dims' must be tuple of ints, not {type(d).__name__}")
    n = input.dim()
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to "
                           f"len(dims) = {len(dims)}")
    dims = tuple(geo.wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    inv = tuple(int(i) for i in np.argsort(dims))
    return make_view(input, [input._shape[d] for d in dims], [input._stride[d] for d in dims], input._offset,
                     "PermuteBackward0", lambda g, *s: (permute(g[0], inv),))


def _T(self: Tensor) -> Tensor:
    return permute(self, tuple(range(self.dim() - 1, -1, -1)))


def _mT(self: Tensor) -> Tensor:
    return transpose(self, -2, -1)


@M.export()
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    A.check_int(dim, "unsqueeze", "dim")
    n = input.dim()
    if not -n - 1 <= dim <= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n - 1}, {n}], but got {dim})")
    d = dim % (n + 1)
    new_stride = input._shape[d] * input._stride[d] if d < n else 1
    shape = input._shape[:d] + (1,) + input._shape[d:]
    stride = input._stride[:d] + (new_stride,) + input._stride[d:]
    return make_view(input, shape, stride, input._offset, "UnsqueezeBackward0", lambda g, *s: (squeeze(g[0], d),))


@M.export()
def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    n = input.dim()
    if dim is None:
        dims = {i for i, s in enumerate(input._shape) if s == 1}
        node = "SqueezeBackward0"
    elif isinstance(dim, (tuple, list)):
        dims = {geo.wrap_dim(d, n) for d in dim if n and input._shape[geo.wrap_dim(d, n)] == 1}
        node = "SqueezeBackward2"
    else:
        d = geo.wrap_dim(dim, n)
        dims = {d} if n and input._shape[d] == 1 else set()
        node = "SqueezeBackward1"
    in_shape = input._shape
    keep = [i for i in range(n) if i not in dims]
    return make_view(input, [input._shape[i] for i in keep], [input._stride[i] for i in keep], input._offset,
                     node, lambda g, *s: (g[0].reshape(in_shape),))


@M.export(function=False)
def expand(self: Tensor, *sizes: Any) -> Tensor:
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _sizes(sizes)
    n = len(sizes)
    in_shape = self._shape
    if not in_shape and all(s >= 0 for s in sizes):
        # a 0-d tensor (a full reduction's gradient, broadcast back): every dim is new and expanded
        return make_view(self, sizes, (0,) * n, self._offset, "ExpandBackward0",
                         lambda g, *s: (sum_to(g[0], in_shape),))
    if n < self.dim():
        raise RuntimeError(f"expand(torch.{self._dtype.legacy}{{{list(self._shape)}}}, size={list(sizes)}): the number of "
                           f"sizes provided ({n}) must be greater or equal to the number of dimensions in the tensor "
                           f"({self.dim()})")
    # torch's inferExpandGeometry, right to left: a new leading dim gets the stride a contiguous
    # layout would give it, and any dim that is actually expanded gets stride 0.
    shape, stride = [0] * n, [0] * n
    lead = n - self.dim()
    for i in range(n - 1, -1, -1):
        if self.dim() == 0:
            shape[i] = sizes[i]
            if sizes[i] < 0:
                raise RuntimeError(f"The expanded size of the tensor ({sizes[i]}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            continue
        s = sizes[i]
        if i >= lead:
            cur, st = self._shape[i - lead], self._stride[i - lead]
        else:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
            cur, st = 1, shape[i + 1] * stride[i + 1] if i + 1 < n else 1
        if s == -1:
            s = cur
        if cur != s:
            if cur != 1:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                                   f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                                   f"{list(self._shape)}")
            st = 0
        shape[i], stride[i] = s, st
    return make_view(self, shape, stride, self._offset, "ExpandBackward0", lambda g, *s: (sum_to(g[0], in_shape),))


@M.export(function=False)
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return expand(self, other._shape)


@M.export()
def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    return expand(input, tuple(size))


def _embed(g: Tensor, in_shape: tuple, region: Callable[[Tensor], Tensor]) -> Tensor:
    """Gradient of a selecting view: zeros of the input's shape with the view's region set to g."""
    from .creation import zeros

    z = zeros(in_shape, dtype=g._dtype, device=g.device)
    region(z).copy_(g)
    return z


@M.export()
def select(input: Tensor, dim: int, index: int) -> Tensor:
    if type(index) is not int or type(dim) is not int:  # (worded for positional dim and index)
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise A.arg_error("select", "dim", "int", dim, 2)
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise A.arg_error("select", "index", "int", index, 3)
        index = int(index)
    in_shape = input._shape
    n = len(in_shape)
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = geo.wrap_dim(dim, n)
    size = in_shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._shape)} at "
                         f"dimension {d}")
    i = index % size
    st = input._stride
    return make_view(input, in_shape[:d] + in_shape[d + 1:], st[:d] + st[d + 1:], input._offset + i * st[d],
                     "SelectBackward0", lambda g, *s: (_embed(g[0], in_shape, lambda z: select(z, d, i)),))


def slice_dim(input: Tensor, dim: int, start: int, stop: int, step: int) -> Tensor:
    """input[..., start:stop:step, ...] along dim, with Python's clamping (start/stop already ints)."""
    if step <= 0:
        raise ValueError("step must be greater than zero")
    in_shape = input._shape
    in_stride = input._stride
    start, stop, _ = slice(start, stop, step).indices(in_shape[dim])
    length = max(0, (stop - start + step - 1) // step)
    shape = in_shape[:dim] + (length,) + in_shape[dim + 1:]
    stride = in_stride[:dim] + (in_stride[dim] * step,) + in_stride[dim + 1:]
    return make_view(input, shape, stride, input._offset + start * in_stride[dim], "SliceBackward0",
                     lambda g, *s: (_embed(g[0], in_shape, lambda z: slice_dim(z, dim, start, stop, step)),))


@M.export()
def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    if not isinstance(start, Tensor):  # an int, or a 0-d integer tensor
        A.check_int(start, "narrow", "start")
    A.check_int(length, "narrow", "length")
    n = input.dim()
    if n == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = geo.wrap_dim(dim, n)
    size = input._shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(input, d, start, start + length, 1)


def alias(input: Tensor) -> Tensor:
    return make_view(input, input._shape, input._stride, input._offset, "AliasBackward0", lambda g, *s: (g[0],))


@M.export()
def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    off = input._offset if storage_offset is None else storage_offset
    if geo.storage_extent(size, stride, off) > input._storage.data.shape[0]:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, and itemsize "
                           f"{input._dtype.itemsize} requiring a storage size of "
                           f"{geo.storage_extent(size, stride, off) * input._dtype.itemsize} are out of bounds for "
                           f"storage of size {input._storage.data.nbytes}")
    in_geom = (input._shape, input._stride, input._offset)
    out_geom = (size, stride, off)
    return make_view(input, size, stride, off, "AsStridedBackward0",
                     lambda g, *s: (_as_strided_backward(g[0], in_geom, out_geom),))


def _geometry_index(shape: Sequence[int], stride: Sequence[int], offset: int, xp: Any) -> Any:
    idx = xp.full(tuple(shape), offset, dtype=np.int64)
    for d, (sz, st) in enumerate(zip(shape, stride)):
        ar = xp.arange(sz, dtype=np.int64) * st
        idx = idx + ar.reshape((sz,) + (1,) * (len(shape) - d - 1))
    return idx


def _as_strided_backward(g: Tensor, in_geom: tuple, out_geom: tuple) -> Tensor:
    """Scatter-add g (laid out by out_geom in storage) and read it back through the input's geometry."""
    xp = g._xp
    extent = max(geo.storage_extent(*in_geom), geo.storage_extent(*out_geom), 1)
    buf = xp.zeros(extent, dtype=g._dtype.np)
    out_idx = _geometry_index(*out_geom, xp)
    np.add.at(buf, out_idx.reshape(-1), g._array.reshape(-1)) if xp is np else \
        xp.add.at(buf, out_idx.reshape(-1), g._array.reshape(-1))
    res = buf[_geometry_index(*in_geom, xp)]
    return M.record(M.wrap(res, g._dtype, g), "AsStridedBackwardBackward0", [g],
                    lambda gg, *s: (as_strided(gg[0].contiguous(), *out_geom[:2], out_geom[2]),))


def as_strided_node(view_t: Tensor, base: Tensor) -> None:
    """Give a view an AsStridedBackward0 node onto its base's current history."""
    in_geom = (base._shape, base._stride, base._offset)
    out_geom = (view_t._shape, view_t._stride, view_t._offset)
    rel = (view_t._shape, view_t._stride, view_t._offset - base._offset)
    node = make_node("AsStridedBackward0", [base],
                     lambda g, *s: (_as_strided_backward(g[0], (in_geom[0], in_geom[1], 0), rel),),
                     outputs=[view_t])
    view_t._grad_fn, view_t._requires_grad, view_t._output_nr = node, True, 0
    del out_geom


def copy_slices(base: Tensor, view_t: Tensor, others: Sequence[Any], fn_backward: Callable,
                saved: Sequence[Tensor]) -> None:
    """In-place op `fn` done through `view_t`: the base gets a CopySlices node, like torch's.

    Its backward hands the view's region of the base gradient to fn's backward, writes fn's gradient for
    the old view value back into that region, and passes the other inputs' gradients on."""
    bshape, bstride = base._shape, base._stride
    rel = (view_t._shape, view_t._stride, view_t._offset - base._offset)
    # fn may have saved its result, the view itself: held as is, the node would keep view -> base -> node, a
    # reference cycle. Save the base instead, the node's own output (kept without its history, see make_node),
    # and take the view of it again when unpacked (with its history onto this node, for create_graph).
    view_at = [i for i, t in enumerate(saved) if t is view_t]
    if view_at:
        saved = [base if t is view_t else t for t in saved]

    def backward(grads, *saved_t):
        from .creation import empty_strided

        if view_at:
            saved_t = list(saved_t)
            for i in view_at:
                b = saved_t[i]
                saved_t[i] = as_strided(b, rel[0], rel[1], b._offset + rel[2])
        g = grads[0]
        result = empty_strided(bshape, bstride, dtype=g._dtype, device=g.device)
        result.copy_(g)
        region = as_strided(result, *rel)
        res = fn_backward([region.clone()], *saved_t)
        if res[0] is None:
            region.zero_()
        else:
            region.copy_(res[0])
        return (result, *res[1:])

    node = make_node("CopySlices", [base, *others], backward, saved, outputs=[base])
    if view_at:  # (its errors describe the view that was saved, as before: a view onto the base's history)
        node._described = {i: (view_t._shape, ", which is output 0 of AsStrided,") for i in view_at}
    base._grad_fn, base._requires_grad, base._output_nr = node, True, 0
    view_t._bgf = None  # forces the view to regenerate its node onto the new base history
    from ..autograd.graph import sync_view

    sync_view(view_t)


@M.export()
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    n = input.dim()
    d1, d2 = geo.wrap_dim(dim1, n), geo.wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    s1, s2 = input._shape[d1], input._shape[d2]
    if offset >= 0:
        length = max(0, min(s1, s2 - offset))
        off = input._offset + (offset * input._stride[d2] if length else 0)
    else:
        length = max(0, min(s1 + offset, s2))
        off = input._offset + (-offset * input._stride[d1] if length else 0)
    keep = [i for i in range(n) if i not in (d1, d2)]
    shape = [input._shape[i] for i in keep] + [length]
    stride = [input._stride[i] for i in keep] + [input._stride[d1] + input._stride[d2]]
    in_shape = input._shape
    return make_view(input, shape, stride, off, "DiagonalBackward0",
                     lambda g, *s: (_embed(g[0], in_shape, lambda z: diagonal(z, offset, d1, d2)),))


@M.export()
def unbind(input: Tensor, dim: int = 0) -> tuple:
    d = geo.wrap_dim(dim, input.dim())
    return tuple(select(input, d, i) for i in range(input._shape[d]))


@M.export()
def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    d = geo.wrap_dim(dim, tensor.dim())
    size = tensor._shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sections = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sections}")
    out, start = [], 0
    for s in sections:
        out.append(slice_dim(tensor, d, start, start + s, 1))
        start += s
    return tuple(out)


@M.export()
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = geo.wrap_dim(dim, input.dim())
    size = input._shape[d]
    step = -(-size // chunks) if size else 0
    return split(input, step, d) if step else (input,)


PROPERTIES = {"T": _T, "mT": _mT}
