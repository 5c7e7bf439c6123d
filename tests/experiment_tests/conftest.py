"""Fixtures for the experiment tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """NASTUNE_HOME in a temporary folder."""
    path = tmp_path / "home"
    monkeypatch.setenv("NASTUNE_HOME", str(path))
    return path
