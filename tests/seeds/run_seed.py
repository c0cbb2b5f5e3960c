"""Run one seed example script with ``torch`` resolved to a chosen module.

    python tests/seeds/run_seed.py MODULE SCRIPT [--record FILE | --replay FILE]

MODULE is ``torch`` (real PyTorch) or the library under test (e.g. ``impl``).  For a module other
than torch, ``sys.modules['torch']`` is the library and ``import torch.X`` / ``from torch.X import
Y`` resolve to ``MODULE.X`` (so ``from torch.autograd import Variable`` and ``import torch as t``
work unchanged).  Real torch is never imported in that process.

Random draws (scripts marked ``# conformance: random``):
  --record FILE   (real-torch run) wraps torch's random functions and pickles every result, in
                  call order, to FILE;
  --replay FILE   (library run) replaces the library's random functions of the same names with
                  ones that return those recorded values (as library tensors, with the requested
                  requires_grad), checking that the call sequence matches.
Only functions the library already has are replaced, so a missing op still fails the script.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import pickle
import runpy
import sys

RANDOM_FUNCTIONS = ["rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like",
                    "randint_like"]
RANDOM_METHODS = ["uniform_", "normal_", "random_"]


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``torch.X`` to the already-importable module ``<lib>.X``."""

    def __init__(self, lib_name):
        self.lib_name = lib_name

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("torch."):
            return None
        real = self.lib_name + fullname[len("torch"):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return importlib.import_module(self.lib_name + spec.name[len("torch"):])

    def exec_module(self, module):
        pass


def alias_torch(lib_name):
    lib = importlib.import_module(lib_name)
    if lib_name == "torch":
        return lib
    sys.modules["torch"] = lib
    for name, mod in list(sys.modules.items()):
        if name.startswith(lib_name + "."):
            sys.modules["torch" + name[len(lib_name):]] = mod
    sys.meta_path.insert(0, _AliasFinder(lib_name))
    return lib


def install_recorder(torch, path):
    records = []

    def wrap(name, fn):
        def recorded(*args, **kwargs):
            out = fn(*args, **kwargs)
            records.append((name, out.detach().numpy().copy()))
            return out
        return recorded

    for name in RANDOM_FUNCTIONS:
        setattr(torch, name, wrap(name, getattr(torch, name)))
    for name in RANDOM_METHODS:
        setattr(torch.Tensor, name, wrap("Tensor." + name, getattr(torch.Tensor, name)))

    import atexit

    def dump():
        with open(path, "wb") as f:
            pickle.dump(records, f)
    atexit.register(dump)


def install_replayer(lib, path):
    with open(path, "rb") as f:
        records = list(pickle.load(f))
    records.reverse()

    def take(name):
        if not records:
            raise RuntimeError(f"random replay: no recorded value left for {name}()")
        got, arr = records.pop()
        if got != name:
            raise RuntimeError(f"random replay out of sync: script called {name}(), torch had called {got}()")
        return arr

    def make_fn(name):
        def replayed(*args, requires_grad=False, **kwargs):
            arr = take(name)
            t = lib.tensor(arr)
            if requires_grad:
                t.requires_grad_(True)
            return t
        return replayed

    def make_method(name):
        def replayed(self, *args, **kwargs):
            arr = take("Tensor." + name)
            with lib.no_grad():
                self.copy_(lib.tensor(arr))
            return self
        return replayed

    for name in RANDOM_FUNCTIONS:
        if hasattr(lib, name):
            setattr(lib, name, make_fn(name))
    for name in RANDOM_METHODS:
        if hasattr(lib.Tensor, name):
            setattr(lib.Tensor, name, make_method(name))


def main(argv):
    lib_name, script = argv[0], argv[1]
    rest = argv[2:]
    lib = alias_torch(lib_name)
    if rest[:1] == ["--record"]:
        install_recorder(lib, rest[1])
    elif rest[:1] == ["--replay"]:
        install_replayer(lib, rest[1])
    sys.argv = [script]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
