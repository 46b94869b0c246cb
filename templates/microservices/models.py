"""Typed input and step results of ``microservices/user_registration``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class RegistrationInput(BaseModel):
    """The task context as the handlers read it; the rules are checked by the services."""

    email: str | None = None
    full_name: str | None = None
    plan: str = "starter"  # starter | professional | enterprise (free / pro accepted)
    username: str | None = None  # default: the e-mail's local part
    user_id: str | None = None
    phone: str | None = None
    source: str | None = None
    preferences: dict[str, Any] | None = None  # overrides of the plan's default preferences


class RegistrationContext(BaseModel):
    """The documented task context (the template's ``input_schema``)."""

    email: str
    full_name: str
    plan: str = "starter"
    username: str | None = None
    user_id: str | None = None
    phone: str | None = None
    source: str | None = None
    preferences: dict[str, Any] | None = None


class UserAccount(BaseModel):
    user_id: str
    email: str
    username: str
    full_name: str
    plan: str
    phone: str | None = None
    source: str | None = None
    status: str  # created | already_exists
    account_status: str
    email_verified: bool
    verification_token: str
    created_at: str


class BillingProfile(BaseModel):
    billing_id: str
    user_id: str
    plan: str
    price: float
    currency: str
    billing_cycle: str
    billing_required: bool
    status: str  # not_required | trial | active
    trial_end: str | None = None
    next_billing_date: str | None = None
    limits: dict[str, int | None]
    created_at: str


class UserPreferences(BaseModel):
    preferences_id: str
    user_id: str
    plan: str
    preferences: dict[str, Any]
    feature_flags: dict[str, bool]
    defaults_applied: int
    customizations: int
    status: str
    created_at: str


class WelcomeMessage(BaseModel):
    channel: str
    template: str
    message_id: str
    status: str


class WelcomeSequence(BaseModel):
    sequence_id: str
    user_id: str
    plan: str
    messages: list[WelcomeMessage]
    messages_sent: int
    channels_used: list[str]
    status: str
    sent_at: str


class UserActivation(BaseModel):
    user_id: str
    email: str
    plan: str
    status: str
    account_status: str
    billing_status: str
    welcome_messages_sent: int
    registration_complete: bool
    services_completed: list[str]
    activated_at: str
