"""Ops behind impl.nn.functional (defined once here: forward, backward, node names)."""
from . import functional  # noqa: F401
