"""View ops: layout (shape, stride, storage_offset, contiguity), storage sharing and write-through.

Every case builds the same base in both libraries, applies the same view op, and compares:
  - shape, stride(), storage_offset(), is_contiguous(), dtype   (assert_same_meta)
  - whether the result shares the base's storage (untyped_storage().data_ptr())
  - values
  - a write through the view shows in the base (values and _version), and vice versa.
"""
import numpy as np
import pytest

from tests.helpers import assert_same, assert_same_meta, both, lib, shares_storage

BASE = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def base(M, arr=BASE):
    return M.tensor(arr)


# (id, view function of (M, x)); x is the contiguous (2, 3, 4) float32 base.
VIEW_CASES = [
    # view
    ("view_6_4", lambda M, x: x.view(6, 4)),
    ("view_tuple", lambda M, x: x.view((4, 6))),
    ("view_minus1", lambda M, x: x.view(-1)),
    ("view_4_minus1", lambda M, x: x.view(4, -1)),
    ("view_minus1_2_2", lambda M, x: x.view(-1, 2, 2)),
    ("view_insert_ones", lambda M, x: x.view(1, 2, 1, 12, 1)),
    ("view_size_obj", lambda M, x: x.view(x.size())),
    ("view_permuted_merge", lambda M, x: x.permute(2, 0, 1).view(4, 6)),  # non-contiguous, viewable
    ("view_row_split", lambda M, x: x[:, 1].view(2, 2, 2)),               # offset 4, strides (12, 1)
    ("view_transposed_split_last", lambda M, x: x.transpose(0, 1).view(3, 2, 2, 2)),
    ("view_expanded", lambda M, x: x[:, :1].expand(2, 5, 4).view(2, 5, 2, 2)),
    ("view_0d_to_1", lambda M, x: x[0, 0, 0].view(1)),
    ("view_1_to_0d", lambda M, x: x[0, 0, :1].view(())),
    # reshape: view when possible
    ("reshape_contig", lambda M, x: x.reshape(4, 6)),
    ("reshape_minus1", lambda M, x: x.reshape(-1)),
    ("reshape_fn", lambda M, x: M.reshape(x, (3, 8))),
    ("reshape_permuted_view", lambda M, x: x.permute(2, 0, 1).reshape(4, 6)),
    ("reshape_row_view", lambda M, x: x[:, 1].reshape(2, 2, 2)),
    ("reshape_same_shape_noncontig", lambda M, x: x.transpose(0, 2).reshape(4, 3, 2)),
    # reshape: copy exactly when torch copies
    ("reshape_transposed_copy", lambda M, x: x.transpose(0, 1).reshape(-1)),
    ("reshape_row_copy", lambda M, x: x[:, 1].reshape(8)),
    ("reshape_step_copy", lambda M, x: x[:, :, ::2].reshape(12)),
    ("reshape_expanded_copy", lambda M, x: x[:, :1].expand(2, 3, 4).reshape(24)),
    # flatten
    ("flatten", lambda M, x: x.flatten()),
    ("flatten_1", lambda M, x: x.flatten(1)),
    ("flatten_0_1", lambda M, x: x.flatten(0, 1)),
    ("flatten_neg", lambda M, x: x.flatten(-2, -1)),
    ("flatten_fn", lambda M, x: M.flatten(x, 1)),
    ("flatten_noncontig_copy", lambda M, x: x.transpose(0, 2).flatten()),
    ("flatten_noncontig_view", lambda M, x: x.permute(2, 0, 1).flatten(1)),
    ("flatten_1d", lambda M, x: x[0, 0].flatten()),
    ("flatten_0d", lambda M, x: x[0, 0, 0].flatten()),
    # t / T / transpose / permute
    ("t_2d", lambda M, x: x[0].t()),
    ("t_1d", lambda M, x: x[0, 0].t()),
    ("t_0d", lambda M, x: x[0, 0, 0].t()),
    ("t_fn", lambda M, x: M.t(x[1])),
    ("T_2d", lambda M, x: x[1].T),
    ("T_sliced", lambda M, x: x[0, 1:, ::2].T),
    ("transpose_0_2", lambda M, x: x.transpose(0, 2)),
    ("transpose_neg", lambda M, x: x.transpose(-1, -2)),
    ("transpose_same", lambda M, x: x.transpose(1, 1)),
    ("transpose_fn", lambda M, x: M.transpose(x, 0, 1)),
    ("permute", lambda M, x: x.permute(2, 0, 1)),
    ("permute_tuple", lambda M, x: x.permute((1, 2, 0))),
    ("permute_neg", lambda M, x: x.permute(-1, -3, -2)),
    ("permute_fn", lambda M, x: M.permute(x, (2, 1, 0))),
    ("permute_of_slice", lambda M, x: x[:, 1:, ::3].permute(2, 1, 0)),
    # unsqueeze / squeeze
    ("unsqueeze_0", lambda M, x: x.unsqueeze(0)),
    ("unsqueeze_1", lambda M, x: x.unsqueeze(1)),
    ("unsqueeze_end", lambda M, x: x.unsqueeze(3)),
    ("unsqueeze_neg", lambda M, x: x.unsqueeze(-1)),
    ("unsqueeze_neg4", lambda M, x: x.unsqueeze(-4)),
    ("unsqueeze_fn", lambda M, x: M.unsqueeze(x, 2)),
    ("unsqueeze_noncontig", lambda M, x: x.transpose(0, 2).unsqueeze(1)),
    ("unsqueeze_noncontig_end", lambda M, x: x[:, :, ::2].unsqueeze(-1)),
    ("unsqueeze_0d", lambda M, x: x[1, 2, 3].unsqueeze(0)),
    ("squeeze_all", lambda M, x: x[:, :1, None].squeeze()),
    ("squeeze_dim", lambda M, x: x[:, :1].squeeze(1)),
    ("squeeze_dim_noop", lambda M, x: x.squeeze(0)),
    ("squeeze_neg", lambda M, x: x[:, :, :1].squeeze(-1)),
    ("squeeze_tuple", lambda M, x: x[None, :1, :, :1].squeeze((0, 1, 3))),
    ("squeeze_fn", lambda M, x: M.squeeze(x[:1])),
    ("squeeze_to_0d", lambda M, x: x[:1, :1, :1].squeeze()),
    ("squeeze_noop_all", lambda M, x: x.squeeze()),
    # expand (stride 0)
    ("expand_row", lambda M, x: x[0, :1].expand(3, 4)),
    ("expand_col", lambda M, x: x[0, :, :1].expand(3, 5)),
    ("expand_new_dims", lambda M, x: x[0].expand(2, 2, 3, 4)),
    ("expand_minus1", lambda M, x: x[:, :1].expand(-1, 6, -1)),
    ("expand_tuple", lambda M, x: x[0, :1].expand((2, 3, 4))),
    ("expand_same", lambda M, x: x.expand(2, 3, 4)),
    ("expand_0d", lambda M, x: x[1, 1, 1].expand(3, 2)),
    ("expand_as", lambda M, x: x[0, :1].expand_as(x)),
    # narrow
    ("narrow_0", lambda M, x: x.narrow(0, 1, 1)),
    ("narrow_2", lambda M, x: x.narrow(2, 1, 2)),
    ("narrow_neg_dim", lambda M, x: x.narrow(-1, 0, 3)),
    ("narrow_neg_start", lambda M, x: x.narrow(1, -2, 2)),
    ("narrow_fn", lambda M, x: M.narrow(x, 1, 1, 2)),
    ("narrow_empty", lambda M, x: x.narrow(2, 4, 0)),
    # select
    ("select_0", lambda M, x: x.select(0, 1)),
    ("select_1", lambda M, x: x.select(1, 2)),
    ("select_neg", lambda M, x: x.select(-1, -1)),
    ("select_fn", lambda M, x: M.select(x, 2, 3)),
    # basic indexing
    ("idx_int", lambda M, x: x[0]),
    ("idx_neg_int", lambda M, x: x[-1]),
    ("idx_row_colon", lambda M, x: x[0, :]),
    ("idx_colon_neg", lambda M, x: x[:, -1]),
    ("idx_colon_1", lambda M, x: x[:, 1]),
    ("idx_ellipsis_int", lambda M, x: x[..., 1]),
    ("idx_ellipsis_mid", lambda M, x: x[0, ..., -1]),
    ("idx_ellipsis_only", lambda M, x: x[...]),
    ("idx_none", lambda M, x: x[None]),
    ("idx_colon_none", lambda M, x: x[:, None]),
    ("idx_ellipsis_none", lambda M, x: x[..., None]),
    ("idx_none_int_none", lambda M, x: x[None, 1, None, :, 2]),
    ("idx_step", lambda M, x: x[::2]),
    ("idx_step_inner", lambda M, x: x[:, :, ::3]),
    ("idx_start_step", lambda M, x: x[1:, ::2]),
    ("idx_slice_range", lambda M, x: x[0, :, 1:3]),
    ("idx_neg_slice", lambda M, x: x[-2:, -2:, -3:-1]),
    ("idx_empty_slice", lambda M, x: x[1:1]),
    ("idx_past_end", lambda M, x: x[5:]),
    ("idx_big_stop", lambda M, x: x[:, 1:100]),
    ("idx_all_ints", lambda M, x: x[1, 2, 3]),
    ("idx_all_neg_ints", lambda M, x: x[-1, -2, -3]),
    ("idx_step_then_int", lambda M, x: x[:, ::2, 1]),
    ("idx_chain", lambda M, x: x[1][2][1:]),
    ("idx_of_transposed", lambda M, x: x.transpose(0, 2)[1:, 0]),
    ("idx_of_expanded", lambda M, x: x[0, :1].expand(3, 4)[1:, ::2]),
    # detach / .data / contiguous / alias
    ("detach", lambda M, x: x.detach()),
    ("detach_of_slice", lambda M, x: x[:, 1:].detach()),
    ("data", lambda M, x: x.data),
    ("data_of_slice", lambda M, x: x[1, ::2].data),
    ("contiguous_self", lambda M, x: x.contiguous()),
    ("view_as", lambda M, x: x.view_as(M.tensor(np.zeros((6, 4), dtype=np.float32)))),
    ("reshape_as", lambda M, x: x.reshape_as(M.tensor(np.zeros((4, 6), dtype=np.float32)))),
]


