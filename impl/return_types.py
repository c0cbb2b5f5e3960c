"""torch.return_types: the named tuples that ops with several results return (max, min, median, topk, ...).

Each is a tuple subclass with named fields whose repr matches torch's structseq repr:
``torch.return_types.max(\\nvalues=tensor(...),\\nindices=tensor(...))``.
"""
from __future__ import annotations

from collections import namedtuple


def _structseq(name: str, fields: tuple) -> type:
    base = namedtuple(name, fields)

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__,
                               "__module__": __name__})
    cls.__qualname__ = name
    return cls


max = _structseq("max", ("values", "indices"))
min = _structseq("min", ("values", "indices"))
median = _structseq("median", ("values", "indices"))
topk = _structseq("topk", ("values", "indices"))
sort = _structseq("sort", ("values", "indices"))
svd = _structseq("svd", ("U", "S", "V"))
linalg_svd = _structseq("linalg_svd", ("U", "S", "Vh"))

__all__ = ["max", "min", "median", "topk", "sort", "svd", "linalg_svd"]
