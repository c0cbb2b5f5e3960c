"""The op families. Importing this package attaches every exported op to Tensor as a method/operator."""
from ..tensor import Tensor
from . import (_machinery, copying, creation, indexing, joining, linalg, pointwise, reduction, selection,
               random, views)
from . import nn  # noqa: F401  (functional ops behind impl.nn.functional)

for _name, _fn in _machinery.METHODS.items():
    setattr(Tensor, _name, _fn)
for _table in (pointwise.OPERATORS, linalg.OPERATORS, indexing.OPERATORS):
    for _name, _fn in _table.items():
        setattr(Tensor, _name, _fn)
for _name, _fn in views.PROPERTIES.items():
    setattr(Tensor, _name, property(_fn))

FUNCTIONS = _machinery.FUNCTIONS
