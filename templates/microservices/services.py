"""User-registration rules: who may sign up, on which plan, with which defaults.

Permanent failures at account creation (no retry can fix them): an e-mail that is not an
address (``INVALID_EMAIL``), a disposable or blocked domain (``BLOCKED_EMAIL_DOMAIN``), a
name under 2 characters (``INVALID_NAME``), a reserved username (``RESERVED_USERNAME``), an
unknown plan (``UNKNOWN_PLAN``). ``existing@example.com`` is already registered: creation
succeeds idempotently with status ``already_exists``.

Plans: starter (free), professional ($29.99 a month, 14-day trial), enterprise ($99.99 a
month, 30-day trial). Billing is not required on starter and starts as ``trial`` on a plan
with a trial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..errors import BusinessRuleError
from ..ids import stable_hex
from ..outbox import Outbox
from .models import (
    BillingProfile,
    RegistrationInput,
    UserAccount,
    UserActivation,
    UserPreferences,
    WelcomeMessage,
    WelcomeSequence,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BLOCKED_DOMAINS = {"tempmail.com", "throwaway.email", "mailinator.com"}
BLOCKED_SUFFIX = "blocked.test"
RESERVED_USERNAMES = {"admin", "root", "system", "support", "test"}
EXISTING_USERS = {"existing@example.com"}


@dataclass(frozen=True)
class Plan:
    name: str
    monthly_price: Decimal
    trial_days: int
    limits: dict[str, int | None]  # None: unlimited
    features: dict[str, bool]


PLANS = {
    "starter": Plan(
        "starter",
        Decimal("0.00"),
        0,
        {"projects": 3, "storage_gb": 1, "api_calls_per_day": 1_000},
        {"advanced_reports": False, "api_access": False, "sso": False},
    ),
    "professional": Plan(
        "professional",
        Decimal("29.99"),
        14,
        {"projects": 25, "storage_gb": 50, "api_calls_per_day": 50_000},
        {"advanced_reports": True, "api_access": True, "sso": False},
    ),
    "enterprise": Plan(
        "enterprise",
        Decimal("99.99"),
        30,
        {"projects": None, "storage_gb": 1_000, "api_calls_per_day": None},
        {"advanced_reports": True, "api_access": True, "sso": True},
    ),
}
PLAN_ALIASES = {"free": "starter", "pro": "professional"}
DEFAULT_PREFERENCES = {
    "email_notifications": True,
    "sms_notifications": False,
    "in_app_notifications": True,
    "weekly_digest": True,
    "theme": "light",
    "language": "en",
    "timezone": "UTC",
}


def plan_named(name: str | None) -> Plan:
    key = (name or "starter").strip().lower()
    plan = PLANS.get(PLAN_ALIASES.get(key, key))
    if plan is None:
        raise BusinessRuleError(
            f"unknown plan {name!r}; choose one of {', '.join(PLANS)}", code="UNKNOWN_PLAN"
        )
    return plan


def create_account(request: RegistrationInput, *, now: datetime) -> UserAccount:
    email = (request.email or "").strip().lower()
    if not EMAIL.match(email):
        raise BusinessRuleError(f"{request.email!r} is not an e-mail address", code="INVALID_EMAIL")
    domain = email.rsplit("@", 1)[1]
    if domain in BLOCKED_DOMAINS or domain.endswith(BLOCKED_SUFFIX):
        raise BusinessRuleError(
            f"e-mail domain {domain} is not accepted (disposable or blocked); use a real mailbox",
            code="BLOCKED_EMAIL_DOMAIN",
        )
    name = (request.full_name or "").strip()
    if len(name) < 2:
        raise BusinessRuleError("full_name must have at least 2 characters", code="INVALID_NAME")
    username = (request.username or email.split("@", 1)[0]).strip().lower()
    if username in RESERVED_USERNAMES:
        raise BusinessRuleError(
            f"username {username!r} is reserved; pass another username", code="RESERVED_USERNAME"
        )
    plan = plan_named(request.plan)
    return UserAccount(
        user_id=request.user_id or "usr_" + stable_hex("user", email),
        email=email,
        username=username,
        full_name=name,
        plan=plan.name,
        phone=request.phone,
        source=request.source,
        status="already_exists" if email in EXISTING_USERS else "created",
        account_status="pending_verification",
        email_verified=False,
        verification_token="vt_" + stable_hex("verify", email, length=24),
        created_at=now.isoformat(),
    )


def setup_billing(account: UserAccount, *, now: datetime) -> BillingProfile:
    plan = plan_named(account.plan)
    paid = plan.monthly_price > 0
    trial_end = now + timedelta(days=plan.trial_days) if plan.trial_days else None
    if not paid:
        status = "not_required"
    else:
        status = "trial" if trial_end else "active"
    return BillingProfile(
        billing_id="bill_" + stable_hex("billing", account.user_id),
        user_id=account.user_id,
        plan=plan.name,
        price=float(plan.monthly_price),
        currency="USD",
        billing_cycle="monthly",
        billing_required=paid,
        status=status,
        trial_end=trial_end.date().isoformat() if trial_end else None,
        next_billing_date=(trial_end or now + timedelta(days=30)).date().isoformat()
        if paid
        else None,
        limits=dict(plan.limits),
        created_at=now.isoformat(),
    )


def initialize_preferences(
    account: UserAccount, custom: dict[str, Any] | None, *, now: datetime
) -> UserPreferences:
    plan = plan_named(account.plan)
    custom = dict(custom or {})
    return UserPreferences(
        preferences_id="pref_" + stable_hex("preferences", account.user_id),
        user_id=account.user_id,
        plan=plan.name,
        preferences={**DEFAULT_PREFERENCES, **custom},
        feature_flags=dict(plan.features),
        defaults_applied=len(DEFAULT_PREFERENCES.keys() - custom.keys()),
        customizations=len(custom),
        status="initialized",
        created_at=now.isoformat(),
    )


def send_welcome_sequence(
    account: UserAccount,
    billing: BillingProfile,
    outbox: Outbox,
    *,
    message_key: str,
    now: datetime,
) -> WelcomeSequence:
    """Welcome and verification e-mails, an in-app onboarding note, and a trial e-mail if any."""
    first_name = account.full_name.split()[0]
    drafts = [
        ("email", "welcome", f"Welcome to the {account.plan} plan, {first_name}!"),
        (
            "email",
            "verify_email",
            f"Confirm your address with code {account.verification_token[-6:]}",
        ),
        ("in_app", "onboarding", "Three steps to set up your first project"),
    ]
    if billing.status == "trial":
        drafts.append(("email", "trial_started", f"Your trial runs until {billing.trial_end}"))
    messages = []
    for channel, template, subject in drafts:
        stored, _ = outbox.deliver(
            message_key=f"{message_key}:{template}",
            workflow="microservices/user_registration",
            channel=channel,
            recipient=account.email,
            subject=subject,
            body=f"{subject}\n\n(user {account.username})",
            template=template,
            created_at=now.isoformat(),
        )
        messages.append(
            WelcomeMessage(
                channel=channel, template=template, message_id=stored.message_id, status="sent"
            )
        )
    return WelcomeSequence(
        sequence_id="seq_" + stable_hex("welcome", message_key),
        user_id=account.user_id,
        plan=account.plan,
        messages=messages,
        messages_sent=len(messages),
        channels_used=sorted({m.channel for m in messages}),
        status="sent",
        sent_at=now.isoformat(),
    )


def activate(
    account: UserAccount, billing: BillingProfile, welcome: WelcomeSequence, *, now: datetime
) -> UserActivation:
    return UserActivation(
        user_id=account.user_id,
        email=account.email,
        plan=account.plan,
        status="active",
        account_status="active",
        billing_status=billing.status,
        welcome_messages_sent=welcome.messages_sent,
        registration_complete=True,
        services_completed=["accounts", "billing", "preferences", "messaging"],
        activated_at=now.isoformat(),
    )
