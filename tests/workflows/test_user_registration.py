"""microservices/user_registration: sign-up rules, plans, and runs through the handlers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tasker_workflows.errors import BusinessRuleError
from tasker_workflows.microservices import services as svc
from tasker_workflows.microservices.models import RegistrationInput
from tasker_workflows.outbox import Outbox

from tests.workflows.local_runner import run_template

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def signup(**overrides):
    return {
        "email": "ada@example.com",
        "full_name": "Ada Lovelace",
        "plan": "professional",
        **overrides,
    }


def account(**overrides):
    return svc.create_account(RegistrationInput.model_validate(signup(**overrides)), now=NOW)


def test_account_takes_its_username_from_the_email():
    created = account(email="Ada.L@Example.com")
    assert (created.username, created.email, created.status) == (
        "ada.l",
        "ada.l@example.com",
        "created",
    )
    assert created.user_id == account(email="ada.l@example.com").user_id  # stable per e-mail
    assert account(username="countess").username == "countess"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"email": "not-an-email"}, "INVALID_EMAIL"),
        ({"email": None}, "INVALID_EMAIL"),
        ({"email": "a@tempmail.com"}, "BLOCKED_EMAIL_DOMAIN"),
        ({"email": "a@throwaway.email"}, "BLOCKED_EMAIL_DOMAIN"),
        ({"email": "a@mailinator.com"}, "BLOCKED_EMAIL_DOMAIN"),
        ({"email": "a@corp.blocked.test"}, "BLOCKED_EMAIL_DOMAIN"),
        ({"full_name": "A"}, "INVALID_NAME"),
        ({"full_name": "  "}, "INVALID_NAME"),
        ({"email": "admin@example.com"}, "RESERVED_USERNAME"),
        ({"username": "Support"}, "RESERVED_USERNAME"),
        ({"plan": "platinum"}, "UNKNOWN_PLAN"),
    ],
)
def test_sign_up_rules_fail_permanently(overrides, code):
    with pytest.raises(BusinessRuleError) as caught:
        account(**overrides)
    assert caught.value.code == code


def test_an_existing_user_is_an_idempotent_success():
    assert account(email="existing@example.com").status == "already_exists"


@pytest.mark.parametrize(
    ("plan", "status", "price", "trial_end"),
    [
        ("starter", "not_required", 0.0, None),
        ("free", "not_required", 0.0, None),
        ("professional", "trial", 29.99, "2026-03-16"),
        ("pro", "trial", 29.99, "2026-03-16"),
        ("enterprise", "trial", 99.99, "2026-04-01"),
    ],
)
def test_billing_follows_the_plan(plan, status, price, trial_end):
    billing = svc.setup_billing(account(plan=plan), now=NOW)
    assert (billing.status, billing.price, billing.trial_end) == (status, price, trial_end)
    assert billing.billing_required is (price > 0)


def test_preferences_default_by_plan_and_custom_values_win():
    prefs = svc.initialize_preferences(
        account(plan="starter"), {"theme": "dark", "beta": True}, now=NOW
    )
    assert prefs.preferences["theme"] == "dark" and prefs.preferences["beta"] is True
    assert prefs.preferences["language"] == "en"
    assert prefs.customizations == 2 and prefs.defaults_applied == 6
    assert prefs.feature_flags == {"advanced_reports": False, "api_access": False, "sso": False}
    assert svc.initialize_preferences(account(plan="enterprise"), None, now=NOW).feature_flags[
        "sso"
    ]


@pytest.mark.parametrize(
    ("plan", "templates"),
    [
        ("starter", ["welcome", "verify_email", "onboarding"]),
        ("professional", ["welcome", "verify_email", "onboarding", "trial_started"]),
    ],
)
def test_welcome_sequence_lands_in_the_outbox_once(tmp_path, plan, templates):
    user = account(plan=plan)
    billing = svc.setup_billing(user, now=NOW)
    outbox = Outbox(tmp_path / "outbox.db")
    sent = svc.send_welcome_sequence(user, billing, outbox, message_key="t:welcome", now=NOW)
    svc.send_welcome_sequence(user, billing, outbox, message_key="t:welcome", now=NOW)
    assert [m.template for m in sent.messages] == templates
    assert [m.template for m in outbox.messages()] == templates
    assert sent.channels_used == ["email", "in_app"]


# --- through the handlers -------------------------------------------------------------------


async def test_happy_path_activates_the_user(outbox_file):
    run = await run_template("microservices", "user_registration", signup())
    assert run.status == "complete" and len(run.steps) == 5
    final = run.steps["update_user_status"].results
    assert (final["status"], final["billing_status"], final["welcome_messages_sent"]) == (
        "active",
        "trial",
        4,
    )
    assert {m.recipient for m in Outbox(outbox_file).messages()} == {"ada@example.com"}


async def test_existing_user_runs_through_as_already_exists(outbox_file):
    run = await run_template(
        "microservices", "user_registration", signup(email="existing@example.com")
    )
    assert run.status == "complete"
    assert run.steps["create_user_account"].results["status"] == "already_exists"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"email": "a@mailinator.com"}, "BLOCKED_EMAIL_DOMAIN"),
        ({"email": "root@example.com"}, "RESERVED_USERNAME"),
        ({"plan": "gold"}, "UNKNOWN_PLAN"),
        ({"email": "bad"}, "INVALID_EMAIL"),
        ({"full_name": "X"}, "INVALID_NAME"),
    ],
)
async def test_rejected_sign_ups_block_the_task_at_the_first_step(outbox_file, overrides, code):
    run = await run_template("microservices", "user_registration", signup(**overrides))
    first = run.steps["create_user_account"]
    assert (first.state, first.attempts, first.error.error_code) == ("error", 1, code)
    assert {s.state for n, s in run.steps.items() if n != "create_user_account"} == {"pending"}
    assert Outbox(outbox_file).messages() == []


async def test_preferences_of_the_wrong_type_are_a_validation_error(outbox_file):
    run = await run_template("microservices", "user_registration", signup(preferences=["dark"]))
    assert run.steps["create_user_account"].error.error_type == "validation_error"
