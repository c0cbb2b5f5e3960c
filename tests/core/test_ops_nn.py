"""nn vs torch: Parameter (type, sharing, repr, leaf), Module (registration, traversal, modes, zero_grad,
state_dict, repr, freezing), Linear (init bounds, forward/backward and node names for 1-D/2-D/n-D
input), functional linear/mse_loss/softmax/relu. Weights are copied from torch where values matter,
since impl's random stream is its own."""
import math
import warnings

import numpy as np
import pytest
import torch

from tests.core.opcheck import check, check_error
from tests.helpers import assert_same, fn_name, graph_names, lib, shares_storage, to_numpy


# ---- Parameter -------------------------------------------------------------------------------------

def test_parameter_basics():
    for M in (lib, torch):
        data = M.tensor([1.0, 2.0])
        p = M.nn.Parameter(data)
        assert type(p).__name__ == "Parameter" and isinstance(p, M.Tensor) and isinstance(p, M.nn.Parameter)
        assert p.requires_grad and p.is_leaf and p.grad_fn is None
        assert shares_storage(p, data)
        data[0] = 5.0
        assert p[0].item() == 5.0
        assert type(p * 2) is M.Tensor and type(p.detach()) is M.Tensor and type(p.data) is M.Tensor
        q = M.nn.Parameter(M.tensor([1.0], requires_grad=True) * 3)
        assert q.is_leaf and q.grad_fn is None and q.requires_grad
        frozen = M.nn.Parameter(M.tensor([1.0]), requires_grad=False)
        assert not frozen.requires_grad


@pytest.mark.parametrize("make", [
    lambda M: M.nn.Parameter(M.tensor([[0.5, -1.25], [3.0, 4.0]])),
    lambda M: M.nn.Parameter(M.tensor([1, 2]), requires_grad=False),
    lambda M: M.nn.Parameter(M.tensor([1.0, 2.0], dtype=M.float64), requires_grad=False),
    lambda M: M.nn.Parameter(),
], ids=["float", "int_frozen", "double_frozen", "empty"])
def test_parameter_repr(make):
    assert repr(make(lib)) == repr(make(torch))


def test_parameter_int_requires_grad_error():
    check_error(lambda M: M.nn.Parameter(M.tensor([1, 2])))


def test_parameter_grad_and_inplace_rules():
    res = {}
    for M in (lib, torch):
        p = M.nn.Parameter(M.tensor([1.0, 2.0]))
        (p * p).sum().backward()
        try:
            p.add_(1)
            err = None
        except RuntimeError as e:
            err = type(e)
        with M.no_grad():
            p.add_(1)
        res[M] = (p.grad.tolist(), err, p.tolist())
    assert res[lib] == res[torch]


# ---- Module ----------------------------------------------------------------------------------------

def build(M):
    class Net(M.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = M.nn.Linear(3, 4)
            self.act = M.nn.ReLU()
            self.fc2 = M.nn.Linear(4, 2, bias=False)
            self.scale = M.nn.Parameter(M.ones(1))
            self.plain = 7

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x))) * self.scale

    return Net()


def copy_params(src, dst):
    """Give the lib module the torch module's parameter values (same names)."""
    sd = dict(src.named_parameters())
    with lib.no_grad():
        for name, p in dst.named_parameters():
            p.copy_(lib.tensor(sd[name].detach().numpy().copy()))


def test_module_registration_and_traversal():
    nets = {M: build(M) for M in (lib, torch)}
    a, b = nets[lib], nets[torch]
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]
    assert [tuple(p.shape) for p in a.parameters()] == [tuple(p.shape) for p in b.parameters()]
    assert [n for n, _ in a.named_children()] == [n for n, _ in b.named_children()]
    assert [n for n, _ in a.named_modules()] == [n for n, _ in b.named_modules()]
    assert list(a.state_dict().keys()) == list(b.state_dict().keys())
    assert a.plain == 7 and a.fc2.bias is None and b.fc2.bias is None
    assert [n for n, _ in a.named_parameters(recurse=False)] == ["scale"]
    assert repr(a) == repr(b)
    assert a.training and not a.eval().training and not a.fc1.training and a.train().fc1.training


def test_module_forward_and_gradients_match():
    nets = {M: build(M) for M in (lib, torch)}
    copy_params(nets[torch], nets[lib])
    x = np.random.default_rng(0).uniform(-1, 1, (5, 3))
    out = {}
    for M, net in nets.items():
        y = net(M.tensor(x, dtype=M.float32))
        y.pow(2).mean().backward()
        out[M] = (y, {n: p.grad for n, p in net.named_parameters()}, graph_names(y.grad_fn, 3))
    assert_same(out[lib][0], out[torch][0])
    for n in out[torch][1]:
        assert_same(out[lib][1][n], out[torch][1][n], msg=n)
    assert out[lib][2] == out[torch][2]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    for M in (lib, torch):
        net = build(M)
        net(M.ones(2, 3)).sum().backward()
        net.zero_grad(set_to_none=set_to_none)
        for p in net.parameters():
            if set_to_none:
                assert p.grad is None
            else:
                assert p.grad is not None and float(p.grad.abs().sum()) == 0


