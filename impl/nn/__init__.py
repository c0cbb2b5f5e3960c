"""impl.nn: Parameter, Module and a few standard modules; functional ops live in impl/ops/nn."""
from . import functional, init  # noqa: F401
from .modules import Flatten, Identity, Linear, Module, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh  # noqa: F401
from .parameter import Parameter  # noqa: F401
