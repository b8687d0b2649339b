"""Write mldock.yaml's JSON Schema: ``python -m mldock_core.config [--check]``."""

from __future__ import annotations

import argparse
import sys

from mldock_core.config.schema import SCHEMA_PATH, render_json_schema, write_json_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mldock_core.config",
        description=f"Write the JSON Schema of mldock.yaml to {SCHEMA_PATH}.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="Write nothing; exit with 1 if the file differs from the schema.",
    )
    arguments = parser.parse_args(argv)

    if arguments.check:
        current = (
            SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        )
        if current != render_json_schema():
            sys.stderr.write(f"{SCHEMA_PATH} is out of date; run {parser.prog}\n")
            return 1
        return 0

    sys.stdout.write(f"wrote {write_json_schema()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
