"""The task list: one row per task, keyed by task_uuid, changed cell by cell in place."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from console.formatting import age_text, progress_text, short_uuid, task_state_text
from engine.literal import literal
from engine.masking import masked_cards

COLUMNS = (
    ("uuid", "uuid"),
    ("task", "namespace/name@version"),
    ("state", "state"),
    ("progress", "progress"),
    ("age", "age"),
    ("initiator", "initiator"),
)
STATE_PREFIX = "state:"
LABEL_WIDTH = 60  # a longer template label or initiator is clipped in its column

# Every list: j/k as ↓/↑, home/end to the first and last row (DataTable: first and last
# column). g and G are not used: g is "give up" and G the grid view (DESIGN's console keys).
LIST_BINDINGS: list[BindingType] = [
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("home", "scroll_top", "First row", show=False),
    Binding("end", "scroll_bottom", "Last row", show=False),
]
FIRST_ROWS = 100  # added at once: more than a tall terminal shows
CHUNK_ROWS = 250  # then added per turn of the event loop: about 40 ms of measuring each


class KeyedText(Text):
    """A cell that remembers its task, so sorting can use the task's own fields."""

    task_uuid = ""


def task_label(row: dict[str, Any]) -> str:
    return f"{row['namespace']}/{row['name']}@{row['version']}"


def matches(row: dict[str, Any], query: str) -> bool:
    """Every word must match: ``state:blocked`` the start of the state's name; a bare word
    the start of the state's name (``blocked``, ``waiting``) or any of the row's text."""
    if not query:
        return True
    haystack = " ".join(
        str(row.get(k) or "") for k in ("task_uuid", "namespace", "name", "version", "initiator")
    ).lower()
    status = str(row["status"])
    for word in query.lower().split():
        if word.startswith(STATE_PREFIX):
            if not status.startswith(word[len(STATE_PREFIX) :]):
                return False
        elif word not in haystack and not status.startswith(word):
            return False
    return True


def sort_value(row: dict[str, Any], column: str) -> Any:
    if column == "age":
        return -row["created_at"]
    if column == "progress":
        return (row["completed_steps"] / row["total_steps"]) if row["total_steps"] else 1.0
    if column == "task":
        return task_label(row)
    if column == "uuid":
        return short_uuid(row["task_uuid"])  # the id as shown
    return str(row.get({"state": "status"}.get(column, column)) or "")


