"""The DDL of schema versions 1 to 5, written once for SQLite and PostgreSQL.

Each version is a script in which the words that differ by dialect stand as ``$id``, ``$ms``,
``$serial``, ``$newest_first`` and ``$change_feed`` (``engine.store.dialect`` says what each
becomes and why). A backend's ``schema.py`` renders these with its dialect and adds its own
versions after them: a new version's DDL and migration go there, once per backend.
"""

from __future__ import annotations

from dataclasses import asdict
from string import Template

from engine.store.dialect import Dialect

_VERSIONS: tuple[str, ...] = (
    # 1: templates in use, tasks, steps, dependency edges, append-only transitions.
    """
    CREATE TABLE templates (
        template_id   TEXT PRIMARY KEY,          -- sha256 of the definition
        namespace     TEXT NOT NULL,
        name          TEXT NOT NULL,
        version       TEXT NOT NULL,
        definition    TEXT NOT NULL,             -- the resolved template as JSON
        source_path   TEXT,
        first_used_at $ms NOT NULL
    );
    CREATE TABLE tasks (
        task_uuid       $id PRIMARY KEY,
        template_id     TEXT NOT NULL REFERENCES templates(template_id),
        namespace       TEXT NOT NULL,
        name            TEXT NOT NULL,
        version         TEXT NOT NULL,
        status          TEXT NOT NULL,
        context         TEXT NOT NULL,
        initiator       TEXT,
        source_system   TEXT,
        reason          TEXT,
        identity_hash   TEXT NOT NULL UNIQUE,
        idempotency_key TEXT,
        priority        INTEGER NOT NULL DEFAULT 0,
        total_steps     INTEGER NOT NULL,
        completed_steps INTEGER NOT NULL DEFAULT 0,
        failed_steps    INTEGER NOT NULL DEFAULT 0,
        created_at      $ms NOT NULL,
        updated_at      $ms NOT NULL,
        completed_at    $ms,
        change_seq      $ms NOT NULL DEFAULT 0       -- bumped on every change: the change feed
    );
    $change_feed
    CREATE INDEX tasks_by_change ON tasks(change_seq);
    CREATE INDEX tasks_by_created ON tasks($newest_first);
    CREATE INDEX tasks_by_status ON tasks(status, created_at DESC);
    CREATE INDEX tasks_by_namespace ON tasks(namespace, created_at DESC);
    CREATE TABLE steps (
        step_uuid         $id PRIMARY KEY,
        task_uuid         $id NOT NULL REFERENCES tasks(task_uuid),
        name              TEXT NOT NULL,
        position          INTEGER NOT NULL,
        handler_callable  TEXT NOT NULL,
        dependencies      TEXT NOT NULL,          -- JSON list of step names
        state             TEXT NOT NULL,
        attempts          INTEGER NOT NULL DEFAULT 0,  -- counted at claim; reset by reset-step
        run_count         INTEGER NOT NULL DEFAULT 0,  -- every claim ever: the attempt's identity
        max_attempts      INTEGER NOT NULL,
        retryable         INTEGER NOT NULL,
        retry_policy      TEXT NOT NULL,          -- JSON RetryPolicy
        timeout_ms        $ms NOT NULL,
        ready_at          $ms,                   -- set while the step may be claimed
        next_retry_at     $ms,
        backoff_ms        $ms,
        backoff_rule      TEXT,
        claimed_by        TEXT,
        lease_expires_at  $ms,
        cancel_requested  INTEGER NOT NULL DEFAULT 0,
        last_attempted_at $ms,
        started_at        $ms,
        finished_at       $ms,
        results           TEXT,
        error             TEXT,
        created_at        $ms NOT NULL,
        updated_at        $ms NOT NULL,
        UNIQUE (task_uuid, name)
    );
    CREATE INDEX steps_ready ON steps(ready_at) WHERE ready_at IS NOT NULL;
    CREATE INDEX steps_leased ON steps(lease_expires_at) WHERE state = 'in_progress';
    CREATE TABLE step_edges (
        task_uuid $id NOT NULL REFERENCES tasks(task_uuid),
        from_step $id NOT NULL REFERENCES steps(step_uuid),
        to_step   $id NOT NULL REFERENCES steps(step_uuid),
        PRIMARY KEY (from_step, to_step)
    );
    CREATE TABLE task_transitions (
        id         $serial,
        task_uuid  $id NOT NULL REFERENCES tasks(task_uuid),
        from_state TEXT,
        to_state   TEXT NOT NULL,
        at         $ms NOT NULL,
        "by"       TEXT NOT NULL,
        reason     TEXT,
        metadata   TEXT
    );
    CREATE INDEX task_transitions_by_task ON task_transitions(task_uuid, id);
    CREATE TABLE step_transitions (
        id         $serial,
        task_uuid  $id NOT NULL REFERENCES tasks(task_uuid),
        step_uuid  $id NOT NULL REFERENCES steps(step_uuid),
        step_name  TEXT NOT NULL,
        from_state TEXT,
        to_state   TEXT NOT NULL,
        attempt    INTEGER NOT NULL,
        at         $ms NOT NULL,
        "by"       TEXT NOT NULL,
        reason     TEXT,
        metadata   TEXT
    );
    CREATE INDEX step_transitions_by_step ON step_transitions(step_uuid, id);
    CREATE INDEX step_transitions_by_task ON step_transitions(task_uuid, id);
    """,
    # 2: the audit trail is read by task (and step name), never by step uuid alone; the unused
    # index cost a page write per transition.
    """
    DROP INDEX IF EXISTS step_transitions_by_step;
    """,
    # 3: steps created while a task runs (decision branches, batch worker clones), and the
    # checkpoints batch workers yield.
    """
    ALTER TABLE steps ADD COLUMN template_step TEXT;     -- a clone's worker template (NULL: name)
    ALTER TABLE steps ADD COLUMN inputs TEXT;            -- JSON: a clone's cursor and settings
    ALTER TABLE steps ADD COLUMN checkpoint TEXT;        -- JSON: the last checkpoint_yield
    ALTER TABLE steps ADD COLUMN failure_strategy TEXT;  -- a clone's batch failure_strategy
    """,
    # 4: a task's context in a table of its own. The task row changes with every step (status,
    # counters, the change feed) and SQLite writes a changed row whole, so a large context was
    # written again at each step; and the task list read past it for the columns after it.
    # PostgreSQL follows, so the two schemas stay alike.
    """
    CREATE TABLE task_contexts (
        task_uuid $id PRIMARY KEY REFERENCES tasks(task_uuid),
        context   TEXT NOT NULL
    );
    INSERT INTO task_contexts (task_uuid, context) SELECT task_uuid, context FROM tasks;
    ALTER TABLE tasks DROP COLUMN context;
    """,
    # 5: domain events: the outbox of durable events (written with the step's outcome, in the
    # same transaction), the record of fast ones, and one row per delivery to a subscriber.
    """
    CREATE TABLE domain_events (
        event_id        $id PRIMARY KEY,
        task_uuid       $id NOT NULL REFERENCES tasks(task_uuid),
        step_uuid       $id NOT NULL,
        step_name       TEXT NOT NULL,
        namespace       TEXT NOT NULL,
        name            TEXT NOT NULL,
        delivery_mode   TEXT NOT NULL,               -- durable, fast or broadcast
        payload         TEXT NOT NULL,               -- JSON
        metadata        TEXT NOT NULL,               -- JSON
        published_by    TEXT NOT NULL,               -- the worker whose step published it
        published_at    $ms NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending',  -- pending, delivered, failed
        attempts        INTEGER NOT NULL DEFAULT 0,  -- delivery attempts (counted at claim)
        next_attempt_at $ms,                         -- while pending: due (or lease) time
        claimed_by      TEXT,                        -- the worker of the latest attempt
        delivered_by    TEXT,                        -- the worker that settled it
        finished_at     $ms,
        last_error      TEXT
    );
    CREATE INDEX domain_events_due ON domain_events(next_attempt_at) WHERE state = 'pending';
    CREATE INDEX domain_events_by_task ON domain_events(task_uuid, published_at);
    CREATE TABLE domain_event_deliveries (
        id          $serial,
        event_id    $id NOT NULL REFERENCES domain_events(event_id),
        subscriber  TEXT NOT NULL,
        attempt     INTEGER NOT NULL,
        worker_id   TEXT NOT NULL,
        at          $ms NOT NULL,
        outcome     TEXT NOT NULL,                   -- delivered or failed
        error       TEXT
    );
    CREATE INDEX domain_event_deliveries_by_event ON domain_event_deliveries(event_id, id);
    """,
)


def versions_1_to_5(dialect: Dialect) -> list[str]:
    """Migrations 1 to 5 in ``dialect``: item N - 1 takes a database from version N - 1 to N."""
    words = asdict(dialect)  # $id, $ms, ... are the dialect's fields
    return [Template(script).substitute(words) for script in _VERSIONS]
