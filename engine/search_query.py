"""The task search language, pure: parsing a query and matching one indexed value.

A query is words separated by spaces; a task matches when every word does::

    code:GATEWAY_TIMEOUT       a step's current error carries this code (any case)
    step:process_payment       a step of this name has a current error
    state:blocked              the task's state starts with this (``blocked``, ``waiting``);
    blocked                    the same: a bare word of 4 letters or more that starts a state
    ctx.customer.email:a@b.c   the context value at this dotted path contains this text
    alice@example.com          free text: a context value, an error code or message, the
                               task's initiator or template name, or the start of its id

Double quotes keep spaces (``"card declined"``, ``ctx.note:"two words"``) and make a word
with a colon free text (``"timeout: 30s"``). Matching is case-insensitive; ``code:`` and
``step:`` compare whole values, the others look for the text anywhere in the value.

What the index holds of a task (``context_terms``, ``error_terms``) is what an operator may
see: values under secret-naming keys are left out, card numbers and secrets quoted in an error
message are masked (``engine.masking``), so a secret cannot be found by its contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from engine.masking import is_sensitive, masked_text, secret_values
from engine.states import TaskState

Kind = Literal["word", "code", "step", "state", "ctx"]
CONTEXT_PREFIX = "ctx."
MAX_TERMS = 16
STATE_WORD_CHARS = 4  # shorter bare words ("co", "pen") are free text, states included
MAX_VALUE_CHARS = 500  # an indexed value is cut here: a search never needs more
_ID_START = re.compile(r"[0-9a-f][0-9a-f-]*")
_FIELD_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class SearchQueryError(ValueError):
    """A query that cannot be read; ``str()`` is one line saying what is wrong."""


@dataclass(frozen=True)
class Term:
    kind: Kind
    value: str  # lowercased
    key: str | None = None  # ctx: the dotted path, lowercased

    @property
    def field(self) -> str:
        """The index field this term looks in (None-like "" for free words and states)."""
        if self.kind == "ctx":
            return f"{CONTEXT_PREFIX}{self.key}"
        if self.kind == "step":
            return "step"
        if self.kind == "code":
            return "code"
        return ""


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]
    text: str

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse(text: str) -> SearchQuery:
    """The query in ``text``; raises SearchQueryError for one that cannot be read."""
    terms = tuple(_term(word, quoted) for word, quoted in _words(text))
    if len(terms) > MAX_TERMS:
        raise SearchQueryError(f"too many words in the search ({len(terms)}; at most {MAX_TERMS})")
    return SearchQuery(terms, text.strip())


def _words(text: str) -> Iterator[tuple[str, bool]]:
    """Split at spaces outside double quotes; (word, whether a quote opened before any colon:
    such a word is free text even with a colon in it)."""
    word, free, inside, started = "", False, False, False
    for char in text:
        if char == '"':
            free = free or ":" not in word
            inside, started = not inside, True
        elif char.isspace() and not inside:
            if started:
                yield word, free
            word, free, started = "", False, False
        else:
            word += char
            started = True
    if inside:
        raise SearchQueryError('a quote is not closed: end the quoted words with "')
    if started:
        yield word, free


def _term(word: str, free: bool) -> Term:
    if not word:
        raise SearchQueryError('empty quotes ""; put the words to find between them')
    field, colon, value = word.partition(":")
    if not free and not colon and _is_state_word(word):
        return Term("state", word.lower())
    if free or not colon or not _FIELD_WORD.fullmatch(field) or value.startswith("//"):
        return Term("word", word.lower())  # a URL (https://…) is free text too
    name = field.lower()
    if not value:
        raise SearchQueryError(f"'{field}:' needs a value, as in {_example(name)}")
    if name.startswith(CONTEXT_PREFIX):
        key = name[len(CONTEXT_PREFIX) :]
        if not key or any(not part for part in key.split(".")):
            raise SearchQueryError(
                f"'{field}:' names no key; write ctx.KEY:VALUE (ctx.order_id:42)"
            )
        return Term("ctx", value.lower(), key)
    if name == "state":
        return Term("state", _state_prefix(value))
    if name == "code":
        return Term("code", value.lower())
    if name == "step":
        return Term("step", value.lower())
    raise SearchQueryError(
        f"unknown field '{field}:'; use code:, step:, state: or ctx.KEY: "
        '(quote a word with a colon: "a:b")'
    )


def _is_state_word(word: str) -> bool:
    """A bare word of STATE_WORD_CHARS or more that starts a state's name is a state:
    ``blocked``, ``waiting``, ``error`` (quoted, it is free text)."""
    prefix = word.lower()
    return len(prefix) >= STATE_WORD_CHARS and any(s.value.startswith(prefix) for s in TaskState)


def _example(name: str) -> str:
    examples = {"code": "code:GATEWAY_TIMEOUT", "step": "step:process_payment"}
    return examples.get(name, "state:blocked" if name == "state" else "ctx.order_id:42")


def _state_prefix(value: str) -> str:
    prefix = value.lower()
    if not any(state.value.startswith(prefix) for state in TaskState):
        names = ", ".join(state.value for state in TaskState)
        raise SearchQueryError(f"no task state starts with '{value}'; the states: {names}")
    return prefix


def task_text_matches(term: Term, row: dict[str, Any]) -> str | None:
    """Which of the task's own columns a free word or state term matches (None: none)."""
    status = str(row.get("status") or "")
    if term.kind == "state":
        return "state" if status.startswith(term.value) else None
    if term.kind != "word":
        return None
    if str(row.get("task_uuid") or "").startswith(term.value):
        return "id"
    label = f"{row.get('namespace')}/{row.get('name')}@{row.get('version')}".lower()
    if term.value in label:
        return "name"
    if term.value in str(row.get("initiator") or "").lower():
        return "initiator"
    return None


