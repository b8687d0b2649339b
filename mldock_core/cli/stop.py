"""``mldock stop``: stop and remove the project's containers, found by label."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


import click

from mldock_core.cli.options import info, project_dir_option


@click.command(short_help="Stop and remove the project's containers.")
@project_dir_option
@click.option("--all", "all_projects", is_flag=True, help="Stop every container mldock started, of any project.")
def stop(project_dir: Path, all_projects: bool) -> None:
    """Stop and remove the project's training and serving containers."""
    from mldock_core import containers
    from mldock_core.engine import connect
    from mldock_core.project import LABEL_PROJECT_DIR, LABEL_ROLE

    if all_projects:
        # The role label is set on containers mldock starts and never on images,
        # so a plain `docker run` of an mldock image is left alone.
        labels = {LABEL_ROLE: ""}
        scope = "mldock"
    else:
        from mldock_core.cli.options import find_project_dir

        root = find_project_dir(project_dir).resolve()
        if not (root / "mldock.yaml").is_file():
            info(f"note: {root} has no mldock.yaml; looking for containers started from it anyway")
        labels = {LABEL_PROJECT_DIR: str(root)}
        scope = f"project {root}"

    client = connect()
    found = containers.find(client, labels)
    for container in found:
        containers.remove(container, info)
        info(f"removed container {container.name}")
    if not found:
        info(f"no containers of {scope} are running")
        if not all_projects:
            info("a project folder that was moved or renamed keeps its old containers; "
                 "'mldock stop --all' stops every container mldock started")
