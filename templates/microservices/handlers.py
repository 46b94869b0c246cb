"""User registration's Tasker handlers (thin: they call ``services``).

Registered names: ``microservices_create_user_account``, ``microservices_setup_billing_profile``,
``microservices_initialize_preferences``, ``microservices_send_welcome_sequence``,
``microservices_update_user_status``.
"""

from __future__ import annotations

from tasker_core.step_handler.functional import depends_on, inputs, step_handler
from tasker_core.types import StepContext

from ..handler_support import classified_errors, required, utc_now
from ..outbox import Outbox, outbox_path
from . import services as svc
from .models import (
    BillingProfile,
    RegistrationInput,
    UserAccount,
    UserActivation,
    UserPreferences,
    WelcomeSequence,
)


@step_handler("microservices_create_user_account")
@inputs(RegistrationInput)
def create_user_account(inputs: RegistrationInput) -> UserAccount:
    with classified_errors():
        return svc.create_account(inputs, now=utc_now())


@step_handler("microservices_setup_billing_profile")
@depends_on(account=("create_user_account", UserAccount))
def setup_billing_profile(account: UserAccount | None) -> BillingProfile:
    with classified_errors():
        return svc.setup_billing(required(account, "create_user_account"), now=utc_now())


@step_handler("microservices_initialize_preferences")
@depends_on(account=("create_user_account", UserAccount))
@inputs(RegistrationInput)
def initialize_preferences(
    account: UserAccount | None, inputs: RegistrationInput
) -> UserPreferences:
    with classified_errors():
        return svc.initialize_preferences(
            required(account, "create_user_account"), inputs.preferences, now=utc_now()
        )


@step_handler("microservices_send_welcome_sequence")
@depends_on(
    account=("create_user_account", UserAccount),
    billing=("setup_billing_profile", BillingProfile),
    preferences=("initialize_preferences", UserPreferences),
)
def send_welcome_sequence(
    account: UserAccount | None,
    billing: BillingProfile | None,
    preferences: UserPreferences | None,
    context: StepContext,
) -> WelcomeSequence:
    required(preferences, "initialize_preferences")
    with classified_errors():
        return svc.send_welcome_sequence(
            required(account, "create_user_account"),
            required(billing, "setup_billing_profile"),
            Outbox(outbox_path(context.step_config)),
            message_key=f"{context.task_uuid}:send_welcome_sequence",
            now=utc_now(),
        )


@step_handler("microservices_update_user_status")
@depends_on(
    account=("create_user_account", UserAccount),
    billing=("setup_billing_profile", BillingProfile),
    welcome=("send_welcome_sequence", WelcomeSequence),
)
def update_user_status(
    account: UserAccount | None, billing: BillingProfile | None, welcome: WelcomeSequence | None
) -> UserActivation:
    return svc.activate(
        required(account, "create_user_account"),
        required(billing, "setup_billing_profile"),
        required(welcome, "send_welcome_sequence"),
        now=utc_now(),
    )
