"""mldock: build a model's container locally, run it as a cloud would, push it anywhere.

Plugins need one import::

    from mldock_core import hookimpl
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

PROJECT_NAME = "mldock"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "__version__", "hookimpl"]
