"""Grad modes (no_grad / enable_grad / set_grad_enabled as context managers and decorators),
detach / detach_, and .data writes that autograd does not record."""
import numpy as np
import pytest
import torch

from tests.helpers import assert_same, both, fn_name, lib, shares_storage


def flags(t):
    return (t.requires_grad, t.is_leaf, fn_name(t.grad_fn))


def test_no_grad_context():
    def run(M):
        x = M.ones(2, requires_grad=True)
        with M.no_grad():
            inside = M.is_grad_enabled()
            y = x * 2
            z = x ** 2 + 1
        after = M.is_grad_enabled()
        w = x * 2
        return inside, after, flags(y), flags(z), flags(w)
    assert run(lib) == run(torch)


def test_enable_grad_inside_no_grad_and_nesting():
    def run(M):
        x = M.ones(2, requires_grad=True)
        out = []
        with M.no_grad():
            with M.enable_grad():
                out.append((M.is_grad_enabled(), flags(x * 2)))
            out.append((M.is_grad_enabled(), flags(x * 2)))
            with M.no_grad():
                out.append((M.is_grad_enabled(), flags(x * 2)))
            out.append(M.is_grad_enabled())
        out.append(M.is_grad_enabled())
        return out
    assert run(lib) == run(torch)


def test_set_grad_enabled_forms():
    def run(M):
        x = M.ones(2, requires_grad=True)
        out = []
        with M.set_grad_enabled(False):
            out.append((M.is_grad_enabled(), flags(x * 2)))
            with M.set_grad_enabled(True):
                out.append((M.is_grad_enabled(), flags(x * 2)))
        out.append(M.is_grad_enabled())
        try:
            M.set_grad_enabled(False)               # plain call switches the mode
            out.append((M.is_grad_enabled(), flags(x * 2)))
        finally:
            M.set_grad_enabled(True)
        out.append((M.is_grad_enabled(), flags(x * 2)))
        return out
    assert run(lib) == run(torch)


def test_decorators():
    def run(M):
        x = M.ones(2, requires_grad=True)

        @M.no_grad()
        def f_call(t):
            return t * 2

        @M.no_grad
        def f_bare(t):
            return t * 3

        @M.enable_grad()
        def g(t):
            return t * 4

        @M.set_grad_enabled(False)
        def h(t):
            return t * 5

        out = [flags(f_call(x)), flags(f_bare(x)), flags(h(x)), M.is_grad_enabled()]
        with M.no_grad():
            out.append(flags(g(x)))
        out.append(f_call.__name__)
        return out
    assert run(lib) == run(torch)


def test_grad_mode_restored_after_exception():
    def run(M):
        try:
            with M.no_grad():
                raise KeyError("boom")
        except KeyError:
            pass
        return M.is_grad_enabled()
    assert run(lib) == run(torch) is True


def test_no_grad_inplace_update_of_leaf_allowed():
    def run(M):
        w = M.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        with M.no_grad():
            w -= 0.1 * w.grad
            w.add_(1)
        return w, w.requires_grad, w.is_leaf, w._version
    (wl, *fl), (wt, *ft) = run(lib), run(torch)
    assert_same(wl, wt)
    assert fl == ft


def test_detach_shares_and_has_no_history():
    (xl, xt) = both(lambda M: M.tensor([1.0, 2.0, 3.0], requires_grad=True))
    yl, yt = xl * 2, xt * 2
    dl, dt_ = yl.detach(), yt.detach()
    assert flags(dl) == flags(dt_)
    assert shares_storage(dl, yl) and shares_storage(dt_, yt)
    dl[0] = 100.0
    dt_[0] = 100.0
    assert_same(yl, yt)
    assert yl._version == yt._version  # detach shares the version counter


def test_detach_in_place():
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        r = y.detach_()
        return r is y, flags(y), flags(x)
    assert run(lib) == run(torch)


def test_data_writes_not_recorded():
    """000: editing tensor.data changes values without autograd noticing."""
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        v0 = x._version
        x.data.mul_(10)             # not recorded: x's version counter does not move
        x.data[0] = 5.0
        d = x.data
        y.sum().backward()          # uses saved x, which now holds the new values
        return x, x.grad, v0, x._version, flags(d), shares_storage(d, x)
    rl, rt = run(lib), run(torch)
    assert_same(rl[0], rt[0])
    assert_same(rl[1], rt[1])
    assert rl[2:] == rt[2:]


def test_data_assignment_replaces_values():
    def run(M):
        x = M.tensor([1.0, 2.0], requires_grad=True)
        x.data = M.tensor([7.0, 8.0, 9.0])
        (x * 3).sum().backward()
        return x, x.grad, flags(x)
    rl, rt = run(lib), run(torch)
    assert_same(rl[0], rt[0])
    assert_same(rl[1], rt[1])
    assert rl[2] == rt[2]


def test_frozen_parameter_gets_no_grad():
    """002: a parameter with requires_grad=False is excluded from the graph."""
    def run(M):
        w = M.tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
        frozen = M.tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
        frozen.requires_grad = False
        out = (M.ones(1, 3) @ w @ frozen).sum()
        out.backward()
        return w.grad, frozen.grad, flags(out)
    rl, rt = run(lib), run(torch)
    assert_same(rl[0], rt[0])
    assert rl[1] is None and rt[1] is None
    assert rl[2] == rt[2]


@pytest.mark.parametrize("ctx", ["no_grad", "enable_grad"])
def test_modes_are_classes_usable_twice(ctx):
    for M in (lib, torch):
        cm = getattr(M, ctx)()
        with cm:
            pass
        with cm:
            pass
