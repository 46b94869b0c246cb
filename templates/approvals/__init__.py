"""Conditional approval: a decision routes a request by amount to the approvals it needs."""
