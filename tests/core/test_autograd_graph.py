"""Autograd graph structure: requires_grad propagation, is_leaf, grad_fn names and the
next_functions DAG (node class names, None for inputs that need no grad), AccumulateGrad."""
import warnings

import numpy as np
import pytest
import torch

from tests.helpers import both, fn_name, graph_names, lib


def leaves(M):
    x = M.tensor(np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    y = M.tensor(np.linspace(0.5, 3.0, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    c = M.tensor(np.full((2, 3), 2.0, dtype=np.float32))  # constant, no grad
    return x, y, c


# Names the issue lists explicitly (the first slice).
CORE = {
    "add": lambda M, x, y, c: x + y,
    "add_fn": lambda M, x, y, c: M.add(x, y),
    "add_scalar": lambda M, x, y, c: x + 1,
    "add_const": lambda M, x, y, c: x + c,
    "mul": lambda M, x, y, c: x * y,
    "mul_scalar": lambda M, x, y, c: x * 2,
    "pow": lambda M, x, y, c: x ** 2,
    "pow_method": lambda M, x, y, c: x.pow(3),
    "sin": lambda M, x, y, c: M.sin(x),
    "sum": lambda M, x, y, c: x.sum(),
    "mean": lambda M, x, y, c: x.mean(),
    "mm": lambda M, x, y, c: M.mm(x, y.t()),
    "matmul_2d": lambda M, x, y, c: x @ y.t(),
    "view": lambda M, x, y, c: x.view(-1),
    "t": lambda M, x, y, c: x.t(),
    "expand": lambda M, x, y, c: x[:1].expand(4, 3),
    "seed_004_chain": lambda M, x, y, c: M.sin(x ** 2),
    "seed_002_Q": lambda M, x, y, c: 3 * x ** 3 - y ** 2,
    "seed_003_chain": lambda M, x, y, c: ((x + 2) * (x + 2) * 3).mean(),
    "seed_001_wx_b": lambda M, x, y, c: M.add(M.mul(x, c), y),
}

# Further first-slice ops; names are whatever torch uses (compared live).
EXTENDED = {
    "sub": lambda M, x, y, c: x - y,
    "rsub": lambda M, x, y, c: 2 - x,
    "div": lambda M, x, y, c: x / y,
    "div_scalar": lambda M, x, y, c: x / 2,
    "rdiv": lambda M, x, y, c: 1 / x,
    "neg": lambda M, x, y, c: -x,
    "pow_tensor": lambda M, x, y, c: x ** y,
    "rpow": lambda M, x, y, c: 2 ** x,
    "exp": lambda M, x, y, c: M.exp(x),
    "log": lambda M, x, y, c: M.log(x),
    "cos": lambda M, x, y, c: M.cos(x),
    "sqrt": lambda M, x, y, c: M.sqrt(x),
    "sigmoid": lambda M, x, y, c: M.sigmoid(x),
    "tanh": lambda M, x, y, c: M.tanh(x),
    "abs": lambda M, x, y, c: M.abs(x),
    "sum_dim": lambda M, x, y, c: x.sum(0),
    "sum_keepdim": lambda M, x, y, c: x.sum(1, keepdim=True),
    "mean_dim": lambda M, x, y, c: x.mean(dim=1),
    "matmul_dot": lambda M, x, y, c: x[0] @ y[0],
    "matmul_mv": lambda M, x, y, c: x @ y[0],
    "T": lambda M, x, y, c: x.T,
    "transpose": lambda M, x, y, c: x.transpose(0, 1),
    "permute": lambda M, x, y, c: x.permute(1, 0),
    "reshape_view": lambda M, x, y, c: x.reshape(3, 2),
    "reshape_copy": lambda M, x, y, c: x.t().reshape(-1),
    "flatten": lambda M, x, y, c: x.flatten(),
    "unsqueeze": lambda M, x, y, c: x.unsqueeze(0),
    "squeeze": lambda M, x, y, c: x[:1].squeeze(0),
    "select": lambda M, x, y, c: x[0],
    "slice": lambda M, x, y, c: x[:, 1:],
    "narrow": lambda M, x, y, c: x.narrow(1, 0, 2),
    "clone": lambda M, x, y, c: x.clone(),
    "to_double": lambda M, x, y, c: x.double(),
    "inplace_add_on_nonleaf": lambda M, x, y, c: (x * 1).add_(y),
    "inplace_mul_on_nonleaf": lambda M, x, y, c: (x + 0).mul_(2),
    "inplace_exp_on_nonleaf": lambda M, x, y, c: (x * 1).exp_(),
    "deep_chain": lambda M, x, y, c: ((x * y).sum(0) + M.exp(x).mean(0)).sum(),
}


def _graph(make):
    (xl, yl, cl), (xt, yt, ct) = both(leaves)
    return make(lib, xl, yl, cl), make(torch, xt, yt, ct)


@pytest.mark.parametrize("make", list(CORE.values()) + list(EXTENDED.values()),
                         ids=[f"core-{k}" for k in CORE] + [f"ext-{k}" for k in EXTENDED])
def test_grad_fn_name_and_flags(make):
    rl, rt = _graph(make)
    assert fn_name(rl.grad_fn) == fn_name(rt.grad_fn)
    assert rl.requires_grad == rt.requires_grad
    assert rl.is_leaf == rt.is_leaf
    assert rl.grad_fn.name() == rt.grad_fn.name()


@pytest.mark.parametrize("make", list(CORE.values()) + list(EXTENDED.values()),
                         ids=[f"core-{k}" for k in CORE] + [f"ext-{k}" for k in EXTENDED])
def test_next_functions_structure(make):
    rl, rt = _graph(make)
    assert graph_names(rl.grad_fn, depth=6) == graph_names(rt.grad_fn, depth=6)


def test_accumulate_grad_points_at_leaf():
    (xl, yl, _), (xt, yt, _) = both(leaves)
    for x, y in ((xl, yl), (xt, yt)):
        z = x * y
        (ax, ix), (ay, iy) = z.grad_fn.next_functions
        assert fn_name(ax) == "AccumulateGrad" and ax.variable is x and ix == 0
        assert ay.variable is y


def test_requires_grad_propagation_seed_002():
    """002: a = x + y (no grad) is False; b = x + z with z requiring grad is True."""
    def run(M):
        x, y = M.ones(5, 5), M.zeros(5, 5)
        z = M.ones((5, 5), requires_grad=True)
        a, b = x + y, x + z
        return a.requires_grad, b.requires_grad, a.is_leaf, b.is_leaf, fn_name(a.grad_fn), fn_name(b.grad_fn)
    assert run(lib) == run(torch)


def test_leaf_flags_seed_001():
    """001: x, w, b are leaves (x without grad); y = w*x, z = y + b are not."""
    def run(M):
        x = M.Tensor([2])
        w = M.tensor([0.5], requires_grad=True)
        b = M.tensor([0.1], requires_grad=True)
        y = M.mul(w, x)
        z = M.add(y, b)
        return ([t.requires_grad for t in (x, w, b, y, z)], [t.is_leaf for t in (x, w, b, y, z)],
                [fn_name(t.grad_fn) for t in (x, w, b, y, z)])
    assert run(lib) == run(torch)


@pytest.mark.parametrize("make", [
    lambda M: M.tensor([1.0], requires_grad=True),
    lambda M: M.zeros(2, requires_grad=True),
    lambda M: M.ones(2, 2, requires_grad=True),
    lambda M: M.full((2,), 3.0, requires_grad=True),
    lambda M: M.arange(3.0, requires_grad=True),
    lambda M: M.linspace(0, 1, 3, requires_grad=True),
    lambda M: M.empty(2, requires_grad=True),
    lambda M: M.zeros_like(M.ones(2), requires_grad=True),
    lambda M: M.ones(2).requires_grad_(),
    lambda M: M.ones(2).requires_grad_(False),
    lambda M: M.autograd.Variable(M.ones(2), requires_grad=True),
    lambda M: M.autograd.Variable(M.ones(2)),
], ids=["tensor", "zeros", "ones", "full", "arange", "linspace", "empty", "zeros_like",
        "requires_grad_", "requires_grad_false", "Variable", "Variable_default"])
def test_creation_requires_grad(make):
    rl, rt = make(lib), make(torch)
    assert (rl.requires_grad, rl.is_leaf, rl.grad_fn) == (rt.requires_grad, rt.is_leaf, rt.grad_fn)


def test_requires_grad_setter_and_non_float_error():
    from tests.helpers import assert_same_error
    assert_same_error(lambda M: M.tensor([1, 2], requires_grad=True))
    assert_same_error(lambda M: M.tensor([1, 2]).requires_grad_())

    def set_attr(M):
        t = M.ones(2)
        t.requires_grad = True
        return t.requires_grad, t.is_leaf
    assert set_attr(lib) == set_attr(torch)

    def set_on_nonleaf(M):
        t = M.ones(2, requires_grad=True) * 2
        t.requires_grad = False
    assert_same_error(set_on_nonleaf)


def test_integer_ops_do_not_require_grad():
    def run(M):
        x = M.ones(3, requires_grad=True)
        return [(r.requires_grad, fn_name(r.grad_fn)) for r in (x.long(), (x * 2).detach(), x.int() + 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(lib) == run(torch)


@pytest.mark.parametrize("op", ["tanh", "exp", "sigmoid", "sqrt", "reciprocal"])
def test_output_saved_for_backward_is_freed_without_the_cyclic_gc_like_torch(op):
    """A node saving its own output must not form a reference cycle (torch's SavedVariable keeps the
    output's data without its grad_fn): deleting the output frees it at once, GC or not."""
    import gc
    import weakref

    def freed(M):
        gc.disable()
        try:
            x = M.ones(3, requires_grad=True)
            y = getattr(x, op)()
            ref = weakref.ref(y)
            del y
            return ref() is None
        finally:
            gc.enable()

    assert freed(lib) == freed(torch)


INPLACE_FREED = {
    "pow_": lambda y: y.pow_(2),
    "exp_": lambda y: y.exp_(),
    "mul_": lambda y: y.mul_(2.0),
    "sigmoid_": lambda y: y.sigmoid_(),
    "setitem": lambda y: y.__setitem__(slice(0, 2), 5.0),
    "view mul_": lambda y: y[:2].mul_(2.0),
    "view exp_": lambda y: y[:2].exp_(),
}
@pytest.mark.parametrize("case", sorted(INPLACE_FREED))
def test_inplace_result_is_freed_without_the_cyclic_gc_like_torch(case):
    """An in-place op's node must not hold its target (pow_'s backward closure once did, and CopySlices
    kept the view exp_ saved, with its history onto the base): deleting the tensor frees it at once, GC or
    not."""
    import gc
    import weakref

    def freed(M):
        gc.disable()
        try:
            y = M.ones(4, requires_grad=True) * 1
            INPLACE_FREED[case](y)
            ref = weakref.ref(y)
            del y
            return ref() is None
        finally:
            gc.enable()

    assert freed(lib) == freed(torch) is True


@pytest.mark.parametrize("args", [(), ((),), (2, 2), ([2],), ("a",), (2.5,), ((2, "a"),)], ids=repr)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_resize_argument_errors_come_first_like_torch(args, requires_grad):
    from tests.helpers import assert_same_error

    def call(M):
        x = M.ones(4, requires_grad=requires_grad)
        x.resize_(*args)
        return tuple(x.shape)

    err, terr = assert_same_error(call)
    assert (err is None and call(lib) == call(torch)) or str(err) == str(terr)


def test_inplace_through_a_view_differentiates_twice_like_torch():
    """CopySlices keeps the view its op saved as the base plus the view's geometry (no reference cycle), and
    takes the view again, with its history, when unpacked: create_graph still reaches through it."""
    def run(M):
        x = M.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
        b = x * 1
        b[:2].exp_()
        g, = M.autograd.grad((b * b).sum(), x, create_graph=True)
        g.sum().backward()
        return g.tolist(), x.grad.tolist()
    (gl, xl), (gt, xt) = run(lib), run(torch)
    assert np.allclose(gl, gt) and np.allclose(xl, xt)
