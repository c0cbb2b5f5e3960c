"""Differential conformance suite: specs/ (data) -> strategies -> runners -> checks -> results -> report.

Entry points: ``python -m conformance run|report`` (cli.py) and the pytest plugin (pytest_plugin.py).
"""
