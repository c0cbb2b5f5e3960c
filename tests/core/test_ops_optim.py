"""optim vs torch: SGD (momentum, dampening, nesterov, weight_decay, maximize) and Adam (amsgrad,
weight_decay, maximize) trajectories over several steps from identical parameters, param groups,
zero_grad, closures, optimizer state, constructor errors, and the seed's small training loop."""
import numpy as np
import pytest
import torch

from tests.core.opcheck import check_error
from tests.helpers import assert_same, lib, to_numpy

W0 = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], dtype=np.float32)
B0 = np.array([0.1, -0.2], dtype=np.float32)
XS = np.random.default_rng(0).uniform(-1, 1, (8, 3)).astype(np.float32)
YS = np.random.default_rng(1).uniform(-1, 1, (8, 2)).astype(np.float32)


def trajectory(M, make_opt, steps=5, groups=False):
    w = M.nn.Parameter(M.tensor(W0))
    b = M.nn.Parameter(M.tensor(B0))
    opt = make_opt(M, [{"params": [w]}, {"params": [b], "lr": 0.05}] if groups else [w, b])
    x, y = M.tensor(XS), M.tensor(YS)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x.matmul(w.t()) + b - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return w, b, losses, opt


SGD = {
    "plain": lambda M, p: M.optim.SGD(p, lr=0.1),
    "momentum": lambda M, p: M.optim.SGD(p, lr=0.1, momentum=0.9),
    "dampening": lambda M, p: M.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3),
    "nesterov": lambda M, p: M.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True),
    "weight_decay": lambda M, p: M.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01),
    "maximize": lambda M, p: M.optim.SGD(p, lr=0.01, maximize=True),
    "default_lr": lambda M, p: M.optim.SGD(p),
}

ADAM = {
    "default": lambda M, p: M.optim.Adam(p),
    "lr": lambda M, p: M.optim.Adam(p, lr=0.1),
    "betas_eps": lambda M, p: M.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6),
    "amsgrad": lambda M, p: M.optim.Adam(p, lr=0.1, amsgrad=True),
    "weight_decay": lambda M, p: M.optim.Adam(p, lr=0.1, weight_decay=0.1),
    "maximize": lambda M, p: M.optim.Adam(p, lr=0.01, maximize=True),
}


@pytest.mark.parametrize("name", list(SGD))
def test_sgd_trajectory(name):
    (wl, bl, ll, _), (wt, bt, lt, _) = (trajectory(M, SGD[name]) for M in (lib, torch))
    assert_same(wl.detach(), wt.detach())
    assert_same(bl.detach(), bt.detach())
    np.testing.assert_allclose(ll, lt, rtol=1e-5)


