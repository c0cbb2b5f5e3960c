"""What .grad is, beyond its values, compared with torch: AccumulateGrad's gradient layout contract (the
strides of a leaf's .grad), when it takes the incoming gradient without a copy (version 0, memory shared
with a view of the caller's gradient) or copies it (version 1, CopyBackwards under create_graph), how a
second backward accumulates, and retain_grad()'s clone and out-of-place sums."""
import warnings

import numpy as np
import pytest
import torch

from tests.helpers import lib


# Each scenario: M -> (the leaf, whatever the caller holds as gradients), after running backward.
def _sum(M):
    x = M.ones(2, 3, requires_grad=True)
    x.sum().backward()  # an expanded (stride-0) gradient: copied into x's layout
    return x, []


def _mul(M):
    x = M.ones(2, 3, requires_grad=True)
    (x * 2).sum().backward()  # a fresh row-major gradient: taken as it is
    return x, []


def _leaf_backward(M):
    x = M.ones(2, 3, requires_grad=True)
    g = M.ones(2, 3)
    x.backward(g)  # the caller's own tensor: copied
    return x, [g]


def _through_add(M):
    x = M.ones(2, 3, requires_grad=True)
    g = M.ones(2, 3)
    (x + 0).backward(g)  # add passes the caller's gradient through: still theirs, copied
    return x, [g]


def _view_of_callers(M):
    x = M.ones(2, 3, requires_grad=True)
    g = M.ones(6)
    x.view(6).backward(g)  # a view of the caller's gradient: taken, so .grad shares its memory
    return x, [g]


def _transposed_grad(M):
    x = M.ones(2, 3, requires_grad=True)
    x.t().backward(M.ones(3, 2))  # a transposed gradient: copied into x's row-major layout
    return x, []


def _transposed_leaf(M):
    p = M.ones(3, 2).t().requires_grad_()
    (p * 2).sum().backward()  # .grad takes the leaf's column-major strides
    return p, []


def _size_one_dim(M):
    x = M.ones(3, 1).requires_grad_()
    (x * 1).backward(M.ones(1, 3).t())  # a size-1 dim's stride is free: taken as it is
    return x, []


def _size_one_expanded(M):
    x = M.ones(1, 1).requires_grad_()
    x.sum().backward()  # but a 0 stride is a view: copied
    return x, []


def _sliced_leaf(M):
    x = M.ones(3, 3)[:, :2].requires_grad_()  # not dense: .grad is row-major
    (x * 2).backward(M.ones(3, 2).t().contiguous().t())
    return x, []


def _expanded_leaf(M):
    x = M.ones(3, 1).expand(3, 2).requires_grad_()  # overlapping: .grad is row-major
    (x * 2).backward(M.ones(2, 3).t())
    return x, []


def _twice(M):
    x = M.ones(2, 3, requires_grad=True)
    x.sum().backward()
    x.sum().backward()  # accumulated in place: the version counts both writes
    return x, []


def _create_graph(M):
    x = M.ones(2, 3, requires_grad=True)
    (x * x).sum().backward(create_graph=True)  # copied under grad mode: CopyBackwards
    return x, []


def _create_graph_twice(M):
    x = M.ones(2, 3, requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    (x * x).sum().backward(create_graph=True)  # out of place: AddBackward0
    return x, []


def _create_graph_constant_grad(M):
    x = M.ones(2, 3, requires_grad=True)
    (x * 2).sum().backward(create_graph=True)  # a gradient without a graph: copied, no node
    return x, []


def _inputs_arg(M):
    x = M.ones(2, 3, requires_grad=True)
    y = M.ones(2, 3, requires_grad=True)
    (x * y).sum().backward(inputs=[x])
    return x, []


def _cat_two_leaves(M):
    x = M.ones(2, 3, requires_grad=True)
    y = M.ones(2, 3, requires_grad=True)
    (M.cat([x, y]) * 2).sum().backward()  # each leaf takes its slice of one gradient
    return x, []


SCENARIOS = {f.__name__[1:]: f for f in (
    _sum, _mul, _leaf_backward, _through_add, _view_of_callers, _transposed_grad, _transposed_leaf,
    _size_one_dim, _size_one_expanded, _sliced_leaf, _expanded_leaf, _twice, _create_graph,
    _create_graph_twice, _create_graph_constant_grad, _inputs_arg, _cat_two_leaves)}


def _facts(M, scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warning about create_graph's reference cycle
        x, held = scenario(M)
    g = x.grad
    return {
        "values": np.array(g.detach().numpy(), copy=True).tolist(),
        "stride": tuple(g.stride()),
        "version": g._version,
        "grad_fn": type(g.grad_fn).__name__ if g.grad_fn is not None else None,
        "requires_grad": g.requires_grad,
        "shares_callers_memory": [g.untyped_storage().data_ptr() == h.untyped_storage().data_ptr() for h in held]
        if M is torch else [g.data_ptr() == h.data_ptr() for h in held],
    }


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_leaf_grad_matches_torch(name):
    assert _facts(lib, SCENARIOS[name]) == _facts(torch, SCENARIOS[name])


def test_a_later_write_to_an_earlier_gradient_does_not_leak_into_grad():
    """A leaf that took a gradient without a copy must not share it with another leaf."""
    def run(M):
        x = M.ones(2, requires_grad=True)
        y = M.ones(2, requires_grad=True)
        (x + y).sum().backward()
        with M.no_grad():
            x.grad.add_(1)
        return y.grad.tolist(), x.grad.tolist()
    assert run(lib) == run(torch)


def _retained(M, create_graph, twice):
    x = M.ones(2, 3, requires_grad=True)
    y = x * x
    y.retain_grad()
    z = (y.t() * y.t()).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z.backward(retain_graph=True, create_graph=create_graph)
        first = y.grad
        if twice:
            z.backward(create_graph=create_graph)
    g = y.grad
    return {"stride": tuple(g.stride()), "version": g._version, "same_object": g is first,
            "first_version": first._version, "first": first.tolist(),
            "grad_fn": type(g.grad_fn).__name__ if g.grad_fn is not None else None}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("twice", [False, True])
def test_retained_grad_matches_torch(create_graph, twice):
    assert _retained(lib, create_graph, twice) == _retained(torch, create_graph, twice)
