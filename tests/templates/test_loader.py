"""The loader: one-line errors with file and line, warnings, defaults, aliases, environments."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.templates import StepType, TemplateError, load_template, load_template_text

GOOD = """\
name: checkout
namespace_name: shop
version: 1.0.0
steps:
  - name: validate_cart
    handler:
      callable: shop_validate
  - name: pay
    handler:
      callable: shop_pay
    dependencies: [validate_cart]
"""


def load(text: str, **kw):
    return load_template_text(textwrap.dedent(text), "t.yaml", **kw)


ERRORS = [
    ("name: x\nnamespace_name: [unclosed\n", "t.yaml:2: YAML syntax error"),
    ("namespace_name: s\nversion: 1\nsteps: []\n", "t.yaml:1: missing name; add a top-level"),
    ("name: n\nversion: 1\nsteps: []\n", "missing namespace_name"),
    ("name: n\nnamespace_name: s\nsteps: []\n", "missing version"),
    ("- just\n- a list\n", "t.yaml:1: a task template must be a YAML mapping"),
    (
        GOOD.replace("name: pay", "name: validate_cart"),
        "t.yaml:8: step name 'validate_cart' is used twice",
    ),
    (
        GOOD.replace("[validate_cart]", "[valdate_cart]"),
        "t.yaml:11: step 'pay' depends on 'valdate_cart', which is not a step of this template",
    ),
    (GOOD.replace("[validate_cart]", "[pay]"), "t.yaml:11: step 'pay' depends on itself"),
    (
        GOOD.replace("callable: shop_pay", "callable: ' '"),
        "t.yaml:10: step 'pay' has an empty handler.callable",
    ),
    (GOOD.replace("    handler:\n      callable: shop_pay\n", ""), "missing steps.1.handler"),
    (
        GOOD.replace(
            "  - name: validate_cart\n    handler:\n      callable: shop_validate\n",
            "  - name: validate_cart\n    handler:\n      callable: shop_validate\n"
            "    dependencies: [pay]\n",
        ),
        "dependency cycle",
    ),
    (GOOD + "    retry: {backoff: quadratic}\n", "t.yaml:12: steps.1.retry.backoff"),
    (
        GOOD.replace("  - name: pay", "  - name: pay\n    type: decision").replace(
            "    dependencies: [validate_cart]\n", ""
        ),
        "decision step 'pay' needs at least one",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors_are_one_line_with_file_and_line(text: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template_text(text, "t.yaml")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("t.yaml")


def test_a_cycle_names_its_steps() -> None:
    text = """\
    name: c
    namespace_name: s
    version: 1.0.0
    steps:
      - {name: a, handler: {callable: h}, dependencies: [c]}
      - {name: b, handler: {callable: h}, dependencies: [a]}
      - {name: c, handler: {callable: h}, dependencies: [b]}
    """
    with pytest.raises(TemplateError, match=r"dependency cycle (\w → ){3}\w; remove one"):
        load(text)


def test_unknown_keys_and_out_of_range_values_warn() -> None:
    text = (
        GOOD
        + "    retry: {max_attempts: 500, limit: 3}\n    timeout_seconds: 0\n"
        + "task_handler: {callable: X}\n"
    )
    warnings = [str(w) for w in load(text).warnings]
    assert any(
        "t.yaml:14: warning: keys Tasker ignores in the template: task_handler" == w
        for w in warnings
    ), warnings
    assert any("retry, ignored: limit" in w for w in warnings)
    assert any("max_attempts 500 is outside Tasker's 1–100" in w for w in warnings)
    assert any("timeout_seconds 0 is outside" in w for w in warnings)


def test_retry_defaults_follow_tasker() -> None:
    omitted = load(GOOD).template.step("pay").retry
    assert (omitted.max_attempts, omitted.backoff_base_ms, omitted.max_backoff_ms) == (
        3,
        1000,
        30000,
    )
    given = load(GOOD + "    retry: {max_attempts: 2}\n").template.step("pay").retry
    assert (given.max_attempts, given.backoff_base_ms, given.retryable) == (2, None, True)


def test_aliases_depends_on_and_step_type() -> None:
    text = GOOD.replace("dependencies:", "depends_on:") + "    step_type: batchable\n"
    step = load(text).template.step("pay")
    assert step.dependencies == ["validate_cart"] and step.type is StepType.BATCHABLE


def test_environment_overrides_use_tasker_merge_rules() -> None:
    text = (
        GOOD.replace(
            "      callable: shop_pay\n",
            "      callable: shop_pay\n      initialization: {url: prod, keep: 1}\n",
        )
        + """\
    retry: {max_attempts: 5, backoff_base_ms: 500}
    timeout_seconds: 30
environments:
  test:
    steps:
      - name: ALL
        timeout_seconds: 5
      - name: pay
        handler: {initialization: {url: sandbox}}
        retry: {max_attempts: 2}
      - name: no_such_step
        timeout_seconds: 1
"""
    )
    pay = load(text, environment="test").template.step("pay")
    assert pay.handler.initialization == {"url": "sandbox", "keep": 1}
    assert pay.timeout_seconds == 5
    assert (pay.retry.max_attempts, pay.retry.backoff_base_ms) == (2, None)  # whole object
    assert load(text).template.step("pay").retry.max_attempts == 5


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read the file"):
        load_template(tmp_path / "absent.yaml")
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_template(binary)


def test_yaml_is_loaded_safely() -> None:
    text = GOOD + "metadata: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(TemplateError, match="YAML syntax error"):
        load(text)
