"""Runners: one interface per framework (build inputs, call, read back as NumPy + metadata).

impl and torch share TorchLikeRunner (the library under test is torch-compatible by contract);
JAX has its own.  Checks never touch framework objects except through these.
"""
from .base import Outcome, ReadError, call_path_parts
from .torchlike import TorchLikeRunner
from .jaxrunner import JaxRunner

__all__ = ["Outcome", "ReadError", "TorchLikeRunner", "JaxRunner", "call_path_parts"]
