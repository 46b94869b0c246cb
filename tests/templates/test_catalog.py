from __future__ import annotations

from pathlib import Path

import pytest

from engine.templates import TemplateCatalog, TemplateError, TemplateNotFound

TEMPLATE = """\
name: {name}
namespace_name: shop
version: {version}
steps:
  - {{name: a, handler: {{callable: h}}}}
"""


def write(folder: Path, file: str, name: str = "checkout", version: str = "1.0.0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file
    path.write_text(TEMPLATE.format(name=name, version=version))
    return path


def test_versions_and_lookup(tmp_path: Path) -> None:
    write(tmp_path / "a", "v1.yaml", version="1.9.0")
    write(tmp_path / "b", "v2.yml", version="1.10.0")
    catalog = TemplateCatalog.load([tmp_path / "a", tmp_path / "b"])
    assert catalog.get("shop", "checkout").version == "1.10.0"
    assert catalog.get("shop", "checkout", "1.9.0").version == "1.9.0"
    with pytest.raises(TemplateNotFound, match=r"versions: 1\.9\.0, 1\.10\.0"):
        catalog.get("shop", "checkout", "2.0.0")
    with pytest.raises(TemplateNotFound, match="did you mean shop/checkout"):
        catalog.get("shop", "chekout")


def test_the_same_key_in_two_files_names_both(tmp_path: Path) -> None:
    first = write(tmp_path / "a", "one.yaml")
    second = write(tmp_path / "b", "two.yaml")
    with pytest.raises(TemplateError) as caught:
        TemplateCatalog.load([tmp_path / "a", tmp_path / "b"])
    assert str(first) in str(caught.value) and str(second) in str(caught.value)


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="is not a folder"):
        TemplateCatalog.load([tmp_path / "nope"])
