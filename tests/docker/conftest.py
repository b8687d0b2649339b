"""Fixtures for the tests that build images and run containers on the real engine."""

from __future__ import annotations

import pytest


@pytest.fixture
def python_project(mldock_project):
    """A new project from the built-in ``python`` template."""
    return mldock_project("python")