def _first_index(v):
    return (0,) * v.dim()


@pytest.mark.parametrize("case", [c[1] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_view_layout_and_sharing(case):
    bl, bt = both(base)
    vl, vt = case(lib, bl), case(__import__("torch"), bt)
    assert_same_meta(vl, vt)
    assert shares_storage(vl, bl) == shares_storage(vt, bt), (
        f"shares storage with base: lib {shares_storage(vl, bl)}, torch {shares_storage(vt, bt)}")
    assert_same(vl, vt)


@pytest.mark.parametrize("case", [c[1] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_write_through_view_and_base(case):
    import torch

    bl, bt = both(base)
    vl, vt = case(lib, bl), case(torch, bt)
    if vt.numel() > 0:
        # write one element through the view (works for stride-0 views too)
        vl[_first_index(vl)] = -7.0
        vt[_first_index(vt)] = -7.0
        assert_same(bl, bt, msg="base after write through view")
        assert_same(vl, vt, msg="view after write through view")
        assert bl._version == bt._version and vl._version == vt._version, (
            f"_version base/view: lib {bl._version}/{vl._version}, torch {bt._version}/{vt._version}")
    # write through the base, observe through the view
    bl.add_(100)
    bt.add_(100)
    assert_same(vl, vt, msg="view after in-place op on base")
    assert vl._version == vt._version, f"view _version: lib {vl._version}, torch {vt._version}"


@pytest.mark.parametrize("op", [
    lambda x: x.view(2, 3, 4), lambda x: x.reshape(2, 3, 4), lambda x: x.contiguous(),
    lambda x: x.detach(), lambda x: x[...], lambda x: x.flatten(0, 0), lambda x: x.squeeze(),
    lambda x: x.expand(2, 3, 4), lambda x: x.permute(0, 1, 2), lambda x: x.view(-1).flatten(),
], ids=["view", "reshape", "contiguous", "detach", "ellipsis", "flatten_noop", "squeeze_noop",
        "expand_same", "permute_identity", "flatten_1d"])
def test_result_identity_matches_torch(op):
    """Whether an op returns the very same Python object (``is``) or a new tensor."""
    bl, bt = both(base)
    assert (op(bl) is bl) == (op(bt) is bt)


@pytest.mark.parametrize("make", [
    lambda M, x: x.transpose(0, 1),
    lambda M, x: x[:, :, ::2],
    lambda M, x: x[:, 1],
    lambda M, x: x[0, :1].expand(3, 4),
    lambda M, x: x.permute(2, 0, 1),
], ids=["transposed", "stepped", "row_offset", "expanded", "permuted"])
def test_contiguous_of_noncontiguous_copies(make):
    import torch

    bl, bt = both(base)
    vl, vt = make(lib, bl), make(torch, bt)
    cl, ct = vl.contiguous(), vt.contiguous()
    assert_same_meta(cl, ct)
    assert cl is not vl
    assert shares_storage(cl, bl) == shares_storage(ct, bt)
    assert_same(cl, ct)
    assert cl.contiguous() is cl


@pytest.mark.parametrize("make", [
    lambda M, x: x,
    lambda M, x: x[1],
    lambda M, x: x[:, :, 1:2],
    lambda M, x: x[:1, :1],
    lambda M, x: x.view(-1),
    lambda M, x: x.unsqueeze(1),
    lambda M, x: x[:, :1, :].transpose(0, 1),  # size-1 dims do not break contiguity
    lambda M, x: x[0:0],
], ids=["base", "row", "size1_slice", "leading_slices", "flat", "unsqueezed", "size1_transposed", "empty"])
def test_contiguous_returns_self_when_contiguous(make):
    import torch

    bl, bt = both(base)
    vl, vt = make(lib, bl), make(torch, bt)
    assert vl.is_contiguous() == vt.is_contiguous()
    assert (vl.contiguous() is vl) == (vt.contiguous() is vt)


def test_clone_preserves_strides_like_torch():
    import torch

    for make in (lambda x: x.transpose(0, 2), lambda x: x[:, :, ::2], lambda x: x[0, :1].expand(3, 4),
                 lambda x: x.permute(1, 2, 0)):
        bl, bt = both(base)
        cl, ct = make(bl).clone(), make(bt).clone()
        assert_same_meta(cl, ct)
        assert not shares_storage(cl, bl)
        assert_same(cl, ct)