@pytest.mark.parametrize("name", list(ADAM))
def test_adam_trajectory(name):
    (wl, bl, ll, ol), (wt, bt, lt, ot) = (trajectory(M, ADAM[name], steps=6) for M in (lib, torch))
    assert_same(wl.detach(), wt.detach(), rtol=1e-5, atol=1e-6)
    assert_same(bl.detach(), bt.detach(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ll, lt, rtol=1e-5)
    sl, st = ol.state[wl], ot.state[wt]
    assert sorted(sl) == sorted(st)
    assert_same(sl["step"], st["step"])
    assert_same(sl["exp_avg"], st["exp_avg"], rtol=1e-5, atol=1e-7)
    assert_same(sl["exp_avg_sq"], st["exp_avg_sq"], rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_param_groups(opt):
    make = (lambda M, p: M.optim.SGD(p, lr=0.1, momentum=0.9)) if opt == "SGD" else \
        (lambda M, p: M.optim.Adam(p, lr=0.1))
    (wl, bl, _, ol), (wt, bt, _, ot) = (trajectory(M, make, groups=True) for M in (lib, torch))
    assert_same(wl.detach(), wt.detach(), rtol=1e-5, atol=1e-6)
    assert_same(bl.detach(), bt.detach(), rtol=1e-5, atol=1e-6)
    assert [g["lr"] for g in ol.param_groups] == [g["lr"] for g in ot.param_groups]
    assert sorted(ol.param_groups[0]) == sorted(ot.param_groups[0])


def test_lr_change_through_param_groups():
    res = {}
    for M in (lib, torch):
        p = M.nn.Parameter(M.tensor([1.0, -2.0]))
        opt = M.optim.SGD([p], lr=0.1)
        for lr in (0.1, 0.5, 0.01):
            opt.param_groups[0]["lr"] = lr
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
        res[M] = p.detach()
    assert_same(res[lib], res[torch])


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    for M in (lib, torch):
        p = M.nn.Parameter(M.tensor([1.0, 2.0]))
        opt = M.optim.SGD([p], lr=0.1)
        (p * 3).sum().backward()
        opt.zero_grad(set_to_none=set_to_none)
        assert (p.grad is None) if set_to_none else (p.grad.tolist() == [0.0, 0.0])


def test_params_without_grad_are_skipped_and_step_is_no_grad():
    res = {}
    for M in (lib, torch):
        p = M.nn.Parameter(M.tensor([1.0, 2.0]))
        q = M.nn.Parameter(M.tensor([3.0]))
        opt = M.optim.Adam([p, q], lr=0.1)
        (p * p).sum().backward()
        opt.step()
        assert p.grad_fn is None and p.is_leaf and p.requires_grad
        res[M] = (p.detach().tolist(), q.detach().tolist(), len(opt.state))
    assert res[lib] == res[torch]


def test_step_with_closure_returns_loss():
    res = {}
    for M in (lib, torch):
        p = M.nn.Parameter(M.tensor([1.0, 2.0]))
        opt = M.optim.SGD([p], lr=0.1)

        def closure():
            opt.zero_grad()
            loss = (p ** 2).sum()
            loss.backward()
            return loss

        loss = opt.step(closure)
        res[M] = (loss.item(), p.detach().tolist())
    assert res[lib] == res[torch]


def test_optimizer_with_module_parameters():
    t_lin = torch.nn.Linear(3, 2)
    l_lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        l_lin.weight.copy_(lib.tensor(t_lin.weight.detach().numpy().copy()))
        l_lin.bias.copy_(lib.tensor(t_lin.bias.detach().numpy().copy()))
    for M, lin in ((lib, l_lin), (torch, t_lin)):
        opt = M.optim.SGD(lin.parameters(), lr=0.2, momentum=0.9)
        loss_fn = M.nn.MSELoss()
        for _ in range(4):
            opt.zero_grad()
            loss_fn(lin(M.tensor(XS)), M.tensor(YS)).backward()
            opt.step()
    assert_same(l_lin.weight.detach(), t_lin.weight.detach(), rtol=1e-5, atol=1e-6)
    assert_same(l_lin.bias.detach(), t_lin.bias.detach(), rtol=1e-5, atol=1e-6)


ERRORS = {
    "sgd_negative_lr": lambda M: M.optim.SGD([M.nn.Parameter(M.ones(1))], lr=-0.1),
    "sgd_negative_momentum": lambda M: M.optim.SGD([M.nn.Parameter(M.ones(1))], lr=0.1, momentum=-1),
    "sgd_negative_weight_decay": lambda M: M.optim.SGD([M.nn.Parameter(M.ones(1))], lr=0.1, weight_decay=-1),
    "sgd_nesterov_without_momentum": lambda M: M.optim.SGD([M.nn.Parameter(M.ones(1))], lr=0.1, nesterov=True),
    "sgd_empty_params": lambda M: M.optim.SGD([], lr=0.1),
    "sgd_tensor_params": lambda M: M.optim.SGD(M.nn.Parameter(M.ones(1)), lr=0.1),
    "sgd_non_leaf": lambda M: M.optim.SGD([M.ones(1, requires_grad=True) * 2], lr=0.1),
    "sgd_duplicate_groups": lambda M: (lambda p: M.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(
        M.nn.Parameter(M.ones(1))),
    "adam_negative_lr": lambda M: M.optim.Adam([M.nn.Parameter(M.ones(1))], lr=-1),
    "adam_bad_beta0": lambda M: M.optim.Adam([M.nn.Parameter(M.ones(1))], betas=(1.0, 0.9)),
    "adam_bad_beta1": lambda M: M.optim.Adam([M.nn.Parameter(M.ones(1))], betas=(0.9, -0.1)),
    "adam_negative_eps": lambda M: M.optim.Adam([M.nn.Parameter(M.ones(1))], eps=-1e-8),
    "adam_negative_weight_decay": lambda M: M.optim.Adam([M.nn.Parameter(M.ones(1))], weight_decay=-1),
    "adam_set_params": lambda M: M.optim.Adam({M.nn.Parameter(M.ones(1))}),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_optimizer_errors(name):
    check_error(lambda M: ERRORS[name](M))


def test_seed_training_loop_with_sgd():
    """001's loop y = w * x^2 + b, fitted with SGD instead of the hand-written update: same trajectory."""
    rng = np.random.default_rng(42)
    x = rng.uniform(-1, 1, (20, 1)).astype(np.float32)
    y = (3 * x ** 2 + 2 + rng.normal(0, 0.05, (20, 1))).astype(np.float32)
    res = {}
    for M in (lib, torch):
        w = M.tensor([[0.5]], requires_grad=True)
        b = M.zeros(1, 1, requires_grad=True)
        opt = M.optim.SGD([w, b], lr=0.1)
        X, Y = M.tensor(x), M.tensor(y)
        for _ in range(200):
            loss = 0.5 * ((w * X ** 2 + b - Y) ** 2).sum() / 20
            opt.zero_grad()
            loss.backward()
            opt.step()
        res[M] = (to_numpy(w), to_numpy(b), loss.item())
    np.testing.assert_allclose(res[lib][0], res[torch][0], rtol=1e-4)
    np.testing.assert_allclose(res[lib][1], res[torch][1], rtol=1e-4)
    np.testing.assert_allclose(res[lib][2], res[torch][2], rtol=1e-4)
