"""The customer-success team's refund: validate, policy, approval, delegate, close the ticket."""

from __future__ import annotations