# what the index holds -------------------------------------------------------------------------
def task_terms(context: Any, initiator: str | None) -> list[tuple[str, str]]:
    """What the index holds of a new task: its context (``context_terms``), its initiator."""
    terms = context_terms(context)
    if initiator:
        terms.append(("initiator", masked_text(initiator)[:MAX_VALUE_CHARS]))
    return terms


def looks_like_id(word: str) -> bool:
    """Whether a free word may be the start of a task id (hex digits and dashes)."""
    return _ID_START.fullmatch(word) is not None


def context_terms(context: Any) -> list[tuple[str, str]]:
    """(``ctx.PATH``, text) for every leaf value of a context an operator may see: lists add no
    path part (``ctx.items.sku``), values under secret-naming keys are left out, card numbers
    and secrets quoted under other keys are masked; the same value at the same path once."""
    out: dict[tuple[str, str], None] = {}
    secrets = secret_values(context)

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                if not is_sensitive(str(key)):
                    walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child, path)
        elif node is not None and path:
            text = node if isinstance(node, str) else _scalar_text(node)
            shown = masked_text(text, secrets)[:MAX_VALUE_CHARS]
            if shown:
                out[(f"{CONTEXT_PREFIX}{path}".lower(), shown)] = None

    walk(context, "")
    return list(out)


def _scalar_text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def error_terms(
    step_name: str, error: dict[str, Any] | None, secrets: tuple[str, ...]
) -> list[tuple[str, str]]:
    """What a step's current error adds to the index: its step name, code, class and message
    (secrets quoted in it and card numbers masked, as the console and CLI show it)."""
    if not error:
        return []
    out = [("step", step_name.lower())]
    if error.get("error_code"):
        out.append(("code", str(error["error_code"]).lower()))
    if error.get("error_type"):
        out.append(("error_type", str(error["error_type"])))
    message = str(error.get("message") or "")
    if message:
        out.append(("error", masked_text(message, secrets)[:MAX_VALUE_CHARS]))
    return out


def matched_fields(
    query: SearchQuery, row: dict[str, Any], word_fields: Mapping[Term, Mapping[str, str]]
) -> str:
    """Which fields of a matching task matched the query, in the query's order: ``code``,
    ``ctx.customer.email``, ``error``, ``state``, ``name`` … (each once). ``word_fields``:
    for each free word, the field of each task's first indexed value holding it."""
    found: dict[str, None] = {}
    for term in query.terms:
        if term.kind == "state":
            found["state"] = None
            continue
        if term.kind != "word":
            found[term.field] = None
            continue
        field = task_text_matches(term, row) or word_fields.get(term, {}).get(row["task_uuid"])
        if field:
            found[field] = None
    return ", ".join(found)
