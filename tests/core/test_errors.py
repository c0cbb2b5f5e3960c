"""Error classes for bad input, compared with torch (nearest built-in class), and the state of
every tensor involved (values and _version) unchanged after the error."""
import numpy as np
import pytest
import torch

from tests.helpers import LIB_NAME, error_kind, lib


def setup(M):
    a = M.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    b = M.tensor(np.ones((3, 2), dtype=np.float32))
    i = M.tensor([1, 2, 3])
    return {"a": a, "b": b, "i": i, "at": a.t()}


ERRORS = {
    # shape mismatches
    "add_shape_mismatch": lambda M, t: t["a"] + t["b"],
    "mul_shape_mismatch": lambda M, t: M.mul(t["a"], M.ones(4)),
    "inplace_add_shape": lambda M, t: t["a"].add_(M.ones(4)),
    "inplace_broadcast_grow": lambda M, t: t["i"].add_(M.ones(2, 3, dtype=M.int64)),
    "mm_inner_mismatch": lambda M, t: M.mm(t["a"], t["a"]),
    "mm_1d": lambda M, t: M.mm(t["i"].float(), t["b"]),
    "matmul_mismatch": lambda M, t: t["a"] @ M.ones(4),
    "copy_shape": lambda M, t: t["a"].copy_(M.ones(4)),
    "setitem_shape": lambda M, t: t["a"].__setitem__(0, M.ones(4)),
    "expand_bad": lambda M, t: t["a"].expand(3, 3),
    "expand_fewer_dims": lambda M, t: t["a"].expand(3),
    "view_wrong_numel": lambda M, t: t["a"].view(4, 2),
    "view_two_minus1": lambda M, t: t["a"].view(-1, -1),
    "view_incompatible_strides": lambda M, t: t["at"].view(6),
    "view_incompatible_strides_2": lambda M, t: t["a"][:, ::2].view(4),
    "reshape_wrong_numel": lambda M, t: t["a"].reshape(5),
    "out_wrong_dtype_cast": lambda M, t: M.add(t["a"], 1.5, out=t["i"]),
    "zeros_negative": lambda M, t: M.zeros(-1),
    "full_neg_size": lambda M, t: M.full((-2,), 1.0),
    "arange_bad_step": lambda M, t: M.arange(0, 10, 0),
    "arange_wrong_sign": lambda M, t: M.arange(0, 10, -1),
    "linspace_neg_steps": lambda M, t: M.linspace(0, 1, -1),
    "tensor_ragged": lambda M, t: M.tensor([[1, 2], [3]]),
    "tensor_bad_type": lambda M, t: M.tensor("abc"),
    "cuda_tensor": lambda M, t: t["a"].cuda(),
    "cuda_to": lambda M, t: t["a"].to("cuda"),
    "cuda_device_arg": lambda M, t: M.zeros(2, device="cuda"),
    "bad_device": lambda M, t: M.zeros(2, device="nonsense"),
    # bad dims -> IndexError
    "sum_bad_dim": lambda M, t: t["a"].sum(2),
    "sum_bad_neg_dim": lambda M, t: t["a"].sum(-3),
    "mean_bad_dim": lambda M, t: M.mean(t["a"], 5),
    "transpose_bad_dim": lambda M, t: t["a"].transpose(0, 2),
    "permute_bad_dim": lambda M, t: t["a"].permute(0, 2),
    "permute_repeated": lambda M, t: t["a"].permute(0, 0),
    "permute_wrong_len": lambda M, t: t["a"].permute(0),
    "unsqueeze_bad_dim": lambda M, t: t["a"].unsqueeze(4),
    "squeeze_bad_dim": lambda M, t: t["a"].squeeze(3),
    "flatten_bad_dim": lambda M, t: t["a"].flatten(0, 2),
    "select_bad_dim": lambda M, t: t["a"].select(2, 0),
    "narrow_bad_dim": lambda M, t: t["a"].narrow(3, 0, 1),
    "narrow_out_of_range": lambda M, t: t["a"].narrow(1, 2, 2),
    "t_on_3d": lambda M, t: M.ones(2, 2, 2).t(),
    # out-of-range index -> IndexError
    "index_out_of_range": lambda M, t: t["a"][2],
    "index_neg_out_of_range": lambda M, t: t["a"][-3],
    "index_second_dim": lambda M, t: t["a"][0, 3],
    "index_too_many": lambda M, t: t["a"][0, 0, 0],
    "index_0d": lambda M, t: M.tensor(1.0)[0],
    "select_out_of_range": lambda M, t: t["a"].select(1, 3),
    "setitem_out_of_range": lambda M, t: t["a"].__setitem__((5, 0), 1.0),
    "index_float": lambda M, t: t["a"][1.5],
    "negative_step": lambda M, t: t["a"][::-1],
    "zero_step": lambda M, t: t["a"][::0],
    # item / scalar conversion
    "item_many": lambda M, t: t["a"].item(),
    "item_empty": lambda M, t: M.zeros(0).item(),
    "float_many": lambda M, t: float(t["a"]),
    "int_many": lambda M, t: int(t["i"]),
    "bool_many": lambda M, t: bool(t["i"]),
    "size_bad_dim": lambda M, t: t["a"].size(2),
    "stride_bad_dim": lambda M, t: t["a"].stride(-3),
    # type / argument errors
    "add_string": lambda M, t: t["a"] + "x",
    "sum_bad_kw": lambda M, t: t["a"].sum(dimension=0),
    "sub_bool": lambda M, t: M.tensor([True]) - M.tensor([False]),
    "neg_bool": lambda M, t: -M.tensor([True]),
    "zero_dim_len": lambda M, t: len(M.tensor(1.0)),
    "iter_0d": lambda M, t: iter(M.tensor(1.0)),
    "numpy_requires_grad": lambda M, t: M.ones(1, requires_grad=True).numpy(),
}

