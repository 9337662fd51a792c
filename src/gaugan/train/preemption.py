"""Graceful stops: SIGTERM, SIGINT and SIGUSR1 end a run at the next step boundary, with a checkpoint.

Schedulers send SIGTERM before they kill a job (SLURM, Kubernetes, ``timeout``), many clusters send
SIGUSR1 ahead of time (``sbatch --signal``), and Ctrl+C sends SIGINT. `StopRequests` turns each into
a request that `Trainer.fit` reads after every optimisation step: the step in flight finishes, a
checkpoint is written atomically, and `TrainingStopped` says where the run stands. A second SIGINT
stops at once (KeyboardInterrupt), for the user who does not want to wait for the step. Under
torchrun every rank gets the signal from its agent; the ranks agree on stopping through one
collective per step, so all of them stop after the same step and rank 0 writes the checkpoint.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)
# Exit status of `gaugan train` after a graceful stop: EX_TEMPFAIL ("try again"), distinct from
# success (0), a failed run (1), bad arguments (2) and an immediate Ctrl+C (130).
STOPPED_EXIT_STATUS = 75


class TrainingStopped(Exception):
    """A run that stopped on a signal after ``step``, with its checkpoint written at ``checkpoint``."""

    def __init__(self, signal_name: str, step: int, checkpoint: Path | None) -> None:
        self.signal_name = signal_name
        self.step = step
        self.checkpoint = checkpoint
        where = f"; checkpoint {checkpoint}" if checkpoint is not None else ""
        super().__init__(f"stopped by {signal_name} after step {step}{where}; continue with --resume")


class StopRequests:
    """Records the first stop signal received while `installed`; ``signal_name`` is None until then."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    @property
    def requested(self) -> bool:
        return self.signal_name is not None

    def _handle(self, signum: int, frame) -> None:
        if signum == signal.SIGINT and self.requested:
            raise KeyboardInterrupt  # Ctrl+C twice: stop now, without waiting for the step
        if not self.requested:
            self.signal_name = signal.Signals(signum).name

    @contextmanager
    def installed(self) -> Iterator["StopRequests"]:
        """Handle the stop signals inside the block, then restore the previous handlers.

        Python delivers signals to the main thread only; elsewhere (a trainer run from a worker
        thread) nothing is installed and the signals keep their previous meaning.
        """
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
