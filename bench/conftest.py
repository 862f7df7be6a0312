"""pytest options for the benchmarks in bench/ (pytest-benchmark)."""
import os

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--bench-large", action="store_true", default=False,
        help="also benchmark n = 1e7 (or set SIGFAST_BENCH_LARGE=1)")


def pytest_configure(config):
    config.addinivalue_line("markers", "large: n = 1e7 benchmarks (--bench-large)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--bench-large") or os.environ.get(
            "SIGFAST_BENCH_LARGE", "").lower() in ("1", "true", "yes"):
        return
    skip = pytest.mark.skip(reason="n = 1e7: pass --bench-large or SIGFAST_BENCH_LARGE=1")
    for item in items:
        if "large" in item.keywords:
            item.add_marker(skip)
