"""The one masking rule (``engine.masking``) of the CLI and the console."""

from __future__ import annotations

import pytest

from engine.masking import (
    MASK,
    card_digits,
    is_sensitive,
    mask_value,
    masked,
    masked_cards,
    masked_text,
    secret_values,
)

SECRET_KEYS = [
    "apiKey", "api_key", "api-key", "API_KEY", "ApiKey", "x-api-key", "passwd", "pwd",
    "password", "userPassword", "private_key", "privateKey", "cvv", "CVC", "ssn", "pin",
    "PIN", "cookie", "Set-Cookie", "auth", "authorization", "Authorization", "token",
    "accessToken", "refresh_token", "gift_token", "secret", "clientSecret", "card_number",
    "cardNumber", "credit-card", "card", "credentials", "otp", "iban", "session_id",
    "db.password", "passphrase",
]  # fmt: skip
PLAIN_KEYS = [
    "order_id", "key", "idempotency_key", "author", "shipping", "passenger", "spin",
    "pinned", "amount", "email", "customer", "status", "sort_key", "compass",
]  # fmt: skip


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_keys_are_recognised_in_any_case_and_style(key: str) -> None:
    assert is_sensitive(key)


@pytest.mark.parametrize("key", PLAIN_KEYS)
def test_ordinary_keys_are_not_masked(key: str) -> None:
    assert not is_sensitive(key)


def test_values_of_any_type_are_masked_and_only_cards_keep_their_last_four() -> None:
    context = {
        "password": "hunter2-long-password",
        "pin": 4321,
        "cvv": 123,
        "apiKey": {"live": "sk_live_abc", "test": "sk_test_def"},
        "tokens": ["a", "b"],
        "enabled_auth": True,
        "card_number": "4111 1111 1111 1111",
        "cardNumber": 5555555555554444,
        "nothing_secret": None,
        "order_id": "ord_1",
    }
    shown = masked(context)
    assert shown["password"] == MASK  # no character of a password
    assert shown["pin"] == MASK and shown["cvv"] == MASK
    assert shown["apiKey"] == MASK and shown["tokens"] == MASK
    assert shown["enabled_auth"] == MASK
    assert shown["card_number"] == "••••1111" and shown["cardNumber"] == "••••4444"
    assert shown["order_id"] == "ord_1"
    assert context["password"] == "hunter2-long-password"  # a copy; the data is unchanged


def test_card_like_numbers_are_masked_anywhere() -> None:
    assert card_digits("4242-4242-4242-4242") == "4242424242424242"
    assert card_digits(378282246310005) == "378282246310005"  # Amex, 15 digits
    assert card_digits("4111111111111112") is None  # fails the Luhn check
    assert card_digits(1765116000123) is None  # a millisecond timestamp
    assert card_digits("4222222222222") == "4222222222222"  # a 13-digit Visa
    assert card_digits(True) is None
    text = "charged 4111 1111 1111 1111 then 6011-1111-1111-1117; ref 12345678901234567890"
    assert masked_cards(text) == "charged ••••1111 then ••••1117; ref 12345678901234567890"
    assert masked_cards("card 4111 1111 1111 1111 2 items") == "card ••••1111 2 items"
    assert masked({"amount_cents": 4242424242424242, "n": 12}) == {
        "amount_cents": "••••4242",
        "n": 12,
    }
    assert mask_value("4242424242424242") == "••••4242"


def test_secret_values_come_from_the_whole_task_and_are_masked_where_quoted() -> None:
    task = {
        "context": {"api_token": "tok_live_51SECRET", "pin": 4321, "cvv": "123"},
        "steps": [{"results": {"session": {"accessToken": "at_from_results_99"}}}],
    }
    secrets = secret_values(task)
    assert secrets == ("at_from_results_99", "tok_live_51SECRET", "4321")  # longest first
    message = "refused tok_live_51SECRET; retried with at_from_results_99 pin 4321 (cvv 123)"
    assert masked_text(message, secrets) == "refused ••••; retried with •••• pin •••• (cvv 123)"
    # A short secret is masked where it stands alone, not inside another number or word.
    assert masked_text("order 143210 pin:4321", secrets) == "order 143210 pin:••••"
    error = {
        "error": {"message": "token at_from_results_99 expired"},
        "reason": "at_from_results_99",
    }
    assert masked(error, secrets) == {"error": {"message": "token •••• expired"}, "reason": "••••"}


def test_a_uuid_whose_digit_groups_chain_like_a_card_is_left_whole() -> None:
    task_uuid = "01a251d9-a123-4242-4242-424242424242"  # 4242-4242-424242424242: Luhn-valid
    assert masked_cards(task_uuid) == task_uuid
    assert (
        masked_cards(f"card 4242 4242 4242 4242 of {task_uuid}") == f"card ••••4242 of {task_uuid}"
    )