def test_freezing_parameters():
    res = {}
    for M in (lib, torch):
        net = build(M)
        net.fc1.weight.requires_grad = False
        net.fc2.requires_grad_(False)
        net(M.ones(2, 3)).sum().backward()
        res[M] = {n: p.grad is None for n, p in net.named_parameters()}
    assert res[lib] == res[torch]


MODULE_ERRORS = {
    "tensor_as_parameter": lambda M: setattr(M.nn.Linear(2, 2), "weight", M.ones(2, 2)),
    "missing_attribute": lambda M: M.nn.Linear(2, 2).nonexistent,
    "no_forward": lambda M: M.nn.Module()(M.ones(1)),
    "param_before_init": lambda M: type("Bad", (M.nn.Module,), {"__init__": lambda self: setattr(
        self, "w", M.nn.Parameter(M.ones(1)))})(),
    "linear_wrong_in_features": lambda M: M.nn.Linear(3, 2)(M.ones(2, 4)),
    "load_state_dict_missing": lambda M: M.nn.Linear(2, 2).load_state_dict({}),
    "train_non_bool": lambda M: M.nn.Linear(2, 2).train("yes"),
}


@pytest.mark.parametrize("name", list(MODULE_ERRORS))
def test_module_errors(name):
    check_error(lambda M: MODULE_ERRORS[name](M))


def test_state_dict_roundtrip():
    t_net, l_net = torch.nn.Linear(3, 2), lib.nn.Linear(3, 2)
    sd = {k: lib.tensor(v.numpy().copy()) for k, v in t_net.state_dict().items()}
    l_net.load_state_dict(sd)
    for k, v in l_net.state_dict().items():
        np.testing.assert_array_equal(to_numpy(v), t_net.state_dict()[k].numpy())
        assert not v.requires_grad


def test_sequential_and_repr():
    out = {}
    for M in (lib, torch):
        seq = M.nn.Sequential(M.nn.Linear(3, 4), M.nn.ReLU(), M.nn.Sequential(M.nn.Linear(4, 1)))
        out[M] = (repr(seq), len(seq), [n for n, _ in seq.named_parameters()], type(seq[1]).__name__)
    assert out[lib] == out[torch]


def test_flatten_module():
    out = {}
    for M in (lib, torch):
        f = M.nn.Flatten()
        x = M.arange(24.0).reshape(2, 3, 4).requires_grad_()
        y = f(x)
        out[M] = (repr(f), tuple(y.shape), fn_name(y.grad_fn), tuple(M.nn.Flatten(0, 1)(x).shape))
    assert out[lib] == out[torch]


def test_module_double_converts_parameters_in_place():
    for M in (lib, torch):
        net = M.nn.Linear(2, 3)
        w = net.weight
        net.double()
        assert net.weight is w and net.weight.dtype == M.float64 and net.weight.requires_grad


# ---- Linear ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("fan_in,fan_out", [(3, 2), (10, 1), (1, 5)])
def test_linear_init(fan_in, fan_out):
    lib.manual_seed(0)
    lin = lib.nn.Linear(fan_in, fan_out)
    ref = torch.nn.Linear(fan_in, fan_out)
    assert tuple(lin.weight.shape) == tuple(ref.weight.shape) and tuple(lin.bias.shape) == tuple(ref.bias.shape)
    assert lin.weight.dtype == lib.float32 and lin.weight.requires_grad and lin.bias.requires_grad
    bound = 1 / math.sqrt(fan_in)
    for p in (lin.weight, lin.bias):
        a = to_numpy(p)
        assert np.all(np.abs(a) <= bound + 1e-7), "init outside torch's kaiming-uniform bound"
    assert repr(lin) == repr(ref)
    assert lib.nn.Linear(fan_in, fan_out, dtype=lib.float64).weight.dtype == lib.float64


def test_linear_init_draw_order():
    """weight first (kaiming_uniform_, bound 1/sqrt(in)), then bias, each one uniform_ call."""
    lib.manual_seed(5)
    w = lib.empty(4, 3).uniform_(-1 / math.sqrt(3), 1 / math.sqrt(3))
    b = lib.empty(4).uniform_(-1 / math.sqrt(3), 1 / math.sqrt(3))
    lib.manual_seed(5)
    lin = lib.nn.Linear(3, 4)
    np.testing.assert_array_equal(to_numpy(lin.weight), to_numpy(w))
    np.testing.assert_array_equal(to_numpy(lin.bias), to_numpy(b))


def test_linear_init_matches_torch_when_the_streams_match():
    lib.manual_seed(0)
    torch.manual_seed(0)
    if not np.array_equal(to_numpy(lib.empty(5).uniform_(-1, 1)), torch.empty(5).uniform_(-1, 1).numpy()):
        pytest.skip("impl's uniform_ stream differs from torch's under the same seed")
    lib.manual_seed(0)
    torch.manual_seed(0)
    a, b = lib.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    assert_same(a.weight.detach(), b.weight.detach())
    assert_same(a.bias.detach(), b.bias.detach())


