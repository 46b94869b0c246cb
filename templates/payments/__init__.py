"""The payments team's refund: eligibility, gateway refund, ledger records, notification."""

from __future__ import annotations
