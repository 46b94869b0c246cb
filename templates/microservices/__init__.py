"""User registration across services: account, then billing and preferences in parallel."""

from __future__ import annotations