class TaskTable(DataTable[Any]):
    """Tasks newest first; ``show`` diffs new data against what is on screen."""

    BINDINGS: ClassVar[list[BindingType]] = LIST_BINDINGS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.rows_by_uuid: dict[str, dict[str, Any]] = {}
        self._shown: dict[str, tuple[Any, ...]] = {}  # rows in the table, by task uuid
        self._waiting: dict[str, None] = {}  # matching rows still to add, in display order
        self.query_text = ""
        self.hits: dict[str, str] | None = None  # a search's matches: task uuid -> what matched
        self.hit_total = 0  # how many tasks the search matched in all (more than it listed)
        self.kept: str | None = None  # the acted-on task: listed even when it left the filter
        self.sort_column = "age"
        self.sort_reverse = False

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(self._label(key, label), key=key)

    @property
    def selected_uuid(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def cells(self, row: dict[str, Any], now_ms: int) -> tuple[Any, ...]:
        key = KeyedText(short_uuid(row["task_uuid"]), style="bold")
        key.task_uuid = row["task_uuid"]
        failed = row.get("failed_steps") or 0
        progress = Text(progress_text(row["completed_steps"], row["total_steps"]))
        if failed:
            progress.append(f" ✗{failed}", style="red")
        label = literal(task_label(row), limit=LABEL_WIDTH)
        matched = self.hits.get(row["task_uuid"]) if self.hits else None
        if matched:  # which field the search found: "ctx.customer_email", "code", "error"
            label = Text.assemble(label, (f" · {literal(matched, limit=40)}", "italic cyan"))
        return (
            key,
            label,
            task_state_text(row["status"]),
            progress,
            age_text(row["created_at"], now_ms),
            literal(masked_cards(row.get("initiator") or ""), limit=LABEL_WIDTH),
        )

    def show(self, rows: Iterable[dict[str, Any]], now_ms: int, complete: bool) -> None:
        """Apply fetched rows: a complete fetch also drops tasks that left the window."""
        rows = list(rows)
        if complete:
            fetched = {row["task_uuid"] for row in rows}
            for uuid in [u for u in self.rows_by_uuid if u not in fetched]:
                self._drop(uuid)
            self.rows_by_uuid = {}
        for row in rows:
            self.rows_by_uuid[row["task_uuid"]] = row
        self._place(rows, now_ms)

    def set_query(self, query: str, now_ms: int) -> None:
        """Filter the loaded rows by ``query`` (names, ids, states), until a search's hits."""
        self.query_text = query.strip()
        self.hits = None
        self.kept = None  # a new filter: the operator chose what to see
        self._refilter(now_ms)

    def show_hits(self, query: str, rows: list[dict[str, Any]], total: int, now_ms: int) -> None:
        """List a search's matching tasks (rows with ``matched``), found in the database."""
        if query.strip() != self.query_text:
            return  # the operator typed on: a later search is coming
        for row in rows:
            self.rows_by_uuid[row["task_uuid"]] = row
        self.hits = {row["task_uuid"]: str(row.get("matched") or "") for row in rows}
        self.hit_total = total
        self._refilter(now_ms)  # rows shown already get what matched in their label

    def _refilter(self, now_ms: int) -> None:
        for uuid in [u for u in (*self._shown, *self._waiting) if not self._wanted(u)]:
            self._drop(uuid)
        self._place(self.rows_by_uuid.values(), now_ms)

    def row_matches(self, uuid: str) -> bool:
        """Whether the task matches the filter: in the search's hits, or by its row."""
        if self.hits is not None:
            return uuid in self.hits
        row = self.rows_by_uuid.get(uuid)
        return row is not None and matches(row, self.query_text)

    def has_row(self, uuid: str) -> bool:
        """True when the task is in the table now (not filtered out, not still to be added)."""
        return uuid in self._shown

    @property
    def rows_to_come(self) -> int:
        """Rows fetched and matching but not in the table yet (added a chunk at a time)."""
        return len(self._waiting)

    def keep(self, uuid: str | None) -> None:
        """List ``uuid`` whatever the filter says until the filter changes (None: stop), so
        the task an operator acts on never slips out from under the cursor."""
        previous, self.kept = self.kept, uuid
        if previous and previous != uuid and not self._wanted(previous):
            self._drop(previous)

    @property
    def match_count(self) -> int:
        """How many tasks match: all a search found in the database, or the loaded tasks the
        filter matches (rows still being added included)."""
        if not self.query_text:
            return len(self.rows_by_uuid)
        if self.hits is not None:
            return self.hit_total
        return sum(1 for row in self.rows_by_uuid.values() if matches(row, self.query_text))

    def _wanted(self, uuid: str) -> bool:
        return uuid in self.rows_by_uuid and (uuid == self.kept or self.row_matches(uuid))

    def _drop(self, uuid: str) -> None:
        self._waiting.pop(uuid, None)
        if self._shown.pop(uuid, None) is not None:
            self.remove_row(uuid)

    def _place(self, rows: Iterable[dict[str, Any]], now_ms: int) -> None:
        """Update the rows on screen; add new ones, the first screenful at once and the rest a
        chunk per turn of the event loop (measuring 10,000 rows at once froze the console)."""
        fresh = []
        for row in rows:
            uuid = row["task_uuid"]
            if not self._wanted(uuid):
                self._drop(uuid)
            elif uuid in self._shown:
                self._put(uuid, self.cells(row, now_ms))
            elif uuid not in self._waiting:
                fresh.append(row)
        if not fresh:
            return
        fresh.sort(key=lambda row: sort_value(row, self.sort_column), reverse=self.sort_reverse)
        selected = self.selected_uuid
        for row in fresh[:FIRST_ROWS]:
            self._put(row["task_uuid"], self.cells(row, now_ms))
        self.resort(selected)
        later = [row["task_uuid"] for row in fresh[FIRST_ROWS:]]
        if later:
            self._waiting.update(dict.fromkeys(later))
            self.call_after_refresh(self._add_backlog, now_ms)

    def _add_backlog(self, now_ms: int) -> None:
        """Add the next chunk of waiting rows, then let the screen paint before the next."""
        for uuid in list(itertools.islice(self._waiting, CHUNK_ROWS)):
            del self._waiting[uuid]
            self._put(uuid, self.cells(self.rows_by_uuid[uuid], now_ms))
        if self._waiting:
            self.call_after_refresh(self._add_backlog, now_ms)
        else:
            self.resort(self.selected_uuid)  # rows that arrived meanwhile may sort among them

    def _put(self, uuid: str, cells: tuple[Any, ...]) -> bool:
        old = self._shown.get(uuid)
        self._shown[uuid] = cells
        if old is None:
            self.add_row(*cells, key=uuid)
            return True
        for (column, _), before, after in zip(COLUMNS, old, cells, strict=True):
            if before != after:
                self._update(uuid, column, after)
        return False

    def _update(self, uuid: str, column: str, value: Any) -> None:
        """Change one cell; widen its column when the value needs it. (Asking the table to fit
        a narrower value makes it measure every row of the column: with thousands of tasks
        changing, that froze the console.)"""
        width = cell_len(value.plain if isinstance(value, Text) else str(value))
        wider = width > self.columns[ColumnKey(column)].content_width
        self.update_cell(uuid, column, value, update_width=wider)

    def refresh_ages(self, now_ms: int) -> None:
        """Ages move with time: update the ones on screen (cheap at any table size)."""
        top = max(0, int(self.scroll_y) - 1)
        for index in range(top, min(self.row_count, top + self.size.height + 2)):
            uuid = self.ordered_rows[index].key.value
            row = self.rows_by_uuid.get(uuid) if uuid else None
            if uuid is None or row is None:
                continue
            age = age_text(row["created_at"], now_ms)
            if self._shown[uuid][4] != age:
                self._shown[uuid] = (*self._shown[uuid][:4], age, *self._shown[uuid][5:])
                self._update(uuid, "age", age)

    def sort_by(self, column: str) -> None:
        """Sort by a column; choosing the same column again reverses the order."""
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        for key, label in COLUMNS:  # same width with or without the marker: no re-layout
            self.columns[ColumnKey(key)].label = self._label(key, label)
        self.resort(self.selected_uuid)

    def _label(self, key: str, label: str) -> Text:
        """The column's header, marked ▼ (or ▲ reversed) when the list is sorted by it."""
        if key != self.sort_column:
            return Text(f"{label}  ")
        return Text(f"{label} {'▲' if self.sort_reverse else '▼'}")

    def next_sort_column(self) -> str:
        keys = [key for key, _ in COLUMNS]
        return keys[(keys.index(self.sort_column) + 1) % len(keys)]

    def sort_description(self) -> str:
        label = dict(COLUMNS)[self.sort_column]
        return f"{label}{' (reversed)' if self.sort_reverse else ''}"

    def resort(self, keep: str | None) -> None:
        def key(cells: tuple[Any, ...]) -> Any:
            return sort_value(self.rows_by_uuid[cells[0].task_uuid], self.sort_column)

        self.sort(key=key, reverse=self.sort_reverse)
        if self._waiting:  # still to come: in the new order too
            order = sorted(
                self._waiting,
                key=lambda u: sort_value(self.rows_by_uuid[u], self.sort_column),
                reverse=self.sort_reverse,
            )
            self._waiting = dict.fromkeys(order)
        if keep in self._shown:
            self.move_cursor(row=self.get_row_index(keep), scroll=False)
