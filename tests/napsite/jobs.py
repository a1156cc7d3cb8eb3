"""Jobs that the real worker runs in tests/napsite/test_tasks_worker.py.

Each writes a line to a file the test names, so the test sees when, where and how often a job
ran, whoever ran it.
"""

import os
import time
from pathlib import Path


def record(path: str, text: str, seconds: float = 0) -> None:
    """Note ``text`` and the worker that ran it (its WORKER_NAME), taking ``seconds``."""
    time.sleep(seconds)
    with Path(path).open("a") as log:
        log.write(f"{text} {os.environ.get('WORKER_NAME', '?')}\n")


def fail(path: str) -> None:
    """Note the time of this attempt, then fail as a broken job would."""
    with Path(path).open("a") as log:
        log.write(f"{time.time()}\n")
    raise ValueError("Het bestand kon niet worden gemaakt.")
