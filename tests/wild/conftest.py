import sys
import os

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wildrun import serving  # noqa: E402


@pytest.fixture
def serve(tmp_path):
    yield from serving(tmp_path)
