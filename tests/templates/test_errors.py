"""Every kind of template error is one line: ``file:line: what is wrong; how to fix it``.

Each file in tests/fixtures/templates/errors/ starts with ``# expect: <text after the path>``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.templates import TemplateError, load_template, load_template_text

ERRORS = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "errors"
CASES = sorted(ERRORS.glob("*.yaml"))


def expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} needs an '# expect:' first line"
    return first.removeprefix("# expect: ")


def test_every_error_kind_has_a_case() -> None:
    names = {p.stem for p in CASES}
    assert {
        "yaml_syntax",
        "missing_name",
        "missing_namespace",
        "missing_version",
        "duplicate_step",
        "checkout",  # a dependency on a missing step
        "self_dependency",
        "cycle",
        "empty_callable",
        "decision_without_dependency",
    } <= names


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_error_message_names_file_line_and_fix(path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    message = str(caught.value)
    assert message == f"{path}{expected(path)}"
    assert "\n" not in message
    assert caught.value.source == str(path)


def test_error_parts_are_kept_apart() -> None:
    text = (ERRORS / "checkout.yaml").read_text()
    with pytest.raises(TemplateError) as caught:
        load_template_text(text, "checkout.yaml")
    error = caught.value
    assert (error.source, error.line) == ("checkout.yaml", 14)
    assert error.message.startswith("step 'pay' depends on 'valdate_cart'")
    assert str(error) == f"checkout.yaml:14: {error.message}"


def test_the_first_problem_in_the_file_is_reported() -> None:
    text = """\
name: c
namespace_name: s
version: 1.0.0
steps:
  - name: a
    handler: {callable: h}
    dependencies: [ghost]
  - name: a
    handler: {callable: ''}
"""
    with pytest.raises(TemplateError, match=r"^t\.yaml:7: step 'a' depends on 'ghost'"):
        load_template_text(text, "t.yaml")


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(tmp_path / "absent.yaml")
    assert (
        str(caught.value)
        == f"{tmp_path / 'absent.yaml'}: cannot read the file: No such file or directory"
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(TemplateError) as caught:
        load_template(binary)
    assert str(caught.value) == f"{binary}: is not UTF-8 text; save it as UTF-8"


def test_yaml_tags_never_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"name: x\nmetadata: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(TemplateError, match="remove the tag"):
        load_template_text(text, "t.yaml")
    assert not marker.exists()


def test_a_recursive_anchor_is_an_error_not_a_crash() -> None:
    text = "name: x\nnamespace_name: s\nversion: 1.0.0\nsteps: &s [*s]\n"
    with pytest.raises(TemplateError, match=r"^t\.yaml:4: step 1 is "):
        load_template_text(text, "t.yaml")
