"""The SQLite schema, versioned with ``PRAGMA user_version`` and upgraded by forward migrations.

Portable SQL on purpose (TEXT ids, INTEGER epoch-ms times, JSON as TEXT) so a PostgreSQL
store can reuse the same shape.
"""

from __future__ import annotations

from engine.store import unmet_schema

MIGRATIONS: list[str] = [
    # 1: templates in use, tasks, steps, dependency edges, append-only transitions.
    """
    CREATE TABLE templates (
        template_id   TEXT PRIMARY KEY,          -- sha256 of the definition
        namespace     TEXT NOT NULL,
        name          TEXT NOT NULL,
        version       TEXT NOT NULL,
        definition    TEXT NOT NULL,             -- the resolved template as JSON
        source_path   TEXT,
        first_used_at INTEGER NOT NULL
    );
    CREATE TABLE tasks (
        task_uuid       TEXT PRIMARY KEY,
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
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        completed_at    INTEGER,
        change_seq      INTEGER NOT NULL DEFAULT 0   -- bumped on every change: the change feed
    );
    CREATE INDEX tasks_by_change ON tasks(change_seq);
    CREATE INDEX tasks_by_created ON tasks(created_at DESC);
    CREATE INDEX tasks_by_status ON tasks(status, created_at DESC);
    CREATE INDEX tasks_by_namespace ON tasks(namespace, created_at DESC);
    CREATE TABLE steps (
        step_uuid         TEXT PRIMARY KEY,
        task_uuid         TEXT NOT NULL REFERENCES tasks(task_uuid),
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
        timeout_ms        INTEGER NOT NULL,
        ready_at          INTEGER,                -- set while the step may be claimed
        next_retry_at     INTEGER,
        backoff_ms        INTEGER,
        backoff_rule      TEXT,
        claimed_by        TEXT,
        lease_expires_at  INTEGER,
        cancel_requested  INTEGER NOT NULL DEFAULT 0,
        last_attempted_at INTEGER,
        started_at        INTEGER,
        finished_at       INTEGER,
        results           TEXT,
        error             TEXT,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        UNIQUE (task_uuid, name)
    );
    CREATE INDEX steps_ready ON steps(ready_at) WHERE ready_at IS NOT NULL;
    CREATE INDEX steps_leased ON steps(lease_expires_at) WHERE state = 'in_progress';
    CREATE TABLE step_edges (
        task_uuid TEXT NOT NULL REFERENCES tasks(task_uuid),
        from_step TEXT NOT NULL REFERENCES steps(step_uuid),
        to_step   TEXT NOT NULL REFERENCES steps(step_uuid),
        PRIMARY KEY (from_step, to_step)
    );
    CREATE TABLE task_transitions (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        task_uuid  TEXT NOT NULL REFERENCES tasks(task_uuid),
        from_state TEXT,
        to_state   TEXT NOT NULL,
        at         INTEGER NOT NULL,
        by         TEXT NOT NULL,
        reason     TEXT,
        metadata   TEXT
    );
    CREATE INDEX task_transitions_by_task ON task_transitions(task_uuid, id);
    CREATE TABLE step_transitions (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        task_uuid  TEXT NOT NULL REFERENCES tasks(task_uuid),
        step_uuid  TEXT NOT NULL REFERENCES steps(step_uuid),
        step_name  TEXT NOT NULL,
        from_state TEXT,
        to_state   TEXT NOT NULL,
        attempt    INTEGER NOT NULL,
        at         INTEGER NOT NULL,
        by         TEXT NOT NULL,
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
    """
    CREATE TABLE task_contexts (
        task_uuid TEXT PRIMARY KEY REFERENCES tasks(task_uuid),
        context   TEXT NOT NULL
    );
    INSERT INTO task_contexts (task_uuid, context) SELECT task_uuid, context FROM tasks;
    ALTER TABLE tasks DROP COLUMN context;
    """,
    # 5: domain events: the outbox of durable events (written with the step's outcome, in the
    # same transaction), the record of fast ones, and one row per delivery to a subscriber.
    """
    CREATE TABLE domain_events (
        event_id        TEXT PRIMARY KEY,
        task_uuid       TEXT NOT NULL REFERENCES tasks(task_uuid),
        step_uuid       TEXT NOT NULL,
        step_name       TEXT NOT NULL,
        namespace       TEXT NOT NULL,
        name            TEXT NOT NULL,
        delivery_mode   TEXT NOT NULL,               -- durable, fast or broadcast
        payload         TEXT NOT NULL,               -- JSON
        metadata        TEXT NOT NULL,               -- JSON
        published_by    TEXT NOT NULL,               -- the worker whose step published it
        published_at    INTEGER NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending',  -- pending, delivered, failed
        attempts        INTEGER NOT NULL DEFAULT 0,  -- delivery attempts (counted at claim)
        next_attempt_at INTEGER,                       -- while pending: due (or lease) time
        claimed_by      TEXT,                        -- the worker of the latest attempt
        delivered_by    TEXT,                        -- the worker that settled it
        finished_at     INTEGER,
        last_error      TEXT
    );
    CREATE INDEX domain_events_due ON domain_events(next_attempt_at) WHERE state = 'pending';
    CREATE INDEX domain_events_by_task ON domain_events(task_uuid, published_at);
    CREATE TABLE domain_event_deliveries (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id    TEXT NOT NULL REFERENCES domain_events(event_id),
        subscriber  TEXT NOT NULL,
        attempt     INTEGER NOT NULL,
        worker_id   TEXT NOT NULL,
        at          INTEGER NOT NULL,
        outcome     TEXT NOT NULL,                   -- delivered or failed
        error       TEXT
    );
    CREATE INDEX domain_event_deliveries_by_event ON domain_event_deliveries(event_id, id);
    """,
    # 6: each step's count of unmet dependencies and a task's steps by state (see the module).
    unmet_schema.sqlite_migration(),
]

SCHEMA_VERSION = len(MIGRATIONS)
