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


# ---- messages whose text follows from the inputs ------------------------------------------------------

_MESSAGES = {
    # device strings: malformed, unknown type, empty
    "device unknown type": lambda M: M.device("a"),
    "device dtype name": lambda M: M.device("float32"),
    "device bad index": lambda M: M.device("cuda:x"),
    "device leading zero": lambda M: M.device("cpu:01"),
    "device negative index": lambda M: M.device("cuda:-1"),
    "device two colons": lambda M: M.device("cpu:0:1"),
    "device empty": lambda M: M.device(""),
    "device capitalised": lambda M: M.device("Cpu"),
    "device unknown with index": lambda M: M.device("foo:1"),
    "to a dtype name": lambda M: M.ones(2).to("float32"),
    "to an unknown device": lambda M: M.ones(2).to("a"),
    "device ok": lambda M: str(M.device("cpu:0")),
    # size(dim) / stride(dim): a 0-d tensor, a dim of the wrong type
    "size of 0-d": lambda M: M.tensor(1.).size(1),
    "size -1 of 0-d": lambda M: M.tensor(1.).size(-1),
    "stride 0 of 0-d": lambda M: M.tensor(1.).stride(0),
    "size float dim": lambda M: M.ones(2).size(1.5),
    "stride bool dim": lambda M: M.ones(2).stride(True),
    "size out of range": lambda M: M.ones(2, 3).size(-3),
    # select out of range
    "select empty": lambda M: M.ones(0, 2).select(0, 0),
    "select negative": lambda M: M.ones(3, 2).select(-1, -5),
    "select function": lambda M: M.select(M.ones(3, 2), 0, 3),
    # mm / mv / bmm / matmul with operands of different dtypes
    "mm half double": lambda M: M.mm(M.ones(2, 3, dtype=M.float16), M.ones(3, 2, dtype=M.float64)),
    "mm uint8 int8": lambda M: M.mm(M.ones(2, 3, dtype=M.uint8), M.ones(3, 2, dtype=M.int8)),
    "mm int16 bool": lambda M: M.mm(M.ones(2, 3, dtype=M.int16), M.ones(3, 2, dtype=M.bool)),
    "mv float long": lambda M: M.mv(M.ones(2, 3), M.ones(3, dtype=M.int64)),
    "mv int float": lambda M: M.mv(M.ones(2, 3, dtype=M.int32), M.ones(3)),
    "mv bool mat": lambda M: M.mv(M.ones(2, 3, dtype=M.bool), M.ones(3)),
    "bmm long float": lambda M: M.bmm(M.ones(1, 2, 3, dtype=M.int64), M.ones(1, 3, 2)),
    "bmm bool half": lambda M: M.bmm(M.ones(1, 2, 3, dtype=M.bool), M.ones(1, 3, 2, dtype=M.float16)),
    "bmm out of batch2's dtype": lambda M: M.bmm(M.ones(1, 2, 3), M.ones(1, 3, 2, dtype=M.float64),
                                                 out=M.ones(1, 2, 2, dtype=M.float64)),
    "bmm out of another dtype": lambda M: M.bmm(M.ones(1, 2, 3), M.ones(1, 3, 2, dtype=M.float64),
                                                out=M.ones(1, 2, 2, dtype=M.float16)),
    "matmul 3d @ 1d": lambda M: M.matmul(M.ones(2, 2, 3), M.ones(3, dtype=M.int64)),
    "matmul 2d @ 3d": lambda M: M.matmul(M.ones(2, 3), M.ones(2, 3, 2, dtype=M.int64)),
    "matmul 1d @ 2d": lambda M: M.matmul(M.ones(3), M.ones(3, 2, dtype=M.int64)),
    # clamp_ with Number bounds: its own cast check (C++ type names), before the overlap check
    "clamp_ uint8 float bound": lambda M: M.ones(2, dtype=M.uint8).clamp_(0.5),
    "clamp_ long float bounds": lambda M: M.ones(2, dtype=M.int64).clamp_(0.5, 1),
    "clamp_min_ uint8": lambda M: M.ones(2, dtype=M.uint8).clamp_min_(0.5),
    "clamp_ bool float bound": lambda M: M.ones(2, dtype=M.bool).clamp_(1.5),
    "clamp_ expanded uint8": lambda M: M.ones(2, dtype=M.uint8).expand(2, 2).clamp_(0.5),
    "clamp_ tensor bound uint8": lambda M: M.ones(2, dtype=M.uint8).clamp_(M.ones(2)),
    "clamp_ leaf, no bounds": lambda M: M.ones(1, 2, requires_grad=True).clamp_(),
    # masked_fill / masked_select broadcast: the mask's size is named first (out of place)
    "masked_fill no broadcast": lambda M: M.ones(2).masked_fill(M.ones(3, dtype=M.bool), 1.),
    "masked_fill 2d": lambda M: M.ones(2, 3).masked_fill(M.ones(4, 1, dtype=M.bool), 1.),
    "masked_fill_ no broadcast": lambda M: M.ones(2).masked_fill_(M.ones(2, 3, dtype=M.bool), 1.),
    "masked_select no broadcast": lambda M: M.ones(2, 3).masked_select(M.ones(4, 1, dtype=M.bool)),
    # factories: size arguments
    "zeros negative": lambda M: M.zeros(2, -3),
    "zeros negative tuple": lambda M: M.zeros((-1,)),
    "ones negative": lambda M: M.ones(2, -3),
    "ones float second": lambda M: M.ones(2, 1.5),
    "zeros float in tuple": lambda M: M.zeros((2, 1.5)),
    "empty float in list": lambda M: M.empty([2, "a"]),
    "ones float alone": lambda M: M.ones(1.5),
    "ones float first of two": lambda M: M.ones(1.5, 2),
    "ones float first in tuple": lambda M: M.ones((1.5, 2)),
    "rand float second": lambda M: M.rand(2, 1.5),
    "new_zeros float": lambda M: M.ones(2).new_zeros(2, 1.5),
    "arange step sign": lambda M: M.arange(0, 5, -1),
    # the first check to fail
    "topk bool, k too big": lambda M: M.ones(3, dtype=M.bool).topk(5),
    "copy_ expanded, no broadcast": lambda M: M.ones(3).expand(2, 3).copy_(M.ones(4)),
    "copy_ expanded, bigger source": lambda M: M.ones(3).expand(2, 3).copy_(M.ones(2, 2, 3)),
    "copy_ leaf, no broadcast": lambda M: M.ones(3, requires_grad=True).copy_(M.ones(4)),
    "index 0-d by a float tensor": lambda M: M.tensor(1.)[M.tensor(1.)],
    "index by two float tensors": lambda M: M.ones(2)[M.tensor([1.]), M.tensor([1.])],
    "index by float lists": lambda M: M.ones(2)[[1.5], [1.5]],
    "index by a float tensor": lambda M: M.ones(2)[M.tensor(1.)],
    "cross length before broadcast": lambda M: M.cross(M.ones(3, 3), M.ones(6, 3), dim=-2),
    "cross float dim": lambda M: M.cross(M.ones(2, 3), M.ones(4, 3), dim=1.5),
}


