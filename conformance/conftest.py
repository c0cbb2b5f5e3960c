"""Activates the conformance pytest plugin for conformance/test_catalog.py."""
import conformance.profiles  # noqa: F401 - examples independent of which modules a worker imported
from conformance.pytest_plugin import (  # noqa: F401 - hooks and fixtures are found by name
    conformance_run,
    pytest_addoption,
    pytest_configure,
    pytest_generate_tests,
    pytest_report_header,
    pytest_sessionfinish,
)
