"""What a handler sees of its step: the task's context, its ancestors' results, its config.

Names and behaviour follow Tasker's ``StepContext`` (``tasker_core.types``), so handlers
written for Tasker read the same fields and call the same methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MISSING = object()


class StepContext:
    """The read-only view of one attempt of one step.

    ``dependency_results`` maps every ancestor step name (not only direct parents) to its
    stored envelope ``{"success": True, "result": {...}, "metadata": {...}}``;
    ``get_dependency_result`` unwraps ``["result"]``. Given as any mapping (the engine's reads
    each envelope's stored JSON when it is asked for), it is this step's own ``dict`` once
    read.
    """

    def __init__(
        self,
        task_uuid: str,
        step_uuid: str,
        step_name: str,
        handler_name: str,
        input_data: dict[str, Any],
        dependency_results: Mapping[str, dict[str, Any]],
        step_config: dict[str, Any],
        step_inputs: dict[str, Any],
        retry_count: int,
        max_retries: int,
        correlation_id: str | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        self.task_uuid = task_uuid
        self.step_uuid = step_uuid
        self.step_name = step_name
        self.handler_name = handler_name
        self.input_data = input_data if input_data is not None else {}
        self._dependency_results = dependency_results if dependency_results is not None else {}
        self.step_config = step_config if step_config is not None else {}
        self.step_inputs = step_inputs if step_inputs is not None else {}
        self.retry_count = retry_count
        self.max_retries = max_retries
        self.correlation_id = correlation_id
        self.checkpoint = checkpoint

    @classmethod
    def from_ffi_event(cls, event: Any, handler_name: str) -> StepContext:
        """The context of a Tasker step event (``tasker_core.FfiStepEvent``), as Tasker's
        tests build one: ``task_sequence_step`` holds ``task`` (its ``context``, possibly
        under a second ``task``), ``workflow_step`` (``attempts``, ``max_attempts``,
        ``inputs``, ``checkpoint``), ``dependency_results`` and ``step_definition``
        (``handler.initialization``)."""
        payload = _mapping(getattr(event, "task_sequence_step", None))
        task = _mapping(payload.get("task"))
        inner_task = _mapping(task.get("task"))
        row = _mapping(payload.get("workflow_step"))
        definition = _mapping(payload.get("step_definition"))
        handler = _mapping(definition.get("handler"))
        checkpoint = row.get("checkpoint")
        return cls(
            task_uuid=str(event.task_uuid),
            step_uuid=str(event.step_uuid),
            step_name=str(row.get("name") or definition.get("name") or ""),
            handler_name=handler_name,
            input_data=_mapping(inner_task.get("context", task.get("context"))),
            dependency_results=_mapping(payload.get("dependency_results")),
            step_config=_mapping(handler.get("initialization")),
            step_inputs=_mapping(row.get("inputs")),
            retry_count=int(row.get("attempts") or 0),
            max_retries=int(row.get("max_attempts") or 3),
            correlation_id=getattr(event, "correlation_id", None),
            checkpoint=checkpoint if isinstance(checkpoint, dict) else None,
        )

    def __repr__(self) -> str:
        return (
            f"StepContext(step_name={self.step_name!r}, handler_name={self.handler_name!r}, "
            f"task_uuid={self.task_uuid!r}, retry_count={self.retry_count})"
        )

    # -- task context -------------------------------------------------------------------

    def get_input(self, key: str) -> Any:
        """The task context's value for ``key``, or None."""
        return self.input_data.get(key)

    def get_input_or(self, key: str, default: Any) -> Any:
        """The task context's value for ``key``; ``default`` when missing or None."""
        value = self.input_data.get(key)
        return default if value is None else value

    def get_config(self, key: str) -> Any:
        """The step's ``handler.initialization`` value for ``key``, or None."""
        return self.step_config.get(key)

    # -- ancestors' results ---------------------------------------------------------------

    @property
    def dependency_results(self) -> dict[str, dict[str, Any]]:
        given = self._dependency_results
        if not isinstance(given, dict):
            given = self._dependency_results = dict(given)
        return given

    @dependency_results.setter
    def dependency_results(self, value: Mapping[str, dict[str, Any]]) -> None:
        self._dependency_results = value

    def get_dependency_result(self, step_name: str) -> Any:
        """The results of ancestor ``step_name`` (unwrapped from its envelope), or None."""
        # Only this ancestor's results are read (a clone never reads its analyzer's list of
        # every clone unless it asks for it).
        envelope = self._dependency_results.get(step_name)
        if isinstance(envelope, dict) and "result" in envelope:
            return envelope["result"]
        return envelope

    def get_dependency_field(self, step_name: str, *path: str | int) -> Any:
        """A nested value of an ancestor's results: ``get_dependency_field("a", "x", 0)``."""
        value: Any = self.get_dependency_result(step_name)
        for part in path:
            if isinstance(value, dict):
                value = value.get(part, _MISSING)
            elif (
                isinstance(value, list)
                and isinstance(part, int)
                and -len(value) <= part < len(value)
            ):
                value = value[part]
            else:
                return None
            if value is _MISSING:
                return None
        return value

    def get_dependency_result_keys(self) -> list[str]:
        """The names of every ancestor whose results are available."""
        return list(self._dependency_results)

    def get_all_dependency_results(self, prefix: str) -> list[Any]:
        """The results of every ancestor whose name starts with ``prefix`` (batch workers)."""
        return [
            self.get_dependency_result(name)
            for name in sorted(self._dependency_results)
            if name.startswith(prefix)
        ]

    # -- retries ----------------------------------------------------------------------------

    def is_retry(self) -> bool:
        """True on every attempt after the first."""
        return self.retry_count > 0

    def is_last_retry(self) -> bool:
        """True when this attempt is the last one ``max_attempts`` allows."""
        return self.retry_count >= self.max_retries - 1

    # -- checkpoints (batch workers that yield) ------------------------------------------

    def has_checkpoint(self) -> bool:
        return bool(self.checkpoint)

    @property
    def checkpoint_cursor(self) -> Any:
        return (self.checkpoint or {}).get("cursor")

    @property
    def checkpoint_items_processed(self) -> int:
        return int((self.checkpoint or {}).get("items_processed") or 0)

    @property
    def accumulated_results(self) -> Any:
        return (self.checkpoint or {}).get("accumulated_results")


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