@pytest.mark.parametrize("case", list(_MESSAGES))
def test_message_matches_torch(case):
    assert_same_outcome(_MESSAGES[case])


# ---- tensor() from data that holds no numbers -------------------------------------------------------------

_TENSOR_DATA = {
    # a str first: torch sizes the data by its first elements, and a non-empty str never ends
    "str alone in a list": lambda M: M.tensor(["a"]),
    "str first": lambda M: M.tensor(["a", 1]),
    "str first, nested": lambda M: M.tensor([["a", "b"]]),
    "str first, with dtype": lambda M: M.tensor(["a"], dtype=M.float32),
    "empty str first": lambda M: M.tensor(["", 1]),
    # a str or bytes later: the inference refuses its type
    "str later": lambda M: M.tensor([1, "a"]),
    "str later, nested": lambda M: M.tensor([[1, "x"], [2, 3]]),
    "bytes later": lambda M: M.tensor([1, b"x"]),
    "str alone": lambda M: M.tensor("abc"),
    "str alone, with dtype": lambda M: M.tensor("a", dtype=M.float32),
    # any other type: the inference's RuntimeError
    "None": lambda M: M.tensor(None),
    "None in a list": lambda M: M.tensor([1, None]),
    "object in a nested list": lambda M: M.tensor([[1], [object()]]),
    "dict": lambda M: M.tensor({1: 2}),
    "set": lambda M: M.tensor({1, 2}),
    "generator": lambda M: M.tensor(x for x in [1, 2]),
    # with a dtype, each element is converted straight to it: Python's own conversion error
    "str later, float dtype": lambda M: M.tensor([1, "a"], dtype=M.float32),
    "str later, half dtype": lambda M: M.tensor([1, "ab"], dtype=M.float16),
    "str later, int dtype": lambda M: M.tensor([1, "a"], dtype=M.int64),
    "str later, bool dtype": lambda M: M.tensor([1, "a"], dtype=M.bool),
    "str row, float dtype": lambda M: M.tensor([[1, 2], ["a", "b"]], dtype=M.float32),
    "None, float dtype": lambda M: M.tensor([None], dtype=M.float32),
    "None later, int dtype": lambda M: M.tensor([1, None], dtype=M.int64),
    "None before a str, float dtype": lambda M: M.tensor([None, "a"], dtype=M.float32),
    "object, int dtype": lambda M: M.tensor(object(), dtype=M.int64),
    "None alone, float dtype": lambda M: M.tensor(None, dtype=M.float32),
}


@pytest.mark.parametrize("case", list(_TENSOR_DATA))
def test_tensor_from_non_numeric_data_matches_torch(case):
    assert_same_outcome(_TENSOR_DATA[case])
