from __future__ import annotations

from pathlib import Path

import pytest
from access_archive import build_archive


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, Path]:
    return build_archive(tmp_path / "archive")
