"""impl.autograd: the graph, the engine and grad mode."""
from .engine import backward, grad
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import AccumulateGrad, Node
from .variable import Variable

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "Variable", "Node", "AccumulateGrad"]
