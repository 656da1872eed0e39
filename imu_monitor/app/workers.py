"""Running slow work (scans, analyses, exports, library listing) off the GUI thread.

``run_in_thread(work, done, failed, doing)`` runs ``work()`` on Qt's thread pool and calls ``done``
with its result, or ``failed`` with a sentence, back on the GUI thread (queued signals). Errors
of our own carry their clinician sentence; anything else is wrapped in one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from imu_monitor.errors import ImuMonitorError
from imu_monitor.logs import fault_message

_alive: set[_Job] = set()  # keeps each job's signals alive until it has reported


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], doing: str) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.work = work
        self.doing = doing
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.work()
        except ImuMonitorError as exc:
            self.signals.failed.emit(str(exc))
        except OSError as exc:  # a full disk, a read-only folder: said, not a bug
            why = exc.strerror or str(exc) or type(exc).__name__
            self.signals.failed.emit(f"Cannot write or read {exc.filename or 'a file'}: {why}.")
        except Exception:  # a bug must not take the app down with it
            self.signals.failed.emit(fault_message(self.doing))
        else:
            self.signals.done.emit(result)


def run_in_thread(work: Callable[[], Any], done: Callable[[Any], None],
                  failed: Callable[[str], None], doing: str) -> None:
    """Run ``work`` off the GUI thread; ``done``/``failed`` are called on the GUI thread.
    ``doing`` names the work in the sentence a fault of ours is told with."""
    job = _Job(work, doing)
    _alive.add(job)

    def finish_ok(result: Any) -> None:
        _alive.discard(job)
        done(result)

    def finish_failed(message: str) -> None:
        _alive.discard(job)
        failed(message)

    job.signals.done.connect(finish_ok)
    job.signals.failed.connect(finish_failed)
    QThreadPool.globalInstance().start(job)


def wait_for_workers(timeout_ms: int = 10_000) -> bool:
    """Block until every job has finished (closing the app, tests)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
