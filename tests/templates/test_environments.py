"""``environments`` overrides with Tasker's merge rules (tasker-behaviour §1.8)."""

from __future__ import annotations

from pathlib import Path

from engine.templates import RetryConfiguration, load_template, load_template_text

FULL = (
    Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "valid" / "full_featured.yaml"
)
TEMPLATE = """\
name: checkout
namespace_name: shop
version: 1.0.0
steps:
  - name: validate
    handler: {callable: shop.validate}
    timeout_seconds: 10
  - name: pay
    handler:
      callable: shop.pay
      initialization: {url: https://pay.example, keep: 1}
    retry: {max_attempts: 5, backoff: linear, backoff_base_ms: 500, max_backoff_ms: 9000}
    timeout_seconds: 30
    dependencies: [validate]
environments:
  test:
    steps:
      - name: ALL
        timeout_seconds: 5
      - name: pay
        handler: {initialization: {url: http://localhost:9000}}
        retry: {max_attempts: 2}
      - name: no_such_step
        timeout_seconds: 1
  quiet:
    steps:
      - name: pay
        timeout_seconds:
        retry:
        handler:
  empty:
"""


def resolved(environment: str):
    return load_template_text(TEMPLATE, "t.yaml", environment=environment).template


def test_initialization_is_merged_override_keys_win() -> None:
    pay = resolved("test").step("pay")
    assert pay.handler.initialization == {"url": "http://localhost:9000", "keep": 1}
    assert pay.handler.callable == "shop.pay"


def test_all_applies_to_every_step_and_timeout_replaces() -> None:
    t = resolved("test")
    assert [s.timeout_seconds for s in t.steps] == [5, 5]


def test_retry_replaces_the_whole_object_through_defaults() -> None:
    pay = resolved("test").step("pay")
    assert pay.retry == RetryConfiguration(max_attempts=2)
    assert (pay.retry.backoff, pay.retry.backoff_base_ms, pay.retry.max_backoff_ms) == (
        "exponential",
        None,
        None,
    )


def test_unknown_step_names_are_ignored_and_warned_about() -> None:
    loaded = load_template_text(TEMPLATE, "t.yaml", environment="test")
    assert [s.name for s in loaded.template.steps] == ["validate", "pay"]
    assert any("overrides 'no_such_step'" in str(w) for w in loaded.warnings)


def test_null_overrides_change_nothing() -> None:
    assert resolved("quiet").steps == load_template_text(TEMPLATE).template.steps
    assert resolved("empty").steps == load_template_text(TEMPLATE).template.steps


def test_an_environment_the_template_lacks_changes_nothing() -> None:
    assert resolved("production") == load_template_text(TEMPLATE, "t.yaml").template


def test_without_an_environment_the_base_values_stay() -> None:
    pay = load_template_text(TEMPLATE).template.step("pay")
    assert (pay.timeout_seconds, pay.retry.max_attempts) == (30, 5)
    assert pay.handler.initialization["url"] == "https://pay.example"


def test_overrides_apply_in_the_order_written() -> None:
    text = TEMPLATE.replace(
        "      - name: no_such_step\n",
        "      - name: ALL\n        timeout_seconds: 7\n      - name: x\n",
    )
    assert [
        s.timeout_seconds for s in load_template_text(text, environment="test").template.steps
    ] == [7, 7]


def test_resolved_for_leaves_the_original_alone() -> None:
    base = load_template(FULL).template
    test = base.resolved_for("test")
    assert test.step("charge").handler.initialization == {"gateway": "fake", "timeout_ms": 2500}
    assert test.step("charge").retry == RetryConfiguration(max_attempts=1)
    assert [s.timeout_seconds for s in test.steps] == [5] * len(test.steps)
    assert base.step("charge").handler.initialization["gateway"] == "sandbox"
    assert base.step("charge").timeout_seconds == 20
