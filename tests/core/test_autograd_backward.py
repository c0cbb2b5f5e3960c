"""Autograd values: gradients of the first-slice ops (Hypothesis inputs, float64), reduction of
gradients over broadcast dims, backward(gradient), retain_graph, create_graph, autograd.grad,
accumulation and the ways to reset .grad, retain_grad on non-leaves."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.helpers import assert_same, assert_same_error, both, lib

small_shapes = npst.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
finite = st.floats(-3, 3, allow_nan=False, width=64)
positive = st.floats(0.2, 4, allow_nan=False, width=64)

UNARY = {
    "neg": (lambda M, x: -x, finite),
    "exp": (lambda M, x: M.exp(x), finite),
    "log": (lambda M, x: M.log(x), positive),
    "sin": (lambda M, x: M.sin(x), finite),
    "cos": (lambda M, x: M.cos(x), finite),
    "sqrt": (lambda M, x: M.sqrt(x), positive),
    "sigmoid": (lambda M, x: M.sigmoid(x), finite),
    "tanh": (lambda M, x: M.tanh(x), finite),
    "abs": (lambda M, x: M.abs(x), finite.filter(lambda v: abs(v) > 1e-3)),
    "pow2": (lambda M, x: x ** 2, finite),
    "pow_half": (lambda M, x: x.pow(0.5), positive),
    "pow_neg": (lambda M, x: M.pow(x, -1.5), positive),
    "rpow": (lambda M, x: 2.0 ** x, finite),
    "sum": (lambda M, x: x.sum(), finite),
    "mean": (lambda M, x: x.mean(), finite),
    "clone": (lambda M, x: x.clone(), finite),
    "seed_sin_sq": (lambda M, x: M.sin(x ** 2), finite),
    "mul_scalar": (lambda M, x: 3 * x, finite),
    "div_scalar": (lambda M, x: x / 4, finite),
    "rdiv": (lambda M, x: 2 / x, positive),
    "sub_scalar": (lambda M, x: 1 - x, finite),
}


@pytest.mark.parametrize("name", list(UNARY))
@given(data=st.data())
def test_unary_gradients(name, data):
    fn, elements = UNARY[name]
    arr = data.draw(npst.arrays(np.float64, small_shapes, elements=elements), label="x")
    g = data.draw(npst.arrays(np.float64, fn(torch, torch.tensor(arr)).shape, elements=finite), label="grad")
    out = []
    for M in (lib, torch):
        x = M.tensor(arr, requires_grad=True)
        y = fn(M, x)
        y.backward(M.tensor(g))
        out.append((y, x.grad))
    assert_same(out[0][0], out[1][0], msg="forward")
    assert_same(out[0][1], out[1][1], msg="x.grad")


BINARY = {
    "add": lambda M, a, b: a + b,
    "sub": lambda M, a, b: a - b,
    "mul": lambda M, a, b: a * b,
    "div": lambda M, a, b: a / b,
    "pow": lambda M, a, b: a ** b,
    "add_alpha": lambda M, a, b: M.add(a, b, alpha=2.5),
    "sub_alpha": lambda M, a, b: M.sub(a, b, alpha=0.5),
}


@pytest.mark.parametrize("name", list(BINARY))
@given(data=st.data(), shapes=npst.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_binary_gradients_reduce_over_broadcast_dims(name, data, shapes):
    fn = BINARY[name]
    (sa, sb), sout = shapes.input_shapes, shapes.result_shape
    a = data.draw(npst.arrays(np.float64, sa, elements=positive), label="a")
    b = data.draw(npst.arrays(np.float64, sb, elements=positive), label="b")
    g = data.draw(npst.arrays(np.float64, sout, elements=finite), label="grad")
    out = []
    for M in (lib, torch):
        ta, tb = M.tensor(a, requires_grad=True), M.tensor(b, requires_grad=True)
        fn(M, ta, tb).backward(M.tensor(g))
        out.append((ta.grad, tb.grad))
    assert_same(out[0][0], out[1][0], msg="a.grad")
    assert_same(out[0][1], out[1][1], msg="b.grad")


REDUCTIONS = [
    ("sum_0", lambda M, x: x.sum(0)), ("sum_neg", lambda M, x: x.sum(-1)),
    ("sum_keep", lambda M, x: x.sum(1, keepdim=True)), ("sum_tuple", lambda M, x: x.sum((0, 2))),
    ("sum_fn", lambda M, x: M.sum(x, dim=1)), ("mean_0", lambda M, x: x.mean(0)),
    ("mean_keep", lambda M, x: x.mean(-1, keepdim=True)), ("mean_tuple", lambda M, x: M.mean(x, (1, 2))),
    ("mean_all", lambda M, x: x.mean()),
]


@pytest.mark.parametrize("fn", [f for _, f in REDUCTIONS], ids=[n for n, _ in REDUCTIONS])
@given(data=st.data())
def test_reduction_gradients(fn, data):
    arr = data.draw(npst.arrays(np.float64, npst.array_shapes(min_dims=3, max_dims=3, max_side=3),
                                elements=finite))
    g = data.draw(npst.arrays(np.float64, fn(torch, torch.tensor(arr)).shape, elements=finite))
    out = []
    for M in (lib, torch):
        x = M.tensor(arr, requires_grad=True)
        y = fn(M, x)
        y.backward(M.tensor(g))
        out.append((y, x.grad))
    assert_same(out[0][0], out[1][0], msg="forward")
    assert_same(out[0][1], out[1][1], msg="x.grad")


@given(data=st.data(), n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4))
def test_mm_matmul_gradients(data, n, k, m):
    a = data.draw(npst.arrays(np.float64, (n, k), elements=finite))
    b = data.draw(npst.arrays(np.float64, (k, m), elements=finite))
    for op in (lambda M, x, y: M.mm(x, y), lambda M, x, y: x @ y, lambda M, x, y: M.matmul(x, y.t().t()),
               lambda M, x, y: x[0] @ y, lambda M, x, y: x @ y[:, 0], lambda M, x, y: x[0] @ y[:, 0]):
        out = []
        for M in (lib, torch):
            ta, tb = M.tensor(a, requires_grad=True), M.tensor(b, requires_grad=True)
            r = op(M, ta, tb)
            (r * r).sum().backward()
            out.append((r, ta.grad, tb.grad))
        for i, what in enumerate(("forward", "a.grad", "b.grad")):
            assert_same(out[0][i], out[1][i], msg=what)


VIEW_GRADS = {
    "view": lambda M, x: x.view(3, 4),
    "view_minus1": lambda M, x: x.view(-1),
    "t": lambda M, x: x[0].t(),
    "T": lambda M, x: x[1].T,
    "transpose": lambda M, x: x.transpose(0, 2),
    "permute": lambda M, x: x.permute(2, 0, 1),
    "expand": lambda M, x: x[:, :1].expand(2, 5, 2),
    "expand_new": lambda M, x: x[0].expand(4, 3, 2),
    "unsqueeze": lambda M, x: x.unsqueeze(1),
    "squeeze": lambda M, x: x[:, :1].squeeze(),
    "narrow": lambda M, x: x.narrow(1, 1, 2),
    "index": lambda M, x: x[1, ::2, -1],
    "index_none": lambda M, x: x[None, ..., 0],
    "select": lambda M, x: x.select(1, 0),
    "reshape_copy": lambda M, x: x.transpose(0, 1).reshape(-1),
    "flatten": lambda M, x: x.flatten(1),
    "repeated_use": lambda M, x: x * x[0] + x.sum(0),
}


@pytest.mark.parametrize("fn", list(VIEW_GRADS.values()), ids=list(VIEW_GRADS))
def test_view_op_gradients(fn):
    arr = np.linspace(-1, 1, 12).reshape(2, 3, 2)
    out = []
    for M in (lib, torch):
        x = M.tensor(arr, requires_grad=True)
        y = fn(M, x)
        w = M.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)))
        (y * w).sum().backward()
        out.append(x.grad)
    assert_same(out[0], out[1])


def test_backward_with_gradient_equals_weighted_sum():
    """000: y.backward(w) computes the same as torch.sum(y * w).backward()."""
    for M in (lib, torch):
        x1 = M.tensor([2.0, 1.0], requires_grad=True)
        x2 = M.tensor([2.0, 1.0], requires_grad=True)
        w = M.tensor([0.01, 0.1])
        (x1 * x1 + 2).backward(w)
        M.sum((x2 * x2 + 2) * w).backward()
        assert x1.grad.tolist() == x2.grad.tolist()
    gl, gt = both(lambda M: (lambda x: ((x + 2).backward(M.FloatTensor([0.01, 0.1])), x.grad)[1])(
        M.autograd.Variable(M.Tensor([2, 1]), requires_grad=True)))
    assert_same(gl, gt)


def test_scalar_backward_seed_003():
    """003: z = 2x + 3y + 4 gives x.grad [2.], y.grad [3.]; out = mean(3(x+2)^2) gives 4.5."""
    def run(M):
        x = M.autograd.Variable(M.Tensor([2]), requires_grad=True)
        y = M.autograd.Variable(M.Tensor([3]), requires_grad=True)
        z = 2 * x + 3 * y + 4
        z.backward()
        a = M.autograd.Variable(M.ones(2, 2), requires_grad=True)
        b = a + 2
        out = (b * b * 3).mean()
        out.backward()
        return x.grad.data, y.grad.data, a.grad
    for lt, tt in zip(run(lib), run(torch)):
        assert_same(lt, tt)


def test_retain_graph_allows_second_backward_and_accumulates():
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        z = M.sin(x ** 2)
        z.backward(M.ones_like(z), retain_graph=True)
        g1 = x.grad.clone()
        z.backward(M.ones_like(z))
        return g1, x.grad
    (l1, l2), (t1, t2) = run(lib), run(torch)
    assert_same(l1, t1)
    assert_same(l2, t2)


def test_second_backward_without_retain_graph_raises():
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        z = M.sin(x ** 2).sum()
        z.backward()
        z.backward()
    assert_same_error(run)


def test_grad_accumulates_and_resets():
    def run(M):
        x = M.tensor([1.0, -2.0, 3.0], requires_grad=True)
        seen = []
        for _ in range(3):
            (x * x).sum().backward()
            seen.append(x.grad.clone())
        grad_obj = x.grad
        x.grad.zero_()                      # resets in place
        seen.append(x.grad.clone())
        same_obj = x.grad is grad_obj
        (x ** 3).sum().backward()
        x.grad.data.zero_()                 # 000's form
        seen.append(x.grad.clone())
        (x * 2).sum().backward()
        x.grad = M.zeros_like(x.grad)       # 001's form
        (x * 5).sum().backward()
        seen.append(x.grad.clone())
        x.grad = None
        (x * 7).sum().backward()
        seen.append(x.grad.clone())
        return seen, same_obj
    (sl, ol), (st_, ot) = run(lib), run(torch)
    assert ol == ot
    for a, b in zip(sl, st_):
        assert_same(a, b)


def test_non_leaf_grad_is_none_unless_retain_grad():
    def run(M):
        w = M.tensor([0.5], requires_grad=True)
        x = M.Tensor([2])
        y = w * x
        y2 = w * x
        y2.retain_grad()
        z = y + y2
        z.backward()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return y.grad, y2.grad, z.grad, x.grad, w.grad, y2.retains_grad, y.retains_grad
    rl, rt = run(lib), run(torch)
    assert (rl[0], rl[2], rl[3]) == (rt[0], rt[2], rt[3]) == (None, None, None)
    assert_same(rl[1], rt[1])
    assert_same(rl[4], rt[4])
    assert rl[5:] == rt[5:]


def test_create_graph_second_derivative():
    def run(M):
        x = M.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = (x ** 3 + M.sin(x)).sum()
        (g,) = M.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        return g, x.grad, g.requires_grad
    (gl, xl, rl), (gt, xt, rt) = run(lib), run(torch)
    assert_same(gl, gt, msg="first derivative")
    assert_same(xl, xt, msg="second derivative")
    assert rl == rt


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_create_graph_then_grad_of_grad():
    def run(M):
        x = M.tensor([1.5, 2.0], requires_grad=True)
        y = (x ** 4).sum()
        y.backward(create_graph=True)
        g = x.grad
        x.grad = None
        g.sum().backward()
        return g.detach(), x.grad
    (a, b), (c, d) = run(lib), run(torch)
    assert_same(a, c)
    assert_same(b, d)


def test_autograd_grad_does_not_touch_dot_grad():
    def run(M):
        x = M.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = M.tensor([4.0, 5.0, 6.0], requires_grad=True)
        z = x * y + x ** 2
        gx, gy = M.autograd.grad(z, (x, y), grad_outputs=M.ones(3))
        return gx, gy, x.grad, y.grad
    rl, rt = run(lib), run(torch)
    assert_same(rl[0], rt[0])
    assert_same(rl[1], rt[1])
    assert rl[2:] == rt[2:] == (None, None)


def test_autograd_grad_list_inputs_and_allow_unused():
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        u = M.tensor([1.0], requires_grad=True)
        (gx, gu) = M.autograd.grad([(x * 3).sum()], [x, u], allow_unused=True)
        return gx, gu
    rl, rt = run(lib), run(torch)
    assert_same(rl[0], rt[0])
    assert rl[1] is None and rt[1] is None
    assert_same_error(lambda M: (lambda x, u: M.autograd.grad((x * 3).sum(), [x, u]))(
        M.tensor([1.0], requires_grad=True), M.tensor([1.0], requires_grad=True)))


# Seed 001's Jacobian and training loop run as written, against torch and JAX, as the autograd scenarios
# seed001_jacobian and seed001_training_loop (conformance/autograd_scenarios.py, tests/autograd/test_scenarios.py).
