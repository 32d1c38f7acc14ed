from pathlib import Path

import pytest

from oneplace.synth import generate


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(12_000, seed=7, years=3, out=out)
    return out
