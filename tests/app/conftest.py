import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from apphelp import Running  # noqa: E402


@pytest.fixture
def run_app():
    started = []

    def start(board, **kw):
        r = Running(board, **kw)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()