def test_linear_init_is_spread_over_the_bound():
    lib.manual_seed(1)
    w = to_numpy(lib.nn.Linear(100, 50).weight)
    assert abs(w.mean()) < 0.01 and 0.054 < w.std() < 0.061  # U(-0.1, 0.1) has std 0.2 / sqrt(12) = 0.0577


W = np.random.default_rng(3).uniform(-1, 1, (4, 3))
BIAS = np.random.default_rng(4).uniform(-1, 1, 4)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (5, 2, 3), (2, 2, 2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_functional_linear_values_grads_and_graph(shape, bias):
    x = np.random.default_rng(5).uniform(-1, 1, shape)
    arrays = [x, W, BIAS] if bias else [x, W]
    lo, to = check(lambda M, x, w, *b: M.nn.functional.linear(x, w, *b), arrays)
    assert graph_names(lo.grad_fn, 3) == graph_names(to.grad_fn, 3)


def test_functional_linear_noncontiguous_input():
    x = np.random.default_rng(6).uniform(-1, 1, (2, 5, 3))
    lo, to = check(lambda M, x, w, b: M.nn.functional.linear(x.transpose(0, 1), w, b), [x, W, BIAS])
    assert fn_name(lo.grad_fn) == fn_name(to.grad_fn)


def test_linear_module_forward_matches_torch():
    t_lin = torch.nn.Linear(3, 4)
    l_lin = lib.nn.Linear(3, 4)
    copy_params(t_lin, l_lin)
    x = np.random.default_rng(7).uniform(-1, 1, (6, 3)).astype(np.float32)
    yl, yt = l_lin(lib.tensor(x)), t_lin(torch.tensor(x))
    assert_same(yl, yt)
    assert fn_name(yl.grad_fn) == fn_name(yt.grad_fn) == "AddmmBackward0"
    yl.sum().backward()
    yt.sum().backward()
    assert_same(l_lin.weight.grad, t_lin.weight.grad)
    assert_same(l_lin.bias.grad, t_lin.bias.grad)


# ---- functional losses and activations ----------------------------------------------------------

P = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
T = np.array([[0.0, 1.0, 2.5], [1.0, -1.0, 0.5]])

FUNCTIONAL = {
    "mse_mean": (lambda M, p, t: M.nn.functional.mse_loss(p, t), [P, T]),
    "mse_sum": (lambda M, p, t: M.nn.functional.mse_loss(p, t, reduction="sum"), [P, T]),
    "mse_none": (lambda M, p, t: M.nn.functional.mse_loss(p, t, reduction="none"), [P, T]),
    "mse_target_no_grad": (lambda M, p: M.nn.functional.mse_loss(p, M.tensor(T)), [P]),
    "mse_promote": (lambda M, p, t: M.nn.functional.mse_loss(p.float(), t), [P, T]),
    "mse_module": (lambda M, p, t: M.nn.MSELoss()(p, t), [P, T]),
    "relu": (lambda M, p: M.nn.functional.relu(p), [P]),
    "relu_module": (lambda M, p: M.nn.ReLU()(p), [P]),
    "softmax_dim": (lambda M, p: M.nn.functional.softmax(p, dim=1), [P]),
    "log_softmax_dim": (lambda M, p: M.nn.functional.log_softmax(p, 0), [P]),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_functional_values_and_grads(name):
    fn, arrays = FUNCTIONAL[name]
    check(fn, arrays, msg=name)


def test_mse_broadcast_warning_and_values():
    res = {}
    for M in (lib, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = M.nn.functional.mse_loss(M.tensor(P), M.tensor(T[0]))
        assert any("different to the input size" in str(x.message) for x in w), M.__name__
        res[M] = r
    assert_same(res[lib], res[torch])


@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_softmax_implicit_dim(ndim):
    x = np.random.default_rng(ndim).uniform(-2, 2, (2,) * ndim)
    res = {}
    for M in (lib, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            res[M] = M.nn.functional.softmax(M.tensor(x))
        assert any("Implicit dimension choice" in str(x.message) for x in w)
    assert_same(res[lib], res[torch])


FUNCTIONAL_ERRORS = {
    "mse_int": lambda M: M.nn.functional.mse_loss(M.tensor([1, 2]), M.tensor([1, 3])),
    "mse_bad_reduction": lambda M: M.nn.functional.mse_loss(M.ones(2), M.ones(2), reduction="bad"),
    "mse_bad_broadcast": lambda M: M.nn.functional.mse_loss(M.ones(2, 3), M.ones(4)),
    "relu_bool": lambda M: M.nn.functional.relu(M.tensor([True])),
    "linear_shape": lambda M: M.nn.functional.linear(M.ones(2, 3), M.ones(4, 2)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_ERRORS))
def test_functional_errors(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(lambda M: FUNCTIONAL_ERRORS[name](M))
