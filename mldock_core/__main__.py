"""``python -m mldock_core`` runs the CLI, like the ``mldock`` console script."""

from mldock_core.cli import main

main()
