"""impl.optim: Optimizer, SGD and Adam with torch's update formulas."""
from .adam import Adam  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
