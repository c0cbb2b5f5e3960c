"""Linear algebra beyond mm/bmm/dot/mv/matmul, vs torch: trace, diag (both directions, offsets),
triu/tril (diagonal=, in place), addmm/addbmm/addmv/addr/baddbmm (beta/alpha, broadcast input, in place),
cross (default dim, dim=, linalg.cross), inverse/linalg.inv, svd/linalg.svd/svdvals, t_.
SVD factors are compared through sign-invariant quantities (U diag(S) V^T, S, |U|, gradients of
sign-invariant losses) since singular vectors are defined up to sign."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as npst

from tests.core.opcheck import check, check_error
from tests.helpers import assert_same, fn_name, lib

rng = np.random.default_rng(7)
A = rng.uniform(-1, 1, (3, 3))
R = rng.uniform(-1, 1, (2, 3))
S = rng.uniform(-1, 1, (3, 4))
V2, V3, V4 = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 4)
B1, B2 = rng.uniform(-1, 1, (5, 2, 3)), rng.uniform(-1, 1, (5, 3, 4))
C = rng.uniform(-1, 1, (2, 4))
WELL = A + 3 * np.eye(3)  # well-conditioned, for inverse
TALL, WIDE = rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (2, 5))

CASES = {
    "trace": (lambda M, a: M.trace(a), [A]),
    "trace_rect": (lambda M, s: s.trace(), [S]),
    "trace_int": (lambda M, a: M.trace((a * 10).long()), [A]),
    "diag_matrix": (lambda M, a: M.diag(a), [A]),
    "diag_matrix_offset": (lambda M, s: M.diag(s, 1), [S]),
    "diag_matrix_neg_offset": (lambda M, s: M.diag(s, -1), [S]),
    "diag_matrix_offset_out_of_range": (lambda M, s: M.diag(s, 5), [S]),
    "diag_vector": (lambda M, v: M.diag(v), [V3]),
    "diag_vector_offset": (lambda M, v: v.diag(2), [V3]),
    "diag_vector_neg_offset": (lambda M, v: M.diag(v, -1), [V2]),
    "triu": (lambda M, s: M.triu(s), [S]),
    "triu_offset": (lambda M, s: M.triu(s, 1), [S]),
    "tril_neg": (lambda M, s: M.tril(s, -1), [S]),
    "tril_batched": (lambda M, b: b.tril(1), [B1]),
    "triu_bool": (lambda M, s: M.triu(s > 0), [S]),
    "addmm": (lambda M, c, r, s: M.addmm(c, r, s), [C, R, S]),
    "addmm_beta_alpha": (lambda M, c, r, s: M.addmm(c, r, s, beta=0.5, alpha=-2), [C, R, S]),
    "addmm_broadcast_input": (lambda M, v, r, s: M.addmm(v, r, s), [V4, R, S]),
    "addmm_beta0_ignores_nan": (lambda M, r, s: M.addmm(M.full((2, 4), float("nan"), dtype=M.float64), r, s,
                                                        beta=0), [R, S]),
    "addmm_method": (lambda M, c, r, s: c.addmm(r, s, alpha=3), [C, R, S]),
    "addmm_int": (lambda M, c, r, s: M.addmm((c * 9).long(), (r * 9).long(), (s * 9).long(), beta=2), [C, R, S]),
    "addmm_int_float_scalars": (lambda M, c, r, s: M.addmm((c * 9).long(), (r * 9).long(), (s * 9).long(), beta=2.5,
                                                           alpha=1.5), [C, R, S]),
    "addbmm": (lambda M, c, b1, b2: M.addbmm(c, b1, b2), [C, B1, B2]),
    "addbmm_beta_alpha": (lambda M, v, b1, b2: M.addbmm(v, b1, b2, beta=-1, alpha=0.5), [V4, B1, B2]),
    "baddbmm": (lambda M, c, b1, b2: M.baddbmm(c, b1, b2), [C, B1, B2]),
    "baddbmm_beta_alpha": (lambda M, b1, b2: M.baddbmm(M.ones(5, 2, 4, dtype=M.float64), b1, b2, beta=2, alpha=3),
                           [B1, B2]),
    "addmv": (lambda M, v, r, w: M.addmv(v, r, w), [V2, R, V3]),
    "addmv_beta_alpha_scalar_input": (lambda M, r, w: M.addmv(M.tensor(1.5, dtype=M.float64), r, w, beta=2,
                                                              alpha=0.5), [R, V3]),
    "addr": (lambda M, r, v, w: M.addr(r, v, w), [R, V2, V3]),
    "addr_beta_alpha": (lambda M, r, v, w: r.addr(v, w, beta=0.1, alpha=4), [R, V2, V3]),
    "addr_bool": (lambda M, r, v, w: M.addr(r > 0, v > 0, w > 0), [R, V2, V3]),
    "outer": (lambda M, v, w: M.outer(v, w), [V2, V3]),
    "cross_dim": (lambda M, a, b: M.cross(a, b, dim=1), [A, A[::-1].copy()]),
    "cross_dim0": (lambda M, a, s: M.cross(a, s[:, :3], 0), [A, S]),
    "cross_broadcast": (lambda M, a, v: M.cross(a, v.reshape(1, 3), dim=-1), [A, V3]),
    "linalg_cross": (lambda M, a, b: M.linalg.cross(a, b), [A, A.T.copy()]),
    "inverse": (lambda M, a: M.inverse(a), [WELL]),
    "inverse_method": (lambda M, a: a.inverse(), [WELL]),
    "linalg_inv": (lambda M, a: M.linalg.inv(a), [WELL]),
    "inverse_batched": (lambda M, a: M.inverse(M.stack([a, a.t(), a * 2])), [WELL]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_linalg_values_and_grads(name):
    fn, arrays = CASES[name]
    check(fn, arrays, msg=name)


def test_addr_promotes_mixed_dtypes():
    # forward only: torch's own backward fails here (its addmv rejects the mixed dtypes), impl's does not
    check(lambda M, r, v, w: M.addr(r, v.float(), (w * 5).long()), [R, V2, V3], grad=False)


def test_cross_default_dim_warns_and_picks_first_size3_dim():
    res = []
    for M in (lib, torch):
        a = M.tensor(np.stack([A, A * 2]).transpose(1, 0, 2).copy())  # shape (3, 2, 3)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = M.cross(a, a.flip(0) if M is torch else M.tensor(np.asarray(a)[::-1].copy()))
        # torch warns once per process (TORCH_WARN_ONCE): only the library's warning is checked
        assert M is torch or any("without specifying the dim arg is deprecated" in str(x.message) for x in w)
        res.append(r)
    assert_same(res[0], res[1])


# ---- SVD: sign-invariant checks --------------------------------------------------------------------

def _recon(M, U, S, V):
    return U.matmul(M.diag_embed(S) if hasattr(M, "diag_embed") else S.unsqueeze(-1) * M.eye(S.shape[-1],
                                                                                        dtype=S.dtype)).matmul(V)


@pytest.mark.parametrize("arr", [A, TALL, WIDE], ids=["square", "tall", "wide"])
@pytest.mark.parametrize("some", [True, False])
def test_svd_factors(arr, some):
    out = {}
    for M in (lib, torch):
        x = M.tensor(arr)
        U, Sv, V = M.svd(x, some=some)
        k = min(arr.shape)
        out[M] = (U, Sv, V)
        recon = U[:, :k].matmul(Sv.unsqueeze(-1) * V[:, :k].t())
        np.testing.assert_allclose(recon.numpy(), arr, atol=1e-10)
        eye_u = U.t().matmul(U).numpy()
        np.testing.assert_allclose(eye_u, np.eye(U.shape[1]), atol=1e-10)
    (Ul, Sl, Vl), (Ut, St, Vt) = out[lib], out[torch]
    assert_same(Sl, St)
    assert tuple(Ul.shape) == tuple(Ut.shape) and tuple(Vl.shape) == tuple(Vt.shape)
    k = min(arr.shape)
    assert_same(Ul[:, :k].abs(), Ut[:, :k].abs().detach())
    assert_same(Vl[:, :k].abs(), Vt[:, :k].abs().detach())


def test_svd_node_names_and_views():
    names = {}
    for M in (lib, torch):
        x = M.tensor(TALL, requires_grad=True)
        U, Sv, V = M.svd(x)
        U2, S2, Vh = M.linalg.svd(x, full_matrices=False)
        names[M] = [fn_name(t.grad_fn) for t in (U, Sv, V, U2, S2, Vh, M.linalg.svdvals(x))]
    assert names[lib] == names[torch]


SVD_LOSSES = {
    "S_sum": lambda M, U, Sv, V: Sv.sum(),
    "S_weighted": lambda M, U, Sv, V: (Sv * Sv * M.arange(1.0, Sv.shape[0] + 1, dtype=Sv.dtype)).sum(),
    "U_abs_sq": lambda M, U, Sv, V: (U * U * M.arange(1.0, U.numel() + 1, dtype=U.dtype).reshape(U.shape)).sum(),
    "V_sq": lambda M, U, Sv, V: (V * V * M.arange(1.0, V.numel() + 1, dtype=V.dtype).reshape(V.shape)).sum(),
    "recon": lambda M, U, Sv, V: (U.matmul(Sv.unsqueeze(-1) * V.t()) ** 2).sum(),
    "projector": lambda M, U, Sv, V: (U[:, :1].matmul(U[:, :1].t()) * M.arange(
        1.0, U.shape[0] ** 2 + 1, dtype=U.dtype).reshape(U.shape[0], U.shape[0])).sum(),
}


@pytest.mark.parametrize("loss", list(SVD_LOSSES))
@pytest.mark.parametrize("arr", [A, TALL, WIDE], ids=["square", "tall", "wide"])
def test_svd_gradients_of_sign_invariant_losses(loss, arr):
    grads = {}
    for M in (lib, torch):
        x = M.tensor(arr, requires_grad=True)
        U, Sv, V = M.svd(x)
        SVD_LOSSES[loss](M, U, Sv, V).backward()
        grads[M] = x.grad
    assert_same(grads[lib], grads[torch], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("full", [True, False])
def test_linalg_svd_full_matrices_gradient(full):
    grads = {}
    for M in (lib, torch):
        x = M.tensor(WIDE, requires_grad=True)
        U, Sv, Vh = M.linalg.svd(x, full_matrices=full)
        assert tuple(Vh.shape) == ((5, 5) if full else (2, 5))
        (Sv.sum() + (Vh[:2] ** 2 * M.arange(10.0, dtype=M.float64).reshape(2, 5)).sum()).backward()
        grads[M] = x.grad
    assert_same(grads[lib], grads[torch], rtol=1e-6, atol=1e-8)


def test_svdvals_and_compute_uv_false():
    check(lambda M, x: M.linalg.svdvals(x), [TALL])
    check(lambda M, x: M.svd(x, compute_uv=False), [WIDE])


# ---- in place, t_, out= --------------------------------------------------------------------------

INPLACE = {
    "triu_": lambda M, x: x.triu_(1),
    "tril_": lambda M, x: x.tril_(),
    "addmm_": lambda M, x: x.addmm_(M.tensor(R), M.tensor(S)[:, :3], beta=0.5),
    "addmv_": lambda M, x: x[0].addmv_(M.tensor(A), M.tensor(V3), alpha=2),
    "addr_": lambda M, x: x.addr_(M.tensor(V2), M.tensor(V3)),
    "addbmm_": lambda M, x: x.addbmm_(M.tensor(B1), M.tensor(B2)[:, :, :3]),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_twins(name):
    res = {}
    for M in (lib, torch):
        leaf = M.tensor(R, requires_grad=True)
        x = leaf * 1
        v = x._version
        r = INPLACE[name](M, x)
        assert x._version == v + 1
        (x * M.tensor(R[::-1].copy())).sum().backward()
        res[M] = (x, leaf.grad, fn_name(x.grad_fn), fn_name(r.grad_fn))
    assert_same(res[lib][0], res[torch][0])
    assert_same(res[lib][1], res[torch][1])
    assert res[lib][2:] == res[torch][2:]


def test_t_inplace():
    res = {}
    for M in (lib, torch):
        leaf = M.tensor(S, requires_grad=True)
        x = leaf * 2
        v, ptr = x._version, x.data_ptr()
        assert x.t_() is x
        assert x._version == v + 1 and x.data_ptr() == ptr
        (x * M.tensor(S.T.copy())).sum().backward()
        res[M] = (x, tuple(x.stride()), fn_name(x.grad_fn), leaf.grad)
    assert_same(res[lib][0], res[torch][0])
    assert res[lib][1:3] == res[torch][1:3]
    assert_same(res[lib][3], res[torch][3])
    plain = {M: M.tensor(V3).t_() for M in (lib, torch)}
    assert_same(plain[lib], plain[torch])


OUTS = {
    "triu": lambda M, o: M.triu(M.tensor(S, dtype=M.float32), out=o),
    "diag": lambda M, o: M.diag(M.tensor(V3, dtype=M.float32), out=o),
    "addmm": lambda M, o: M.addmm(M.tensor(C, dtype=M.float32), M.tensor(R, dtype=M.float32),
                                  M.tensor(S, dtype=M.float32), out=o),
    "cross": lambda M, o: M.cross(M.tensor(A, dtype=M.float32), M.tensor(A.T.copy(), dtype=M.float32), dim=0,
                                  out=o),
    "inverse": lambda M, o: M.inverse(M.tensor(WELL, dtype=M.float32), out=o),
}


@pytest.mark.parametrize("name", list(OUTS))
def test_out_variants(name):
    res = {}
    for M in (lib, torch):
        o = M.empty(0)
        assert OUTS[name](M, o) is o
        res[M] = o
    assert_same(res[lib], res[torch])


ERRORS = {
    "trace_1d": lambda M, x: M.trace(x[0]),
    "trace_bool": lambda M, x: M.trace(x > 0),
    "diag_3d": lambda M, x: M.diag(x.reshape(1, 2, 3)),
    "diag_0d": lambda M, x: M.diag(x[0, 0]),
    "triu_1d": lambda M, x: M.triu(x[0]),
    "tril__out_of_place_dtype": lambda M, x: M.tril(x, out=M.zeros(0, dtype=M.float64)),
    "addmm_dtype": lambda M, x: M.addmm(M.zeros(2, 2), x, x.t().double()),
    "addmm_input_dtype": lambda M, x: M.addmm(M.zeros(2, 2, dtype=M.float64), x, x.t()),
    "addmm_shapes": lambda M, x: M.addmm(M.zeros(2, 3), x, x),
    "addmm_1d_mat": lambda M, x: M.addmm(M.zeros(2), x[0], x.t()),
    "addmm_bad_input": lambda M, x: M.addmm(M.zeros(3), x, x.t()),
    "addmm_input_too_many_dims": lambda M, x: M.addmm(M.zeros(2, 1, 2), x, x.t()),
    "addmm__wrong_self_shape": lambda M, x: M.zeros(2).addmm_(x, x.t()),
    "addmm__leaf": lambda M, x: M.zeros(2, 2, requires_grad=True).addmm_(x, x.t()),
    "addbmm_batch_mismatch": lambda M, x: M.addbmm(M.zeros(2, 2), M.ones(3, 2, 3), M.ones(4, 3, 2)),
    "addbmm_2d": lambda M, x: M.addbmm(M.zeros(2, 2), x, x.t()),
    "baddbmm_inner": lambda M, x: M.baddbmm(M.zeros(3, 2, 2), M.ones(3, 2, 3), M.ones(3, 2, 2)),
    "baddbmm_dtype": lambda M, x: M.baddbmm(M.zeros(3, 2, 2), M.ones(3, 2, 3), M.ones(3, 3, 2, dtype=M.float64)),
    "addmv_size": lambda M, x: M.addmv(M.zeros(2), x, M.ones(2)),
    "addmv_dtype": lambda M, x: M.addmv(M.zeros(2), x, M.ones(3, dtype=M.float64)),
    "addr_shapes": lambda M, x: M.addr(x, M.ones(3), M.ones(2)),
    "addr_2d_vec": lambda M, x: M.addr(x, x, M.ones(3)),
    "cross_no_size3": lambda M, x: M.cross(M.ones(2, 2), M.ones(2, 2)),
    "cross_bad_dim_size": lambda M, x: M.cross(x, x, dim=0),
    "linalg_cross_last_dim": lambda M, x: M.linalg.cross(M.ones(3, 2), M.ones(3, 2)),
    "cross_dtype": lambda M, x: M.cross(M.ones(3), M.ones(3, dtype=M.float64), dim=0),
    "cross_bad_dim": lambda M, x: M.cross(x, x, dim=2),
    "inverse_1d": lambda M, x: M.inverse(x[0]),
    "inverse_rect": lambda M, x: M.inverse(x),
    "inverse_int": lambda M, x: M.inverse(M.eye(2, dtype=M.int64)),
    "inverse_singular": lambda M, x: M.inverse(M.zeros(2, 2)),
    "inverse_singular_rank1": lambda M, x: M.linalg.inv(M.ones(3, 3)),
    "inverse_half": lambda M, x: M.inverse(M.eye(2, dtype=M.float16)),
    "svd_int": lambda M, x: M.svd(x.long()),
    "svd_1d": lambda M, x: M.svd(x[0]),
    "svd_half": lambda M, x: M.linalg.svd(x.half()),
    "t__3d": lambda M, x: M.ones(2, 2, 2).t_(),
    "t__leaf": lambda M, x: M.ones(2, 2, requires_grad=True).t_(),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_linalg_errors(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(ERRORS[name], [R.astype(np.float32)])


def test_singular_error_is_a_linalg_error():
    for M in (lib, torch):
        with pytest.raises(RuntimeError) as e:
            M.inverse(M.zeros(2, 2))
        assert isinstance(e.value, M.linalg.LinAlgError)
        assert "singular" in str(e.value)


# ---- Hypothesis: the add*-products with random shapes, beta and alpha -----------------------------

small = st.floats(-2, 2, width=64)
scal = st.sampled_from([0, 1, -1, 0.5, 2])


@given(data=st.data())
def test_addmm_family_random(data):
    n, k, p, b = (data.draw(st.integers(1, 4), label=s) for s in "nkpb")
    beta, alpha = data.draw(scal, label="beta"), data.draw(scal, label="alpha")
    arr = lambda shape: data.draw(npst.arrays(np.float64, shape, elements=small))  # noqa: E731
    ishape = data.draw(npst.broadcastable_shapes((n, p), max_dims=2).filter(
        lambda s: np.broadcast_shapes(s, (n, p)) == (n, p)), label="input shape")
    m1, m2, inp = arr((n, k)), arr((k, p)), arr(ishape)
    check(lambda M, i, x, y: M.addmm(i, x, y, beta=beta, alpha=alpha), [inp, m1, m2], msg="addmm")
    b1, b2 = arr((b, n, k)), arr((b, k, p))
    check(lambda M, i, x, y: M.addbmm(i, x, y, beta=beta, alpha=alpha), [inp, b1, b2], msg="addbmm")
    check(lambda M, i, x, y: M.baddbmm(i, x, y, beta=beta, alpha=alpha), [inp, b1, b2], msg="baddbmm")
    v1, v2 = arr((n,)), arr((p,))
    check(lambda M, i, x, y: M.addr(i, x, y, beta=beta, alpha=alpha), [inp, v1, v2], msg="addr")
    check(lambda M, i, x, y: M.addmv(i[..., 0] if i.dim() else i, x, y, beta=beta, alpha=alpha),
          [inp, m1, arr((k,))], msg="addmv")
    d = data.draw(st.integers(-2, 2), label="diagonal")
    check(lambda M, x: M.triu(x, d) + M.tril(x, -d), [m1], msg="triu/tril")


# ---- result dtype (or error class) for every dtype ---------------------------------------------------

DTYPE_OPS = {
    "trace": lambda M, d: M.trace(M.ones(2, 2, dtype=d)),
    "diag": lambda M, d: M.diag(M.ones(2, dtype=d)),
    "diag2": lambda M, d: M.diag(M.ones(2, 2, dtype=d)),
    "triu": lambda M, d: M.triu(M.ones(2, 2, dtype=d)),
    "mm": lambda M, d: M.mm(M.ones(2, 2, dtype=d), M.ones(2, 2, dtype=d)),
    "bmm": lambda M, d: M.bmm(M.ones(1, 2, 2, dtype=d), M.ones(1, 2, 2, dtype=d)),
    "mv": lambda M, d: M.mv(M.ones(2, 2, dtype=d), M.ones(2, dtype=d)),
    "dot": lambda M, d: M.dot(M.ones(2, dtype=d), M.ones(2, dtype=d)),
    "matmul_3d_1d": lambda M, d: M.matmul(M.ones(2, 2, 2, dtype=d), M.ones(2, dtype=d)),
    "addmm": lambda M, d: M.addmm(M.ones(2, 2, dtype=d), M.ones(2, 2, dtype=d), M.ones(2, 2, dtype=d)),
    "addmv": lambda M, d: M.addmv(M.ones(2, dtype=d), M.ones(2, 2, dtype=d), M.ones(2, dtype=d)),
    "addr": lambda M, d: M.addr(M.ones(2, 2, dtype=d), M.ones(2, dtype=d), M.ones(2, dtype=d)),
    "addr_mixed": lambda M, d: M.addr(M.ones(2, 2, dtype=d), M.ones(2, dtype=M.int32), M.ones(2, dtype=d)),
    "baddbmm": lambda M, d: M.baddbmm(M.ones(1, 2, 2, dtype=d), M.ones(1, 2, 2, dtype=d), M.ones(1, 2, 2, dtype=d)),
    "addbmm": lambda M, d: M.addbmm(M.ones(2, 2, dtype=d), M.ones(1, 2, 2, dtype=d), M.ones(1, 2, 2, dtype=d)),
    "cross": lambda M, d: M.cross(M.ones(3, dtype=d), M.ones(3, dtype=d), dim=0),
    "inverse": lambda M, d: M.inverse(M.eye(2, dtype=d)),
    "svd": lambda M, d: M.svd(M.eye(2, dtype=d)),
    "outer": lambda M, d: M.outer(M.ones(2, dtype=d), M.ones(2, dtype=M.int32)),
    "linear": lambda M, d: M.nn.functional.linear(M.ones(2, 3, dtype=d), M.ones(4, 3, dtype=d), M.ones(4, dtype=d)),
}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64",
                                   "bool"])
def test_result_dtypes(dtype):
    from tests.helpers import dtype_name, error_kind

    for name, fn in DTYPE_OPS.items():
        out = []
        for M in (lib, torch):
            try:
                r = fn(M, getattr(M, dtype))
                out.append(tuple(dtype_name(t.dtype) for t in r) if isinstance(r, tuple) else dtype_name(r.dtype))
            except Exception as e:  # noqa: BLE001
                out.append(error_kind(type(e)).__name__)
        assert out[0] == out[1], f"{name}({dtype}): {out[0]} != torch {out[1]}"


# ---- torch's finer rules ----------------------------------------------------------------------------

LINALG_EDGE = {
    "tril__expanded_writes_only_zeros": lambda M: M.ones(1, 1).expand(2, 1).clone().expand(2, 1).tril_(-1),
    "triu__expanded": lambda M: (lambda b: (b.expand(2, 2).triu_(), b)[1])(M.tensor([1.0, 2.0])),
    "tril__expanded_base": lambda M: (lambda b: (b.expand(2, 1).tril_(-1), b)[1])(M.tensor([1.0])),
    "addbmm__empty_result_resizes": lambda M: M.zeros(()).addbmm_(M.zeros(0, 0, 0), M.zeros(0, 0, 0)),
    "addbmm__empty_1d": lambda M: M.zeros(0).addbmm_(M.zeros(0, 0, 0), M.zeros(0, 0, 0)),
    "addbmm__no_batches_resizes": lambda M: M.ones(1).addbmm_(M.zeros(0, 1, 0), M.zeros(0, 0, 1), beta=2),
    "addbmm__no_batches_bad_expand": lambda M: M.ones(2, 1).addbmm_(M.zeros(0, 1, 0), M.zeros(0, 0, 1)),
    "addbmm__batches_wrong_shape": lambda M: M.zeros(1).addbmm_(M.zeros(2, 1, 1), M.zeros(2, 1, 1)),
    "addmm__empty_wrong_shape": lambda M: M.zeros(0).addmm_(M.zeros(0, 0), M.zeros(0, 0)),
    "baddbmm__empty_wrong_shape": lambda M: M.zeros(0, 0).baddbmm_(M.zeros(0, 0, 0), M.zeros(0, 0, 0)),
    "addr__1d_self": lambda M: M.zeros(0, dtype=M.int64).addr_(M.zeros(0, dtype=M.int64), M.zeros(0, dtype=M.int64)),
    "addmv_0d_input_mismatch": lambda M: M.addmv(M.tensor(0.0), M.zeros(1, 1), M.zeros(3)),
    "addr_out_casts": lambda M: M.addr(M.ones(2, 2, dtype=M.int64), M.ones(2, dtype=M.int64),
                                        M.ones(2, dtype=M.int64), out=M.zeros(0).half()),
    "addmm_out_strict": lambda M: M.addmm(M.ones(2, 2), M.ones(2, 2), M.ones(2, 2), out=M.zeros(0).half()),
}


@pytest.mark.parametrize("name", list(LINALG_EDGE))
def test_linalg_edge_rules(name):
    def body(M):
        r = LINALG_EDGE[name](M)
        return str(r.dtype).split(".")[-1], tuple(r.shape), r.tolist()

    from tests.helpers import assert_same_error

    le, te = assert_same_error(body)
    if le is None:
        assert body(lib) == body(torch)


def test_svd_out():
    res = []
    for M in (lib, torch):
        a = M.tensor(TALL, dtype=M.float32)
        U, Sv, V = M.empty(0), M.empty(0), M.empty(0)
        r = M.svd(a, out=(U, Sv, V))
        assert r[0] is U and r[1] is Sv and r[2] is V
        res.append((Sv, tuple(U.shape), tuple(V.shape)))
    assert_same(res[0][0], res[1][0])
    assert res[0][1:] == res[1][1:]
