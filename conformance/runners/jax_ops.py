"""JAX oracles with torch's signatures, for ops JAX spells differently.

Each is a thin composition of jax.numpy / jax.lax written from the JAX documentation, with torch's
argument names so the spec passes the same arguments; where torch's definition differs (median of an
even count, clamp's gradient at the bounds...) the spec declares a divergence rather than imitating
torch here.  Index outputs select values with take_along_axis, so gradients flow to the index JAX
chose (torch sends max(dim)'s gradient to the returned index too).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .jaxrunner import _jax_modules

jax, jnp = _jax_modules()
lax = jax.lax


def _axis(x: Any, dim: int | None) -> int | None:
    return None if dim is None or x.ndim == 0 else dim % x.ndim


def _select(x: Any, idx: Any, dim: int, keepdim: bool):
    """(x picked at idx along dim, idx), idx having x's shape with size 1 at dim."""
    values = jnp.take_along_axis(x, idx, axis=dim)
    if not keepdim:
        values, idx = jnp.squeeze(values, dim), jnp.squeeze(idx, dim)
    return values, idx


# ---------------------------------------------------------------------------------- reductions

def max_dim(x, dim, keepdim=False):
    """torch.max(x, dim): values and the index of the first maximum (NaN counts as the maximum)."""
    d = _axis(x, dim)
    if d is None:
        return x, jnp.zeros((), dtype=jnp.int64)
    idx = jnp.expand_dims(jnp.argmax(x, axis=d), d)
    return _select(x, idx, d, keepdim)


def min_dim(x, dim, keepdim=False):
    d = _axis(x, dim)
    if d is None:
        return x, jnp.zeros((), dtype=jnp.int64)
    idx = jnp.expand_dims(jnp.argmin(x, axis=d), d)
    return _select(x, idx, d, keepdim)


