"""Which check fires first when several would: the library must raise torch's error, not another one of
the same class.  torch's order for an in-place op is the autograd layer's leaf checks, then
TensorIterator's build (memory overlap, then the broadcast and the target's shape, then the cast to the
target's dtype), then the op's own late checks (add's alpha) and the kernel's dtype dispatch.  Also the
argument parser's TypeError for sum's dim and the bitwise ops' NotImplementedError on floating types.
Every expectation is real torch, run at test time (assert_same_outcome)."""
from __future__ import annotations

import pytest

from tests.core.test_torch_messages import assert_same_outcome


def _leaf(M, shape=(1, 2), dtype="float32"):
    return M.ones(shape, dtype=getattr(M, dtype), requires_grad=True)


_INPLACE = {
    # overlap before the shape check and the cast check
    "exp_ expanded uint8": lambda M: M.zeros(1, dtype=M.uint8).expand(3).exp_(),
    "div_ expanded uint8": lambda M: M.zeros(1, dtype=M.uint8).expand(3).div_(2),
    "add_ expanded int32, float other": lambda M: M.ones(1, 2, dtype=M.int32).expand(3, 2).add_(M.ones(3, 2)),
    "add_ expanded, no broadcast": lambda M: M.ones(1, 2).expand(3, 2).add_(M.ones(4)),
    "add_ expanded, int other": lambda M: M.ones(1, 2).expand(3, 2).add_(M.ones(4, dtype=M.int32)),
    # the target's shape before the cast
    "div_ empty uint8 target": lambda M: M.zeros(0, dtype=M.uint8).div_(M.ones(3, 0)),
    "add_ int32 target, float broadcast": lambda M: M.ones(1, 2, dtype=M.int32).add_(M.ones(3, 2)),
    "mul_ uint8 target, float broadcast": lambda M: M.ones(2, dtype=M.uint8).mul_(M.ones(3, 2)),
    "clamp_ int target, float bound": lambda M: M.ones(1, 2, dtype=M.int32).clamp_(M.ones(3, 2), None),
    # the leaf check first of all
    "add_ leaf, no broadcast": lambda M: _leaf(M).add_(M.ones(4)),
    "add_ leaf, target shape": lambda M: _leaf(M).add_(M.ones(3, 2)),
    "mul_ leaf, no broadcast scalar path": lambda M: _leaf(M).mul_(M.ones(5)),
    "exp_ expanded view of a leaf": lambda M: _leaf(M).expand(3, 2).exp_(),
    "add_ expanded view of a leaf": lambda M: _leaf(M).expand(3, 2).add_(M.ones(3, 2)),
    "neg_ expanded view of a leaf": lambda M: _leaf(M, (2,)).expand(3, 2).neg_(),
    # add's alpha check after the build's
    "add_ int alpha float, target shape": lambda M: M.ones(1, 2, dtype=M.int32).add_(
        M.ones(3, 2, dtype=M.int32), alpha=1.5),
    "add_ int alpha float, overlap": lambda M: M.ones(1, 2, dtype=M.int32).expand(3, 2).add_(
        M.ones(3, 2, dtype=M.int32), alpha=1.5),
    "add int alpha float, no broadcast": lambda M: M.add(M.ones(2, dtype=M.int32), M.ones(3, dtype=M.int32),
                                                         alpha=1.5),
    # a check of the op itself (neg, relu) before the overlap; a kernel's dispatch (abs) after it
    "neg_ bool expanded": lambda M: M.ones(2, dtype=M.bool).expand(3, 2).neg_(),
    "relu_ bool expanded": lambda M: M.ones(2, dtype=M.bool).expand(3, 2).relu_(),
    "abs_ bool expanded": lambda M: M.ones(2, dtype=M.bool).expand(3, 2).abs_(),
}


@pytest.mark.parametrize("case", list(_INPLACE))
def test_inplace_check_order_matches_torch(case):
    assert_same_outcome(_INPLACE[case])


_SUM_DIMS = [1.5, True, "ab", [1.5], [True], [0, 1.5], (0, "a"), (0, 1, 2.0)]


@pytest.mark.parametrize("keepdim", [True, False])
@pytest.mark.parametrize("dim", _SUM_DIMS, ids=repr)
def test_sum_dim_of_the_wrong_type_matches_torch(dim, keepdim):
    # keepdim=True: only the dim overload is plausible, so torch names the argument (dim=... keyword
    # wording); keepdim=False given: the same
    assert_same_outcome(lambda M: M.ones(2, 3).sum(dim=dim, keepdim=keepdim))
    assert_same_outcome(lambda M: M.sum(M.ones(2, 3), dim=dim, keepdim=keepdim))


_BITWISE = {
    "and float scalar": lambda M: M.ones(3) & 1,
    "and float tensors": lambda M: M.ones(3) & M.ones(3),
    "or int tensor, float scalar": lambda M: M.ones(3, dtype=M.int32) | 1.5,
    "xor half": lambda M: M.ones(3, dtype=M.float16) ^ 1,
    "and double, bool scalar": lambda M: M.ones(3, dtype=M.float64) & True,
    "bitwise_and function": lambda M: M.bitwise_and(M.ones(3), 1),
    "bitwise_and_ float": lambda M: M.ones(3).bitwise_and_(M.ones(3)),
    "bitwise_and_ int target float other": lambda M: M.ones(3, dtype=M.int32).bitwise_and_(M.ones(3)),
    "bitwise_and_ expanded int target": lambda M: M.ones(3, dtype=M.int32).expand(2, 3).bitwise_and_(M.ones(3)),
    "bitwise_and out int": lambda M: M.bitwise_and(M.ones(3), M.ones(3), out=M.ones(3, dtype=M.int32)),
    "bitwise_and out float": lambda M: M.bitwise_and(M.ones(3), M.ones(3), out=M.ones(3)),
    "and no broadcast": lambda M: M.ones(3) & M.ones(4),
    "and int with bool": lambda M: M.ones(3, dtype=M.int32) & M.ones(3, dtype=M.bool),
    "xor uint8": lambda M: M.ones(3, dtype=M.uint8) ^ M.ones(3, dtype=M.uint8),
    "invert float": lambda M: ~M.ones(3),
}


@pytest.mark.parametrize("case", list(_BITWISE))
def test_bitwise_on_floating_types_matches_torch(case):
    assert_same_outcome(_BITWISE[case])
