"""Checking a task context against a template's input_schema in the new-task editor."""

from __future__ import annotations

from console.json_schema import example_for, schema_errors

CHECKOUT = {
    "type": "object",
    "required": ["customer_email", "cart_items"],
    "properties": {
        "customer_email": {"type": "string", "pattern": "@"},
        "cart_items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["sku", "quantity"],
                "properties": {
                    "sku": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1},
                },
            },
        },
        "priority": {"enum": ["low", "high"]},
    },
}


def test_a_valid_context_has_no_errors():
    context = {"customer_email": "ada@example.com", "cart_items": [{"sku": "A", "quantity": 2}]}
    assert schema_errors(context, CHECKOUT) == []


def test_each_mistake_is_one_line_naming_where_it_is():
    context = {
        "customer_email": "nobody",
        "cart_items": [{"sku": 7, "quantity": 0}],
        "priority": "x",
    }
    assert schema_errors(context, CHECKOUT) == [
        "$.customer_email: must match @",
        "$.cart_items[0].sku: expected string, got integer",
        "$.cart_items[0].quantity: must be at least 1",
        "$.priority: must be one of 'low', 'high'",
    ]


def test_missing_and_unexpected_properties():
    schema = {**CHECKOUT, "additionalProperties": False}
    assert schema_errors({"cart_items": [], "coupon": "X"}, schema) == [
        "$: missing required property 'customer_email'",
        "$.cart_items: needs at least 1 items",
        "$: unexpected property 'coupon'",
    ]


def test_booleans_are_not_numbers_and_whole_floats_are_integers():
    assert schema_errors(True, {"type": "integer"}) == ["$: expected integer, got boolean"]
    assert schema_errors(2.0, {"type": "integer"}) == []
    assert schema_errors(None, {"type": ["string", "null"]}) == []


def test_combinations():
    either = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert schema_errors(1, either) == []
    assert schema_errors([], either) == ["$: matches none of the allowed shapes (anyOf)"]


def test_no_schema_accepts_anything():
    assert schema_errors({"x": 1}, None) == []
    assert schema_errors({"x": 1}, {}) == []


def test_the_editor_starts_from_every_property_and_one_element_of_each_list():
    assert example_for(CHECKOUT) == {
        "customer_email": "",
        "cart_items": [{"sku": "", "quantity": 0}],
        "priority": "low",
    }
    assert example_for(None) == {}
    nullable = {"type": "object", "properties": {"note": {"type": ["null", "string"]}}}
    assert example_for(nullable) == {"note": ""}