def median_dim(x, dim, keepdim=False):
    """Lower median along dim ((n - 1) // 2-th of the stably sorted values) and its index; a row with
    NaN gives NaN at its first NaN (torch's median propagates NaN)."""
    d = _axis(x, dim)
    if d is None:
        return x, jnp.zeros((), dtype=jnp.int64)
    n = x.shape[d]
    order = jnp.argsort(x, axis=d, stable=True)
    mid = jnp.take(order, jnp.array([(n - 1) // 2]), axis=d)
    if jnp.issubdtype(x.dtype, jnp.floating):
        nan = jnp.isnan(x)
        first_nan = jnp.expand_dims(jnp.argmax(nan, axis=d), d)
        mid = jnp.where(jnp.any(nan, axis=d, keepdims=True), first_nan, mid)
    return _select(x, mid, d, keepdim)


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
    """torch.topk through jax.lax.top_k on the last axis (negated for the smallest)."""
    d = _axis(x, dim)
    if d is None:
        return x, jnp.zeros((), dtype=jnp.int64)
    xm = jnp.moveaxis(x, d, -1)
    key = xm if largest else (-xm if jnp.issubdtype(x.dtype, jnp.floating) else ~xm)  # ~: no int overflow
    if x.dtype == jnp.bool_:
        key = xm.astype(jnp.int8) if largest else 1 - xm.astype(jnp.int8)
    _, idx = lax.top_k(key, k)
    idx = jnp.moveaxis(idx, -1, d)
    return jnp.take_along_axis(x, idx, axis=d), idx


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return jnp.sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    ddof = correction if correction is not None else (0 if unbiased is False else 1)
    axis = dim if not isinstance(dim, list) else tuple(dim)
    if x.ndim == 0:
        axis = None
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
    mean = jnp.mean(x, axis=axis, keepdims=True)
    ss = jnp.sum(jnp.square(x - mean), axis=axis, keepdims=keepdim)
    return ss / max(n - ddof, 0)


def norm(x, p="fro", dim=None, keepdim=False):
    """torch.norm(x, p, dim) of a real tensor: the vector p-norm over dim (all elements by default)."""
    ord_ = 2 if p == "fro" else p
    axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
    if x.ndim == 0:
        axis = None
    return jnp.linalg.vector_norm(x, ord=ord_, axis=axis, keepdims=keepdim)


def dist(a, b, p=2):
    return jnp.linalg.vector_norm(a - b, ord=p)


def cumsum(x, dim):
    """torch promotes integer and bool inputs to int64 (jnp.cumsum keeps int8)."""
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.int64)
    return x if x.ndim == 0 else jnp.cumsum(x, axis=_axis(x, dim))


def cumprod(x, dim):
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.int64)
    return x if x.ndim == 0 else jnp.cumprod(x, axis=_axis(x, dim))


# ---------------------------------------------------------------------------------- selection

def index_select(x, dim, index):
    if x.ndim == 0:  # torch: a 0-d input takes exactly one index and stays 0-d
        if index.size != 1:
            raise ValueError("index to a scalar must have exactly one value")
        return x.reshape(1)[index.reshape(1)].reshape(())
    return jnp.take(x, index, axis=_axis(x, dim))


def gather(x, dim, index):
    """out[i][j] = x[index[i][j]][j] (dim 0); index may be smaller than x on the other dims."""
    if x.ndim == 0:
        return x.reshape(1)[index]
    d = dim % x.ndim
    sl = tuple(slice(0, s) if k != d else slice(None) for k, s in enumerate(index.shape))
    return jnp.take_along_axis(x[sl], index, axis=d)


def _scatter_where(x, dim, index):
    """Full-coordinate index arrays for the positions scatter writes."""
    if x.ndim == 0:
        return ()
    d = dim % x.ndim
    grid = list(np.indices(index.shape, sparse=True))
    grid[d] = index
    return tuple(grid)


def scatter(x, dim, index, src):
    if x.ndim == 0:
        return jnp.reshape(src, ()) if index.size else x
    return x.at[_scatter_where(x, dim, index)].set(src[tuple(slice(0, s) for s in index.shape)])


def scatter_value(x, dim, index, value):
    if x.ndim == 0:
        return jnp.full((), value, x.dtype) if index.size else x
    return x.at[_scatter_where(x, dim, index)].set(value)


def nonzero(x, as_tuple=False):
    if as_tuple:
        return tuple(jnp.nonzero(x.reshape(1) if x.ndim == 0 else x))
    return jnp.argwhere(x)


def masked_select(x, mask):
    x, mask = jnp.broadcast_arrays(x, mask)
    return x[np.asarray(mask)]


def getitem_mask(x, mask):
    return x[np.asarray(mask)]


# ---------------------------------------------------------------------------------- pointwise

def clamp(x, min=None, max=None):  # noqa: A002 - torch's names
    if min is None and max is None:
        raise ValueError("clamp needs min or max")
    return jnp.clip(x, min, max)


def add(x, other, alpha=1):
    """torch.add(x, other, alpha=alpha): x + alpha * other (alpha 1: plain add, no extra rounding)."""
    return jnp.add(x, other) if alpha == 1 else jnp.add(x, jnp.multiply(alpha, other))


def subtract(x, other, alpha=1):
    return jnp.subtract(x, other) if alpha == 1 else jnp.subtract(x, jnp.multiply(alpha, other))


def addcdiv(t, t1, t2, value=1):
    return t + value * (t1 / t2)


def addcmul(t, t1, t2, value=1):
    return t + value * (t1 * t2)


# ---------------------------------------------------------------------------------- linalg

def _beta_input(x, beta):
    # torch ignores `input` when beta is 0 (NaN in it does not propagate)
    return 0 if beta == 0 else beta * x


def addmm(x, m1, m2, beta=1, alpha=1):
    return _beta_input(x, beta) + alpha * jnp.matmul(m1, m2)


def addmv(x, mat, vec, beta=1, alpha=1):
    return _beta_input(x, beta) + alpha * jnp.matmul(mat, vec)


def addr(x, v1, v2, beta=1, alpha=1):
    out = jnp.outer(v1, v2)
    if x.dtype == jnp.bool_:  # torch: bool addr is (beta and input) or (alpha and outer)
        return jnp.logical_or(jnp.logical_and(beta, x), jnp.logical_and(alpha, out))
    return _beta_input(x, beta) + alpha * out


def addbmm(x, b1, b2, beta=1, alpha=1):
    return _beta_input(x, beta) + alpha * jnp.sum(jnp.matmul(b1, b2), axis=0)


def baddbmm(x, b1, b2, beta=1, alpha=1):
    return _beta_input(x, beta) + alpha * jnp.matmul(b1, b2)


def svd(a, some=True):
    """torch.svd: (U, S, V) with V (not V^H).  Only S and U diag(S) V^T are compared (spec post="svd"),
    which the reduced SVD determines; JAX's full-matrices SVD has no derivative, so some=False pads
    the reduced U and V with zero columns to torch's shapes instead (those columns are never read)."""
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    v = jnp.swapaxes(vh, -1, -2)
    if not some:
        m, n = a.shape[-2], a.shape[-1]
        pad = [(0, 0)] * (a.ndim - 2)
        u = jnp.pad(u, pad + [(0, 0), (0, m - u.shape[-1])])
        v = jnp.pad(v, pad + [(0, 0), (0, n - v.shape[-1])])
    return u, s, v


def diag(x, diagonal=0):
    return jnp.diag(x, k=diagonal)


def triu(x, diagonal=0):
    return jnp.triu(x, k=diagonal)


def tril(x, diagonal=0):
    return jnp.tril(x, k=diagonal)


# ---------------------------------------------------------------------------------- attributes

def item(x):
    return x.item()


def numel(x):
    return int(x.size)


def size(x, dim=None):
    return tuple(x.shape) if dim is None else x.shape[dim]


def dim(x):
    return x.ndim


def element_size(x):
    return x.dtype.itemsize


def to_numpy(x):
    return np.asarray(x)
