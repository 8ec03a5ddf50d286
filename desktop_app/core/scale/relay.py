"""Progress and cancel between a Ray Train run's workers and the driver.

The driver creates one :class:`Relay` actor per run (Ray's ``remote`` applied at run time, so
this module imports without Ray). Rank 0 pushes what a local run would report -- progress,
log lines, loss points, epoch records -- through a :class:`RelayContext`, a
:class:`~desktop_app.core.jobs.JobContext` whose callbacks send to the relay; the driver
drains the relay a few times a second into its own context (which adds the time left, as for
a local run). Cancel goes the other way: the driver sets the relay's stop flag, the workers
read it. At the end rank 0 leaves the trained model's folder and the run's results there.
"""

from __future__ import annotations

import time
from typing import Any

from desktop_app.core.jobs import JobContext

SEND_EVERY_S = 0.5  # how often rank 0 sends what it buffered
ASK_EVERY_S = 0.5  # how often a worker asks whether to stop


class Relay:
    """The actor: a buffer of events one way and a stop flag the other."""

    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.stop = False
        self.outcome: dict[str, Any] | None = None

    def push(self, events: list[tuple]) -> None:
        self.events.extend(events)

    def drain(self) -> list[tuple]:
        events, self.events = self.events, []
        return events

    def request_stop(self) -> None:
        self.stop = True

    def stop_requested(self) -> bool:
        return self.stop

    def finish(self, outcome: dict[str, Any]) -> None:
        self.outcome = outcome

    def result(self) -> dict[str, Any] | None:
        return self.outcome


def remote_relay() -> Any:
    """A new relay actor (no CPU: it only holds a few messages)."""
    import ray

    return ray.remote(num_cpus=0)(Relay).remote()


class RelayContext(JobContext):
    """A worker's job context: reports go to the relay (rank 0 only; the others' would
    repeat it), ``should_stop`` asks the relay at most every :data:`ASK_EVERY_S` seconds."""

    def __init__(self, relay: Any, report: bool) -> None:
        super().__init__(
            on_progress=self._on_progress if report else None,
            on_log=self._on_log if report else None,
            on_partial=self._on_partial if report else None,
            min_interval=0.1,
        )
        self.relay = relay
        self.buffer: list[tuple] = []
        self.sent = time.monotonic()
        self.asked = 0.0
        self.stopping = False

    def _on_progress(self, report: Any) -> None:
        self._add(("progress", report.done, report.total, report.message))

    def _on_log(self, message: str) -> None:
        self._add(("log", message))

    def _on_partial(self, kind: str, payload: Any) -> None:
        self._add(("partial", kind, payload))

    def _add(self, event: tuple) -> None:
        self.buffer.append(event)
        urgent = event[0] == "log" or event[:2] == ("partial", "epoch")
        if urgent or time.monotonic() - self.sent >= SEND_EVERY_S:
            self.send()

    def send(self) -> None:
        """Hand the buffered events to the relay (without waiting)."""
        if self.buffer:
            self.relay.push.remote(self.buffer)
            self.buffer = []
        self.sent = time.monotonic()

    def should_stop(self) -> bool:
        now = time.monotonic()
        if not self.stopping and now - self.asked >= ASK_EVERY_S:
            import ray

            self.asked = now
            self.stopping = bool(ray.get(self.relay.stop_requested.remote()))
        return self.stopping or self.cancel_event.is_set()


def forward(events: list[tuple], ctx: JobContext | None) -> None:
    """Replay a worker's events on the driver's context."""
    if ctx is None:
        return
    for event in events:
        kind = event[0]
        if kind == "progress":
            ctx.progress(event[1], event[2], event[3])
        elif kind == "log":
            ctx.log(event[1])
        elif kind == "partial":
            ctx.partial(event[1], event[2])
