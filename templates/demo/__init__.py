"""The checkout demo's machinery, apart from the workflows it runs: the payment gateway
simulator and its ledger, the seeded mix of orders and companion workflows, and ``tasker demo``
itself (``command.py``) with its headless summary. Nothing here is needed to run a workflow."""

from __future__ import annotations
