"""The search language, pure: what a query says, the one-line errors, what the index holds."""

from __future__ import annotations

import pytest

from engine.search_query import (
    SearchQueryError,
    Term,
    context_terms,
    error_terms,
    matched_fields,
    parse,
)


def test_fields_states_context_paths_and_free_words() -> None:
    query = parse("code:GATEWAY_TIMEOUT  step:process_payment state:Blocked "
                  "ctx.customer.email:A@B.com alice")  # fmt: skip
    assert query.terms == (
        Term("code", "gateway_timeout"),
        Term("step", "process_payment"),
        Term("state", "blocked"),
        Term("ctx", "a@b.com", "customer.email"),
        Term("word", "alice"),
    )
    assert query.terms[3].field == "ctx.customer.email"
    assert not parse("   ")


def test_a_bare_state_word_is_a_state_and_quoted_it_is_text() -> None:
    assert parse("Blocked waiting error").terms == (
        Term("state", "blocked"), Term("state", "waiting"), Term("state", "error")
    )  # fmt: skip
    assert parse('"error"').terms == (Term("word", "error"),)
    assert parse("co").terms == (Term("word", "co"),)  # too short to be taken for a state


def test_quotes_keep_spaces_and_make_a_colon_free_text() -> None:
    assert parse('"card declined"').terms == (Term("word", "card declined"),)
    assert parse('"timeout: 30s"').terms == (Term("word", "timeout: 30s"),)
    assert parse('ctx.note:"two words"').terms == (Term("ctx", "two words", "note"),)
    assert parse("https://shop.example/x").terms[0].kind == "word"  # not a field name


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("code:", "'code:' needs a value, as in code:GATEWAY_TIMEOUT"),
        ("ctx.:x", "'ctx.:' names no key"),
        ("ctx.a..b:x", "names no key"),
        ("colour:red", "unknown field 'colour:'; use code:, step:, state: or ctx.KEY:"),
        ("state:sleepy", "no task state starts with 'sleepy'"),
        ('"unclosed', "a quote is not closed"),
        ('""', "empty quotes"),
        (" ".join(["w"] * 17), "too many words in the search (17; at most 16)"),
    ],
)
def test_a_malformed_query_is_one_line_saying_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(SearchQueryError) as caught:
        parse(text)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_the_index_holds_what_an_operator_may_see_of_a_context() -> None:
    context = {
        "customer": {"email": "a@b.com", "apiKey": "k-123456"},
        "items": [{"sku": "RED-1"}, {"sku": "BLUE-2"}, {"sku": "RED-1"}],
        "card": "4242424242424242",
        "note": "token k-123456 pay 4111 1111 1111 1111",
        "paid": True,
        "total": 36.5,
        "none": None,
    }
    assert context_terms(context) == [
        ("ctx.customer.email", "a@b.com"),
        ("ctx.items.sku", "RED-1"),
        ("ctx.items.sku", "BLUE-2"),
        ("ctx.note", "token •••• pay ••••1111"),
        ("ctx.paid", "true"),
        ("ctx.total", "36.5"),
    ]


def test_an_error_adds_its_step_code_class_and_masked_message() -> None:
    error = {"error_type": "permanent_error", "error_code": "PAYMENT_DECLINED",
             "message": "declined with token s3cr3t-t0ken"}  # fmt: skip
    assert error_terms("Process_Payment", error, ("s3cr3t-t0ken",)) == [
        ("step", "process_payment"),
        ("code", "payment_declined"),
        ("error_type", "permanent_error"),
        ("error", "declined with token ••••"),
    ]
    assert error_terms("x", None, ()) == []


def test_the_matched_fields_follow_the_query_order() -> None:
    row = {"task_uuid": "0191abcd", "namespace": "shop", "name": "checkout", "version": "1",
           "status": "blocked_by_failures", "initiator": "web"}  # fmt: skip
    alice, clined = parse("alice").terms[0], parse("clined").terms[0]
    words = {alice: {"0191abcd": "ctx.customer.email"}, clined: {"0191abcd": "code"}}
    assert matched_fields(parse("code:PAYMENT_DECLINED alice"), row, words) == (
        "code, ctx.customer.email"
    )
    assert matched_fields(parse("clined"), row, words) == "code"
    assert matched_fields(parse("blocked checkout"), row, words) == "state, name"
    assert matched_fields(parse("0191 web"), row, words) == "id, initiator"
    assert matched_fields(parse("ctx.a.b:x step:s"), row, words) == "ctx.a.b, step"
