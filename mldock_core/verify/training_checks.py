"""The training checks: where the model lands, and how a failed run is reported."""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mldock_core import serving, training
from mldock_core.verify.checks import (
    FAIL,
    LOG_LINES_KEPT,
    PASS,
    ROLE,
    SKIP,
    Check,
    clip,
    has_files,
)

if TYPE_CHECKING:
    from mldock_core.kinds import ContainerContract, Runtime, TrainingContract
    from mldock_core.verify import Verifier

MISSING_MODULE = "mldock_verify_missing_module"
"""MLDOCK_TRAIN_MODULE of the failing training run: a module no project has."""
MODEL_CHECK = "training: model folder"
FAILURE_CHECK = "training: failure file"


@dataclass(frozen=True)
class TrainingRun:
    """The exit code, host folders and last log lines of one training container."""

    code: int
    model_dir: Path
    output_dir: Path
    log_tail: list[str]

    @property
    def last_line(self) -> str:
        return clip(self.log_tail[-1]) if self.log_tail else "(no output)"


class TrainingChecks:
    """The training checks of one runtime, in folders under ``workspace``."""

    def __init__(self, verifier: Verifier, runtime: Runtime, workspace: Path) -> None:
        self.verifier = verifier
        self.runtime = runtime
        self.workspace = workspace

    def run(self, contract: ContainerContract) -> tuple[list[Check], Path | None]:
        """Run the training checks; return them and the model folder to serve.

        The folder is the model of the first run when it passed, else the
        project's model/ when it has files, else None.
        """
        project = self.verifier.project
        existing = project.model_dir if has_files(project.model_dir) else None
        if not self.verifier.options.train:
            return (
                self._skipped("skipped by --skip-train; serving the project's model/"),
                existing,
            )
        if contract.training is None:
            reason = f"runtime {self.runtime.name} runs no training, only serving"
            if existing is not None:
                return self._skipped(reason), existing
            # Serve a model all the same, trained with the default /opt/ml layout.
            trained = self._train(None, self.workspace / "default")
            return self._skipped(reason), (
                trained.model_dir if trained.code == 0 else None
            )

        self.verifier.report(f"checking the training contract of {self.runtime.name}")
        trained = self._train(contract.training, self.workspace / "train")
        model_check = self._model_check(contract.training, trained)
        failure_check = self._failure_check(contract.training)
        model_dir = trained.model_dir if model_check.status == PASS else existing
        return [model_check, failure_check], model_dir

    def _skipped(self, reason: str) -> list[Check]:
        name = self.runtime.name
        return [
            Check(name, MODEL_CHECK, SKIP, reason),
            Check(name, FAILURE_CHECK, SKIP, reason),
        ]

    def _train(
        self,
        contract: TrainingContract | None,
        folder: Path,
        environment: dict[str, str] | None = None,
    ) -> TrainingRun:
        verifier = self.verifier
        folder.mkdir(parents=True)
        model_dir, output_dir = folder / "model", folder / "output"
        spec = training.prepare(
            verifier.project,
            verifier.image,
            {},
            {**verifier.options.environment, **(environment or {})},
            contract,
            model_dir=model_dir,
            output_dir=output_dir,
            role=ROLE,
            labels={serving.LABEL_RUNTIME: self.runtime.name},
        )
        tail: collections.deque[str] = collections.deque(maxlen=LOG_LINES_KEPT)
        code = training.run_to_end(
            verifier.client, spec, tail.append, lambda message: None
        )
        return TrainingRun(code, model_dir, output_dir, list(tail))

    def _model_check(self, contract: TrainingContract, run: TrainingRun) -> Check:
        runtime = self.runtime.name
        if run.code != 0:
            reason = training.failure_reason(
                training.host_failure_file(contract, run.output_dir)
            )
            detail = f"train exited with code {run.code}: {reason or run.last_line}"
            return Check(runtime, MODEL_CHECK, FAIL, detail)

        saved = sorted(path.name for path in run.model_dir.iterdir())
        if not saved:
            detail = (
                f"train exited with code 0 but wrote nothing to {contract.model_dir}, "
                f"where runtime {runtime} collects the model; last log line: "
                f"{run.last_line}"
            )
            return Check(runtime, MODEL_CHECK, FAIL, detail)
        more = f" and {len(saved) - 3} more" if len(saved) > 3 else ""
        detail = f"{', '.join(saved[:3])}{more} in {contract.model_dir}"
        return Check(runtime, MODEL_CHECK, PASS, detail)

    def _failure_check(self, contract: TrainingContract) -> Check:
        runtime = self.runtime.name
        folder = self.workspace / "fail"
        run = self._train(contract, folder, {"MLDOCK_TRAIN_MODULE": MISSING_MODULE})
        if run.code == 0:
            detail = (
                f"train exited with code 0 although MLDOCK_TRAIN_MODULE="
                f"{MISSING_MODULE} names no module; a failed run must exit non-zero"
            )
            return Check(runtime, FAILURE_CHECK, FAIL, detail)

        reason = training.failure_reason(
            training.host_failure_file(contract, run.output_dir)
        )
        if reason is None:
            detail = (
                f"train exited with code {run.code} but wrote no failure file at "
                f"{contract.failure_file}; last log line: {run.last_line}"
            )
            return Check(runtime, FAILURE_CHECK, FAIL, detail)
        detail = f"exit code {run.code}; {contract.failure_file}: {clip(reason)}"
        return Check(runtime, FAILURE_CHECK, PASS, detail)