# Ops that succeed in torch: the library must not raise either (guards against over-eager checks).
OK = {
    "broadcast_ok": lambda M, t: t["a"] + M.ones(3),
    "view_transposed_split_ok": lambda M, t: t["at"].view(3, 2),
    "reshape_incompatible_ok": lambda M, t: t["at"].reshape(6),
    "narrow_at_end_ok": lambda M, t: t["a"].narrow(1, 3, 0),
    "slice_out_of_range_ok": lambda M, t: t["a"][5:10],
    "squeeze_non1_ok": lambda M, t: t["a"].squeeze(0),
    "index_neg_ok": lambda M, t: t["a"][-2, -3],
    "item_one_ok": lambda M, t: t["a"][1:, 2:].item(),
    "float_one_ok": lambda M, t: float(t["a"][1, 2]),
    "int_one_elem_ok": lambda M, t: int(M.tensor([[7]])),
    "len_ok": lambda M, t: len(t["a"]),
    "t_on_1d_ok": lambda M, t: t["i"].t(),
    "zeros_zero_ok": lambda M, t: M.zeros(0, 3),
    "two_ellipsis_ok": lambda M, t: t["a"][..., ...],  # torch accepts this (NumPy does not)
}


def snapshot(ts):
    return {k: (v.tolist(), v._version) for k, v in ts.items()}


def run(fn, M):
    ts = setup(M)
    before = snapshot(ts)
    try:
        fn(M, ts)
        exc = None
    except Exception as e:  # noqa: BLE001
        exc = e
    return exc, before, snapshot(ts)


# Asking for CUDA is bad input only where there is none (torch's CPU build; impl without CuPy or a GPU)
_NEEDS_NO_GPU = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: CUDA requests succeed")


@pytest.mark.parametrize("fn", [pytest.param(f, marks=_NEEDS_NO_GPU) if k.startswith("cuda_") else f
                                for k, f in ERRORS.items()], ids=list(ERRORS))
def test_error_class_matches_torch_and_state_unchanged(fn):
    et, bt, at = run(fn, torch)
    assert et is not None, "test premise: torch raises here"
    assert bt == at, "test premise: torch leaves the inputs unchanged"
    el, bl, al = run(fn, lib)
    expected = error_kind(type(et))
    assert el is not None, f"torch raises {type(et).__name__}: {et}; {LIB_NAME} does not raise"
    assert isinstance(el, expected), (
        f"torch raises {type(et).__name__} ({expected.__name__}): {et}\n"
        f"{LIB_NAME} raises {type(el).__name__}: {el}")
    assert bl == al, f"{LIB_NAME} changed its inputs although it raised: {bl} -> {al}"


@pytest.mark.parametrize("fn", list(OK.values()), ids=list(OK))
def test_valid_edge_cases_do_not_raise(fn):
    et, _, _ = run(fn, torch)
    assert et is None, f"test premise: torch accepts this ({et!r})"
    el, _, _ = run(fn, lib)
    assert el is None, f"{LIB_NAME} raised {type(el).__name__}: {el}"


def test_cuda_is_available_matches_torch():
    assert lib.cuda.is_available() == torch.cuda.is_available()
