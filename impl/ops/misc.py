"""Selection helpers shared by backward formulas: where."""
from __future__ import annotations

from typing import Any

from .. import dtypes as D
from ..tensor import Tensor
from . import _machinery as M


@M.export()
def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    rdt = D.result_type(input, other)
    like = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else condition
    xp = condition._xp
    arr = xp.where(condition._array, M.operand_array(input, rdt, xp), M.operand_array(other, rdt, xp))

    def backward(grads, *s):
        g = grads[0]
        return (None, where(condition, g, 0) if isinstance(input, Tensor) else None,
                where(condition, 0, g) if isinstance(other, Tensor) else None)

    return M.record(M.wrap(arr, rdt, like), "WhereBackward0", [condition, input, other], backward)
