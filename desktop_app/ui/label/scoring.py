"""What the model says about the Label tab's rows: suggestions, uncertainty, highlighted words.

The worker scores the pool (``score_pool``: a random sample first so the uncertainty queue
starts at once, then the rest; the rows about to be shown are fetched ahead in the other
orders) and explains the row on the card (``explain``). Suggestions are kept only over the
project's classes (:func:`desktop_app.core.labelling.suggestions.suggest`) and remember the
model that made them: when the worker announces another model they are dropped and the
pool is scored again. Nothing here writes to the project.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.core.labelling.suggestions import ClassMatch, Suggestion, suggest
from desktop_app.job_handle import JobHandle

SAMPLE_SIZE = 2000  # rows scored first so the uncertainty queue starts at once
PREFETCH = 8  # upcoming rows whose suggestions are fetched ahead


class ScoringController(QObject):
    suggestions_changed = Signal()  # the row on the card may have a new suggestion
    reordered = Signal(str)  # "scores": the uncertainty order follows new scores
    busy_changed = Signal(bool)  # scoring jobs running or not
    progressed = Signal(object)  # Progress of a scoring job
    highlighted = Signal(int, str)  # row id, the text as HTML with LIME colours
    message = Signal(str, int)  # status-bar text, timeout (ms)

    def __init__(
        self,
        service: Any,
        parent: QObject | None = None,
        reading: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        # How jobs read texts (state.inference.job_params: long texts, ...), asked per job.
        self.reading = reading or dict
        self.session: Any = None  # LabelSession of the open project
        self.queue: Any = None  # its LabelQueue
        self.model_id = ""  # the model whose suggestions are collected
        self.model_name = ""
        self.match: ClassMatch | None = None  # its classes against the project's
        self._suggestions: dict[int, Suggestion] = {}
        self._generation = 0
        self._jobs: dict[JobHandle, int] = {}  # job -> generation
        self._requested: set[int] = set()
        self._explain_job: JobHandle | None = None
        self._rescore = QTimer(self)
        self._rescore.setSingleShot(True)
        self._rescore.setInterval(0)
        self._rescore.timeout.connect(self.start)

    # -- the project --------------------------------------------------------------------
    def attach(self, session: Any, queue: Any, model_info: dict) -> None:
        self.detach()
        self.session, self.queue = session, queue
        self.model_id = str(model_info.get("id") or "")
        self.model_name = str(model_info.get("name") or "")

    def rebind(self, session: Any) -> None:
        """The same rows under another session (the project was saved as a copy)."""
        self.session = session

    def detach(self) -> None:
        self.cancel()
        self.session = self.queue = None
        self._suggestions.clear()
        self.match = None

    def cancel(self) -> None:
        self._rescore.stop()
        for job in [*self._jobs, self._explain_job]:
            if job is not None:
                job.cancel()
        self._jobs.clear()
        self._explain_job = None

    # -- reading -----------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    @property
    def scored(self) -> int:
        return self.queue.scored if self.queue is not None else 0

    def suggestion(self, row_id: int) -> Suggestion | None:
        return self._suggestions.get(row_id)

    def note(self) -> str:
        """Why the card's suggestion differs from what the model said ("" when it does not)."""
        return self.match.note() if self.match is not None else ""

    def missing_text(self) -> str:
        """What the card says while a row has no suggestion."""
        if self.match is not None and not self.match.usable:
            return self.match.note()
        if self._jobs or self._rescore.isActive():
            return f"Waiting for {self.model_name or 'the model'}'s suggestion…"
        return "No suggestion yet (train a model or press Retrain with my labels)"

    def pool(self) -> list[int]:
        """The rows to score: the unlabelled ones, or every row when labelled ones are shown."""
        if self.session is None:
            return []
        if self.queue is not None and self.queue.include_labelled:
            return list(self.session.ids)
        return self.session.unlabelled_ids()

    # -- the model ---------------------------------------------------------------------
    def model_changed(self, info: dict, rescore: bool = True) -> None:
        """The worker announced a model: another one drops the suggestions (and re-scores)."""
        new_id = str(info.get("id") or "")
        self.model_name = str(info.get("name") or "")
        if new_id == self.model_id:
            return  # the same model (saved, or named again): the same suggestions
        if not self.model_id and not self._suggestions:
            # Scoring started before the first announcement: the worker runs it with the
            # model it has just announced, so those scores are this model's.
            self.model_id = new_id
            return
        self.model_id = new_id
        self._suggestions.clear()
        self.match = None
        if rescore and self.session is not None:
            self._rescore.start()
        self.suggestions_changed.emit()

    def reading_changed(self) -> None:
        """Texts are read another way now (Model ▸ Long texts): the suggestions computed the
        old way go and the pool is scored again."""
        self.cancel()
        self.classes_changed()

    def classes_changed(self) -> None:
        """The project's classes changed: suggestions over the old ones go, the pool is
        scored again."""
        self._suggestions.clear()
        self.match = None
        if self.session is not None and self._generation:
            self._rescore.start()
        self.suggestions_changed.emit()

    # -- scoring -----------------------------------------------------------------------
    def start(self, model_info: dict | None = None) -> None:
        """Score the pool with the current model: a random sample first, then the rest."""
        if self.session is None:
            return
        for job in list(self._jobs):
            job.cancel()
        self._jobs.clear()
        self._requested.clear()
        if model_info is not None:
            self.model_id = str(model_info.get("id") or "")
            self.model_name = str(model_info.get("name") or "")
        self._generation += 1
        pool = self.pool()
        if not pool:
            return
        queue = self.queue
        first = set(queue.upcoming(PREFETCH)) if queue is not None else set()
        if queue is not None and queue.current is not None:
            first.add(queue.current)
        rest = [i for i in pool if i not in first]
        if len(rest) > SAMPLE_SIZE:
            sample = random.Random(self._generation).sample(rest, SAMPLE_SIZE)
            chosen = set(sample)
            rest = [i for i in rest if i not in chosen]
        else:
            sample, rest = rest, []
        self._submit(list(first) + sample, "sample")
        if rest:
            self._submit(rest, "rest")
        self.suggestions_changed.emit()

    def score_missing(self) -> None:
        """Score only the pool rows this model has not scored or been asked for yet."""
        if self.session is None:
            return
        if self._generation == 0:
            self.start()
            return
        missing = [
            i for i in self.pool() if i not in self._suggestions and i not in self._requested
        ]
        if missing:
            self._submit(missing, "rest")

    def prefetch(self) -> None:
        """Fetch suggestions for the next rows that have none yet (file/random order)."""
        queue = self.queue
        if queue is None or self.session is None or self._generation == 0:
            return
        known = self._suggestions
        wanted = [queue.current, *queue.upcoming(PREFETCH)]
        if not any(i is not None and i not in known and i not in self._requested for i in wanted):
            return
        # Ask for a few more than needed so the next keys do not each submit a job.
        more = [i for i in queue.upcoming(PREFETCH * 4) if i not in known]
        ids = [
            i
            for i in dict.fromkeys([*wanted, *more])
            if i is not None and i not in known and i not in self._requested
        ]
        self._submit(ids, "prefetch")

    def _submit(self, row_ids: list[int], phase: str) -> None:
        self._requested.update(row_ids)
        texts = [self.session.text(i) for i in row_ids]
        job = self.service.submit(
            "score_pool",
            {"row_ids": row_ids, "texts": texts, "phase": phase, **self.reading()},
        )
        if not self._jobs:
            self.busy_changed.emit(True)
        self._jobs[job] = self._generation
        job.on_partial(functools.partial(self._on_partial, job))
        job.on_progress(self.progressed.emit).on_result(functools.partial(self._on_scores, job))
        job.on_failed(self._on_failed).on_finished(functools.partial(self._on_done, job))

    def _apply(self, payload: dict) -> bool:
        """Record suggestions over the project's classes; True when the card's row got one."""
        found, self.match = suggest(
            payload["row_ids"],
            payload["probabilities"],
            payload["labels"],
            self.session.labels,
            self.model_id,
        )
        self._suggestions.update(found)
        if self.queue is not None:
            self.queue.set_scores(list(found), [s.margin for s in found.values()])
        current = self.queue.current if self.queue is not None else None
        return current in found

    def _on_partial(self, job: JobHandle, kind: str, payload: object) -> None:
        if kind != "scores" or not isinstance(payload, dict) or self.session is None:
            return
        if self._jobs.get(job) == self._generation and self._apply(payload):
            self.suggestions_changed.emit()

    def _on_scores(self, job: JobHandle, payload: object) -> None:
        generation = self._jobs.pop(job, None)
        if generation != self._generation or self.queue is None or not isinstance(payload, dict):
            return
        self._apply(payload)
        phase = payload.get("phase")
        if phase == "sample":
            # This model's sample is in: the order follows only its margins from now on.
            self.queue.set_scores(
                list(self._suggestions),
                [s.margin for s in self._suggestions.values()],
                replace=True,
            )
        if phase in ("sample", "rest") and self.queue.order == "uncertainty":
            self.queue.rebuild()
            self.reordered.emit("scores")
        self.suggestions_changed.emit()
        self.prefetch()

    def _on_failed(self, message: str, details: str) -> None:
        self.message.emit(f"Could not score the label queue: {message}", 8000)
        self.suggestions_changed.emit()

    def _on_done(self, job: JobHandle) -> None:
        self._jobs.pop(job, None)
        if not self._jobs:
            self.busy_changed.emit(False)

    # -- explanations ------------------------------------------------------------------
    def explain(self, row_id: int) -> None:
        """Colour the words that led the model to its suggestion for ``row_id``."""
        if self.session is None:
            return
        self.cancel_explanation()
        found = self._suggestions.get(row_id)
        params = {
            "text": self.session.text(row_id),
            "num_samples": 300,
            "num_features": 8,
            "label": found.label if found else None,
            "seed": 0,
            "runs": 1,
            **self.reading(),
        }
        job = self._explain_job = self.service.submit("explain", params)
        job.on_result(functools.partial(self._on_explanation, job, row_id))
        job.on_failed(self._on_explain_failed)

    def cancel_explanation(self) -> None:
        if self._explain_job is not None:
            self._explain_job.cancel()
        self._explain_job = None

    def _on_explanation(self, job: JobHandle, row_id: int, payload: object) -> None:
        if job is not self._explain_job or not isinstance(payload, dict):
            return
        self._explain_job = None
        from desktop_app.ui.widgets.highlighted_text import highlight_html

        body, _tips = highlight_html(
            payload.get("tokens", []),
            payload.get("words", []),
            str(payload.get("label", "")),
            payload.get("max_abs_weight"),
        )
        self.highlighted.emit(row_id, body)

    def _on_explain_failed(self, message: str, details: str) -> None:
        self._explain_job = None
        self.message.emit(f"Could not highlight the words: {message}", 5000)
