"""Benchmarks run in one process: pytest-benchmark switches itself off under xdist, and the project's
addopts ask for `-n 2`.  When every path on the command line is under benchmarks/, xdist is turned off."""
import pathlib

HERE = pathlib.Path(__file__).resolve().parent


def pytest_configure(config):
    paths = [pathlib.Path(str(a).split("::")[0]).resolve() for a in config.args]
    if paths and all(p == HERE or HERE in p.parents for p in paths):
        if getattr(config.option, "numprocesses", None):
            config.option.numprocesses = 0
            config.option.dist = "no"
