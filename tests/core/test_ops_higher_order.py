"""create_graph=True through the ops added beyond the first slice: first and second derivatives of a
random-cotangent-weighted sum match torch (so every backward formula is itself differentiable)."""
import numpy as np
import pytest
import torch

from tests.helpers import assert_same, lib

X = np.array([[1.0, 5.0, 3.0], [4.0, -2.0, 6.0]]) / 3
A = np.random.default_rng(0).uniform(-1, 1, (3, 3)) + 3 * np.eye(3)
OPS = {
 "softmax": lambda M, x: M.softmax(x, 1),
 "log_softmax": lambda M, x: M.log_softmax(x, 0),
 "clamp": lambda M, x: M.clamp(x, -0.5, 1.5) ** 2,
 "addcmul": lambda M, x: M.addcmul(x, x, x.exp(), value=0.5),
 "addcdiv": lambda M, x: M.addcdiv(x, x, x.exp()),
 "var": lambda M, x: M.var(x, 1),
 "std": lambda M, x: M.std(x),
 "norm2": lambda M, x: M.norm(x, dim=1),
 "norm3": lambda M, x: M.norm(x, 3),
 "dist": lambda M, x: M.dist(x, M.index_select(x, 0, M.tensor([1, 0]))),
 "gather": lambda M, x: M.gather(x ** 2, 1, M.tensor([[0, 2], [1, 1]])),
 "index_select": lambda M, x: M.index_select(x ** 3, 1, M.tensor([2, 0, 0])),
 "masked_select": lambda M, x: M.masked_select(x ** 2, x > 0),
 "scatter": lambda M, x: M.scatter(x ** 2, 1, M.tensor([[0], [2]]), x[:, :1] ** 3),
 "cat": lambda M, x: M.cat([x ** 2, x ** 3], 1),
 "stack": lambda M, x: M.stack([x ** 2, x.exp()]),
 "max_dim": lambda M, x: M.max(x ** 2, 1).values,
 "median": lambda M, x: M.median(x ** 3, 0).values,
 "topk": lambda M, x: M.topk(x ** 2, 2).values,
 "prod": lambda M, x: M.prod(x, 1),
 "cumsum": lambda M, x: M.cumsum(x ** 2, 1),
 "cumprod": lambda M, x: M.cumprod(x, 1),
 "cross": lambda M, x: M.cross(x ** 2, x.exp(), dim=1),
 "trace": lambda M, x: M.trace(x.t().matmul(x) ** 2),
 "diag": lambda M, x: M.diag(x ** 2, 1),
 "triu": lambda M, x: M.triu(x ** 2),
 "addmm": lambda M, x: M.addmm(x[:, :2], x ** 2, x.t().exp()),
 "maximum": lambda M, x: M.maximum(x ** 2, x.exp()),
 "where": lambda M, x: M.where(x > 0, x ** 2, x ** 3),
 "linear": lambda M, x: M.nn.functional.linear(x, x.exp(), x[0, :2] ** 2),
 "mse": lambda M, x: M.nn.functional.mse_loss(x ** 2, x.exp()),
 "take": lambda M, x: M.take(x ** 2, M.tensor([0, 4, 4])),
 "masked_fill": lambda M, x: M.masked_fill(x ** 2, x > 1, 0.0),
}
def inv_op(M, a): return M.inverse(a) ** 2
def svd_op(M, a):
    U, S, V = M.svd(a); return S ** 2
OPS["inverse"] = inv_op
OPS["svd_S"] = svd_op


@pytest.mark.parametrize("name", list(OPS))
def test_second_order_gradients(name):
    arr = A if name in ("inverse", "svd_S") else X
    res = []
    for M in (lib, torch):
        x = M.tensor(arr, requires_grad=True)
        y = OPS[name](M, x)
        c = M.tensor(np.random.default_rng(1).uniform(-1, 1, tuple(y.shape)))
        (g,) = M.autograd.grad((y * c).sum(), x, create_graph=True)
        assert g.requires_grad
        (gg,) = M.autograd.grad((g * g).sum(), x)
        res.append((g, gg))
    assert_same(res[0][0], res[1][0], rtol=1e-6, atol=1e-9, msg="first order")
    assert_same(res[0][1], res[1][1], rtol=1e-6, atol=1e-9, msg="second order")
