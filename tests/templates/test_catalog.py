"""The catalog: shipped folder plus extra folders, duplicates, version selection, lookups."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.templates import TemplateCatalog, TemplateError, TemplateNotFound, TemplateUnavailable
from engine.templates.catalog import version_key

CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "catalog"
SHIPPED, EXTRA, CLASH = CATALOG / "shipped", CATALOG / "extra", CATALOG / "clash"


def test_two_folders_are_walked_recursively() -> None:
    catalog = TemplateCatalog.load([SHIPPED, EXTRA])
    assert [t.key for t in catalog.all()] == [
        ("payments", "refund", "1.0.0"),
        ("shop", "checkout", "1.9.0"),
        ("shop", "checkout", "1.10.0"),
        ("shop", "checkout", "2.0.0-rc.1"),
    ]
    assert catalog.get("payments", "refund").source_path == str(SHIPPED / "nested" / "refund.yaml")


def test_hidden_folders_and_other_files_are_skipped() -> None:
    versions = [t.version for t in TemplateCatalog.load([EXTRA]).all()]
    assert "9.9.9" not in versions  # extra/.hidden/checkout_ignored.yaml


def test_highest_version_compares_as_versions() -> None:
    catalog = TemplateCatalog.load([SHIPPED, EXTRA])
    assert catalog.get("shop", "checkout").version == "2.0.0-rc.1"
    assert (
        TemplateCatalog.load([SHIPPED, EXTRA / "checkout_1_10.yml"]).get("shop", "checkout").version
        == "1.10.0"
    )
    assert catalog.get("shop", "checkout", "1.9.0").source_path == str(
        SHIPPED / "checkout_1_9.yaml"
    )


def test_version_order() -> None:
    ordered = ["0.9", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "v2.0.0", "10.0.0"]
    assert sorted(reversed(ordered), key=version_key) == ordered


def test_the_same_template_in_two_files_names_both() -> None:
    with pytest.raises(TemplateError) as caught:
        TemplateCatalog.load([SHIPPED, CLASH])
    first, second = SHIPPED / "checkout_1_9.yaml", CLASH / "checkout_copy.yaml"
    assert str(caught.value) == (
        f"{second}: defines shop/checkout@1.9.0, which {first} already defines; "
        "remove one file or change its version"
    )


def test_a_folder_given_twice_is_read_once(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path / "t")
    catalog = TemplateCatalog.load([tmp_path / "t", tmp_path / "t" / ".." / "t"])
    assert len(catalog.all()) == 2


def test_a_bad_file_stops_the_catalog_with_its_error(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path / "t")
    (tmp_path / "t" / "broken.yaml").write_text("name: x\nnamespace_name: s\nsteps: []\n")
    with pytest.raises(TemplateError, match=r"broken\.yaml:1: missing version"):
        TemplateCatalog.load([tmp_path / "t"])


def test_skipping_invalid_files_keeps_the_valid_ones_and_each_problem(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path / "t")
    (tmp_path / "t" / "broken.yaml").write_text("name: x\nnamespace_name: shop\nsteps: []\n")
    (tmp_path / "t" / "garbled.yaml").write_text("name: [\n")
    catalog = TemplateCatalog.load([tmp_path / "t"], skip_invalid=True)
    assert len(catalog.all()) == 2
    found = [(Path(p.error.source).name, p.error.line, p.defines) for p in catalog.problems]
    assert found == [("broken.yaml", 1, ("shop", "x", None)), ("garbled.yaml", 1, None)]
    with pytest.raises(TemplateUnavailable, match=r"template shop/x could not be loaded: .*broken"):
        catalog.get("shop", "x")
    with pytest.raises(TemplateNotFound, match=r"could not be loaded, such as .*garbled\.yaml:1"):
        catalog.get("shop", "nothing_like_it")
    assert [p.reported for p in catalog.problems] == [True, True]
    assert catalog.unreported_problems() == []


def test_a_skipped_higher_version_is_not_replaced_by_a_lower_one(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path / "t")
    newest = (SHIPPED / "checkout_1_9.yaml").read_text().replace("1.9.0", "7.0.0")
    (tmp_path / "t" / "newest.yaml").write_text(newest + "\nbogus: [\n")
    catalog = TemplateCatalog.load([tmp_path / "t"], skip_invalid=True)
    with pytest.raises(TemplateUnavailable, match="shop/checkout could not be loaded"):
        catalog.get("shop", "checkout")
    assert catalog.get("shop", "checkout", "1.9.0").version == "1.9.0"


def test_a_template_in_two_files_is_nobodys_when_skipping() -> None:
    catalog = TemplateCatalog.load([SHIPPED, CLASH], skip_invalid=True)
    with pytest.raises(TemplateUnavailable, match="already defines"):
        catalog.get("shop", "checkout", "1.9.0")


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        TemplateCatalog.load([tmp_path / "nope"])
    assert str(caught.value) == (
        f"{tmp_path / 'nope'}: does not exist; check --templates and TASKER_TEMPLATE_PATH"
    )


def test_unknown_version_lists_the_known_ones() -> None:
    catalog = TemplateCatalog.load([SHIPPED, EXTRA])
    with pytest.raises(TemplateNotFound) as caught:
        catalog.get("shop", "checkout", "3.0.0")
    assert str(caught.value) == (
        "no template shop/checkout@3.0.0; its versions are 1.9.0, 1.10.0, 2.0.0-rc.1"
    )
    assert isinstance(caught.value, KeyError) and caught.value.args == (str(caught.value),)


def test_unknown_name_suggests_close_names() -> None:
    catalog = TemplateCatalog.load([SHIPPED, EXTRA])
    with pytest.raises(TemplateNotFound) as caught:
        catalog.get("shop", "chekout")
    assert str(caught.value) == "no template shop/chekout; did you mean shop/checkout?"
    with pytest.raises(TemplateNotFound, match="see 'tasker template list'"):
        catalog.get("zzz", "qqq")


def test_warnings_are_collected_and_environment_applied() -> None:
    catalog = TemplateCatalog.load([SHIPPED], environment="test")
    assert catalog.get("payments", "refund").step("refund").timeout_seconds == 2
    assert TemplateCatalog.load([SHIPPED]).get("payments", "refund").steps[0].timeout_seconds == 60
    assert catalog.warnings == []
