"""Searching the task list (``/``): the typed query is read by ``engine.search_query``; words,
codes, steps and context values are looked up in the database's search index, while the
loaded rows are filtered by names, ids and states at once (and alone for a query of states).

Mixed into MainScreen (a Screen), as ``Navigation`` is: the worker posts ``SearchFound``,
which ``on_search_found`` applies to the task list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work

from console.data import SearchUnavailable
from console.messages import SearchFound
from console.widgets.task_table import TaskTable
from engine.search_query import SearchQueryError, parse

if TYPE_CHECKING:
    from console.host import ConsoleHost

SEARCH_LIMIT = 1000  # the newest matching tasks listed; the title counts them all


def needs_index(text: str) -> bool:
    """Whether the query asks more than the loaded rows can answer (states alone: no)."""
    return any(term.kind != "state" for term in parse(text).terms)


class TaskSearch:
    """The search half of the filter box: what it found, and what to say about it."""

    if TYPE_CHECKING:

        @property
        def console_app(self) -> ConsoleHost: ...

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def show_list_title(self) -> None: ...
        def follow_selection(self, uuid: str | None) -> None: ...
        def post_message(self, message: Any) -> bool: ...

    search_problem: str | None = None  # the typed query cannot be read: why, in one line
    search_note: str | None = None  # how the search had to work (no index, over HTTP)

    def search_typed(self, text: str) -> None:
        """The filter box changed: filter the loaded rows now, and search the index."""
        table = self.query_one(TaskTable)
        try:
            indexed = needs_index(text)
        except SearchQueryError as exc:
            self.search_problem = str(exc)  # the list stays as it was until the query reads
            self.show_list_title()
            return
        self.search_problem = None
        table.set_query(text, self.console_app.now_ms())
        if indexed:
            self.run_search(text.strip())
        self.show_list_title()
        self.follow_selection(table.selected_uuid)

    def search_again(self) -> None:
        """Tasks changed: a search in force is run again (others filter the rows live)."""
        table = self.query_one(TaskTable)
        if table.hits is not None and not self.search_problem:
            self.run_search(table.query_text)

    @work(exclusive=True, group="search")
    async def run_search(self, text: str) -> None:
        try:
            found = await self.console_app.engine.search_tasks(text, SEARCH_LIMIT)
        except SearchUnavailable as exc:
            self.post_message(SearchFound(text, problem=str(exc)))
            return
        except Exception as exc:  # a refused query, a locked database: say so in the title
            self.post_message(SearchFound(text, problem=str(exc).splitlines()[0]))
            return
        self.post_message(SearchFound(text, found))

    def on_search_found(self, message: SearchFound) -> None:
        table = self.query_one(TaskTable)
        if message.query != table.query_text:
            return  # typed on since: a later search answers
        if message.found is None:
            self.search_note = message.problem
        else:
            self.search_note = message.found.get("note")
            rows = cast(list[dict[str, Any]], message.found["tasks"])
            total = int(message.found["total"])
            table.show_hits(message.query, rows, total, self.console_app.now_ms())
        self.show_list_title()
        self.follow_selection(table.selected_uuid)

    def search_title(self, title: str) -> str:
        """The list's title with what the search has to say: the listed part of a long
        result, a query that cannot be read, how it searched."""
        table = self.query_one(TaskTable)
        if table.hits is not None and table.hit_total > len(table.hits):
            title += f" (newest {len(table.hits):,} listed)"
        if self.search_problem:
            return f"{title} · ⚠ {self.search_problem}"
        if self.search_note and table.query_text:
            title += f" · {self.search_note}"
        return title
