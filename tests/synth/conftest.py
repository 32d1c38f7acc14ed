from pathlib import Path

import pytest

from oneplace.synth import generate

SHARED = Path(__file__).resolve().parents[2] / "../shared"


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(12_000, seed=7, years=3, out=out)
    return out


@pytest.fixture(scope="session")
def shared_data() -> Path:
    data = SHARED.resolve() / "data"
    if not data.is_dir():
        pytest.skip("shared reference data (../shared/data) is absent")
    return data
