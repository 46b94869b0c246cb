"""Operator actions of the main screen: each asks what it must, then calls the engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import work

from console.formatting import clock_text, short_uuid
from console.host import ConsoleHost
from console.messages import ActionFailed, ActionSucceeded
from console.screens.action_rules import why_not
from console.screens.confirm import ReasonModal
from console.screens.edit_context import ContextEdited, EditContextModal
from console.screens.new_task import NewTaskModal, NewTaskRequest
from console.screens.results import ManualResults, ResultsModal
from console.widgets.impact_preview import PreviewRequest
from console.widgets.steps_table import StepsTable


def one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__


class OperatorActions:
    """Mixed into MainScreen, which provides current_task, selected_step and the widgets."""

    current_task: dict[str, Any] | None
    selected_step: str | None
    last_counts: dict[str, int]
    watched: dict[tuple[str, str], dict[str, Any]]  # acted-on steps: their next attempt is told

    if TYPE_CHECKING:

        @property
        def console_app(self) -> ConsoleHost: ...

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def post_message(self, message: Any) -> bool: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def show_header(self, counts: dict[str, int]) -> None: ...
        def keep_selected(self, task_uuid: str) -> None: ...

    # which actions make sense now (the footer dims the others) -------------------------------
    def _step(self) -> dict[str, Any] | None:
        return self.query_one(StepsTable).steps.get(self.selected_step or "")  # type: ignore[no-any-return]

    def _failed_steps(self) -> list[str]:
        steps = self.query_one(StepsTable).steps
        return [n for n, s in steps.items() if s.get("current_state") == "error"]

    def why_not(self, action: str) -> str | None:
        """Why the action does not apply to the selected task and step (None: it does)."""
        if action == "toggle_worker" and self.console_app.embedded_worker is None:
            return "no embedded worker: the console was started with --no-worker"
        return why_not(action, self.current_task, self._step())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if self.why_not(action) else True

    def explain_refusal(self, action: str) -> bool:
        """Say why a key that does not apply did nothing (the app calls this when a dimmed
        action's key is pressed). False when there is nothing to say."""
        reason = self.why_not(action)
        if reason is None:
            return False
        self.notify(reason, severity="warning", timeout=6, markup=False)
        return True

    # the actions -------------------------------------------------------------------------------
    def _target(self) -> tuple[str, str] | None:
        if self.current_task is None or not self.selected_step:
            self.notify("select a task and one of its steps first", severity="warning")
            return None
        return self.current_task["task_uuid"], self.selected_step

    def _confirm(
        self,
        title: str,
        text: str,
        then: Callable[[str], object],
        label: str,
        preview: PreviewRequest | None = None,
    ) -> None:
        def done(reason: str | None) -> None:
            if reason:
                then(reason)

        self.console_app.push_screen(ReasonModal(title, text, label, preview), done)

    def action_retry_step(self) -> None:
        target = self._target()
        if target is None:
            return
        uuid, step = target
        engine, by = self.console_app.engine, self.console_app.operator
        before = dict(self._step() or {})
        if before.get("current_state") == "waiting_for_retry":
            self._retry_now(uuid, step, before)
            return

        def reset(reason: str) -> Awaitable[Any]:
            self.watched[(uuid, step)] = before
            return engine.reset_step(uuid, step, reason, by)  # type: ignore[no-any-return]

        self._confirm(
            f"Retry step {step} of task {short_uuid(uuid)}?",
            "The step goes back to pending with a fresh allowance of attempts.",
            lambda reason: self.run_engine(
                f"step {step} reset to pending: its next attempt is announced here",
                lambda: reset(reason),
                uuid,
            ),
            "Retry",
            PreviewRequest(uuid, "retry_step", step),
        )

    def _retry_now(self, uuid: str, step: str, before: dict[str, Any]) -> None:
        """``r`` on a step waiting for its retry: the retry is due at once (audited)."""
        engine, by = self.console_app.engine, self.console_app.operator
        due = clock_text(before.get("next_retry_at")).partition(" ")[2] or "later"

        def now(reason: str) -> Awaitable[Any]:
            self.watched[(uuid, step)] = before
            return engine.retry_now(uuid, step, reason, by)  # type: ignore[no-any-return]

        self._confirm(
            f"Run step {step} of task {short_uuid(uuid)} now?",
            f"Its retry is due at {due}; it runs at once instead. The attempt counts as the "
            "retry would have.",
            lambda reason: self.run_engine(
                f"step {step} retried now: its attempt is announced here",
                lambda: now(reason),
                uuid,
            ),
            "Run now",
            PreviewRequest(uuid, "retry_step", step),
        )

    def action_retry_all(self) -> None:
        if self.current_task is None:
            return
        uuid, failed = self.current_task["task_uuid"], self._failed_steps()
        engine, by = self.console_app.engine, self.console_app.operator
        steps = self.query_one(StepsTable).steps
        before = {name: dict(steps[name]) for name in failed}

        async def reset_all(reason: str) -> None:
            for step in failed:
                self.watched[(uuid, step)] = before[step]
                await engine.reset_step(uuid, step, reason, by)

        self._confirm(
            f"Retry {len(failed)} failed step(s) of task {short_uuid(uuid)}?",
            "Each goes back to pending: " + ", ".join(failed),
            lambda reason: self.run_engine(
                f"{len(failed)} step(s) reset to pending", lambda: reset_all(reason), uuid
            ),
            "Retry all",
            PreviewRequest(uuid, "retry_all"),
        )

    def action_resolve_step(self) -> None:
        target = self._target()
        if target is None:
            return
        uuid, step = target
        engine, by = self.console_app.engine, self.console_app.operator
        self._confirm(
            f"Resolve step {step} of task {short_uuid(uuid)} manually?",
            "The step is closed without results; steps that depend on it may run.",
            lambda reason: self.run_engine(
                f"step {step} resolved manually",
                lambda: engine.resolve_step(uuid, step, reason, by),
                uuid,
            ),
            "Resolve",
            PreviewRequest(uuid, "resolve_step", step),
        )

    def action_complete_step(self) -> None:
        target = self._target()
        if target is None:
            return
        uuid, step = target
        engine, by = self.console_app.engine, self.console_app.operator

        def done(answer: ManualResults | None) -> None:
            if answer is not None:
                self.run_engine(
                    f"step {step} completed with results",
                    lambda: engine.complete_step(uuid, step, answer.results, answer.reason, by),
                    uuid,
                )

        preview = PreviewRequest(uuid, "complete_step", step)
        self.console_app.push_screen(ResultsModal(step, preview=preview), done)

    def action_cancel_task(self) -> None:
        if self.current_task is None:
            return
        uuid = self.current_task["task_uuid"]
        engine, by = self.console_app.engine, self.console_app.operator
        self._confirm(
            f"Cancel task {short_uuid(uuid)}?",
            "Unfinished steps are cancelled; a running handler is asked to stop.",
            lambda reason: self.run_engine(
                f"task {short_uuid(uuid)} cancelled",
                lambda: engine.cancel_task(uuid, reason, by),
                uuid,
            ),
            "Cancel task",
            PreviewRequest(uuid, "cancel_task"),
        )

    def action_give_up(self) -> None:
        if self.current_task is None:
            return
        uuid = self.current_task["task_uuid"]
        engine, by = self.console_app.engine, self.console_app.operator
        self._confirm(
            f"Give up on task {short_uuid(uuid)}?",
            "The blocked task is closed as error; its failed steps stay as they are.",
            lambda reason: self.run_engine(
                f"gave up on task {short_uuid(uuid)}",
                lambda: engine.give_up(uuid, reason, by),
                uuid,
            ),
            "Give up",
            PreviewRequest(uuid, "give_up"),
        )

    def action_edit_context(self) -> None:
        """``E``: edit the task's context, then its failed steps run again with it."""
        task = self.current_task
        if task is None:
            return
        unavailable = getattr(self.console_app.engine, "EDIT_CONTEXT_UNAVAILABLE", None)
        if unavailable:
            self.notify(unavailable, severity="warning", timeout=8, markup=False)
            return
        uuid = task["task_uuid"]

        def done(edited: ContextEdited | None) -> None:
            if edited is None:
                return
            self.console_app.wake_worker()
            retried = ", ".join(edited.retried) or "no failed step"
            text = f"context of task {short_uuid(uuid)} edited ({len(edited.diff)} change(s)); "
            self.post_message(ActionSucceeded(text + f"retried: {retried}", uuid))

        self.keep_selected(uuid)
        self.console_app.push_screen(EditContextModal(task, self.console_app.operator), done)

    def action_new_task(self) -> None:
        engine = self.console_app.engine
        templates = engine.templates()
        if not templates:
            self.notify("no templates are loaded: start with --templates DIR", severity="error")
            return
        current = self.current_task
        selected = (
            f"{current['namespace']}/{current['name']}@{current['version']}" if current else None
        )

        def done(request: NewTaskRequest | None) -> None:
            if request is not None:
                self.create_task(request)

        modal = NewTaskModal(templates, selected, inputs=engine.input_problems)
        self.console_app.push_screen(modal, done)

    def action_toggle_worker(self) -> None:
        worker = self.console_app.embedded_worker
        if worker is None:
            self.notify("no embedded worker: the console was started with --no-worker")
            return
        if worker.paused:
            worker.resume()
            self.notify("worker resumed")
        else:
            worker.pause()
            self.notify("worker paused: running steps finish, no new ones start")
        self.show_header(self.last_counts)

    # engine calls, off the UI's critical path ------------------------------------------------
    @work(group="actions")
    async def run_engine(
        self, done_text: str, call: Callable[[], Awaitable[Any]], task_uuid: str | None
    ) -> None:
        if task_uuid is not None:
            self.keep_selected(task_uuid)  # listed and selected while it changes state
        try:
            await call()
        except Exception as exc:  # the engine's refusal is one line the operator can act on
            self.post_message(ActionFailed(one_line(exc)))
            return
        self.console_app.wake_worker()
        self.post_message(ActionSucceeded(done_text, task_uuid))

    @work(group="actions")
    async def create_task(self, request: NewTaskRequest) -> None:
        try:
            created = await self.console_app.engine.create_task(
                request.name,
                request.namespace,
                request.context,
                version=request.version,
                initiator=self.console_app.operator,
                idempotency_key=request.idempotency_key,
                reason="created from the console",
            )
        except Exception as exc:
            self.post_message(ActionFailed(one_line(exc)))
            return
        self.console_app.wake_worker()
        uuid = created.task_uuid
        text = (
            f"created task {short_uuid(uuid)}"
            if created.created
            else f"a task with this identity exists: showing {short_uuid(uuid)}"
        )
        self.post_message(ActionSucceeded(text, uuid))
