"""Shared pytest fixtures for the grader test suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh seeded random generator for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def shared_banknote_dir() -> Path:
    """The verified banknote copy in ../shared/data/banknote beside the repository (skip if absent)."""
    folder = (REPO_ROOT / ".." / "shared" / "data" / "banknote").resolve()
    if not (folder / "data_banknote_authentication.txt").is_file():
        pytest.skip(f"no shared banknote copy in {folder}")
    return folder
