"""Test material that is other people's work, kept outside the repository, and how tests find it.

Three sets, all from the public Tasker repositories (tests/compat/README.md says where):

- ``CORPUS``: Tasker's task-template corpus (170 YAML files);
- ``UPSTREAM_TESTS``: the real ``tasker_core`` package's own unit tests;
- ``TASKER_OPENAPI``: the OpenAPI 3.1 document of Tasker's orchestration REST API.

Each is looked for in its environment variable first (``TASKER_COMPAT_CORPUS``,
``TASKER_UPSTREAM_TESTS``, ``TASKER_OPENAPI``), then beside the repository (``../shared/compat/…``). A copy that is
found is checked once against its manifest in ``tests/compat/`` (every file's sha256), so a test
never passes or fails on somebody's edited copy.

When a set is absent, the tests that need it skip with one line saying what is missing and how to
get it; every other test runs. With ``TASKER_REQUIRE_COMPAT=1`` (CI sets it) an absent set fails
those tests instead: CI never passes by skipping.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
MANIFESTS = REPOSITORY / "tests" / "compat"
REQUIRE = "TASKER_REQUIRE_COMPAT"
_SKIPPED_NAMES = {"__pycache__", ".pytest_cache"}


class MaterialProblem(Exception):
    """A copy was found but cannot be used (wrong folder, or not the manifest's files)."""


@dataclass(frozen=True)
class Material:
    """One set of outside test material: where to look for it and what it must contain."""

    title: str
    env_var: str
    beside: tuple[str, ...]  # path parts under the folder that holds the repository
    manifest_name: str

    @property
    def manifest(self) -> Path:
        return MANIFESTS / self.manifest_name

    def expected(self) -> dict[str, str]:
        """The manifest: relative file name -> sha256."""
        return read_manifest(self.manifest)

    def names(self) -> list[str]:
        """The manifest's file names, sorted: known even where the material is absent."""
        return sorted(self.expected())

    def missing_line(self) -> str:
        where = "/".join(("..", *self.beside))
        return (
            f"{self.title} not found: set {self.env_var} to its folder or put it at {where} "
            f"beside the repository (tests/compat/README.md says where to get it)"
        )

    def path(self) -> Path:
        """The folder, checked against the manifest; skips the test (or fails it in CI) if absent."""
        problem = ""
        try:
            found = _located(self)
        except MaterialProblem as wrong:
            problem = str(wrong)
        if problem:
            pytest.fail(problem, pytrace=False)
        if found is None:
            if os.environ.get(REQUIRE) == "1":
                pytest.fail(f"{self.missing_line()} ({REQUIRE}=1)", pytrace=False)
            pytest.skip(self.missing_line())
        return found

    def file(self, name: str) -> Path:
        """One file of the material by its manifest name (skips like ``path``)."""
        return self.path() / name


CORPUS = Material(
    title="Tasker's template corpus",
    env_var="TASKER_COMPAT_CORPUS",
    beside=("shared", "compat", "templates"),
    manifest_name="corpus.sha256",
)
UPSTREAM_TESTS = Material(
    title="Tasker's Python unit tests",
    env_var="TASKER_UPSTREAM_TESTS",
    beside=("shared", "compat", "tasker-py-tests"),
    manifest_name="upstream-tests.sha256",
)
TASKER_OPENAPI = Material(
    title="Tasker's orchestration OpenAPI document",
    env_var="TASKER_OPENAPI",
    beside=("shared", "compat", "tasker-openapi"),
    manifest_name="tasker-openapi.sha256",
)
MATERIALS = (CORPUS, UPSTREAM_TESTS, TASKER_OPENAPI)


def corpus_template_names() -> list[str]:
    """The corpus's template file names (from its manifest, so known even without the corpus)."""
    return [name for name in CORPUS.names() if name.endswith((".yaml", ".yml"))]


def locate(material: Material) -> Path | None:
    """Where the material is, without checking its files: the variable's folder, or beside us."""
    given = os.environ.get(material.env_var)
    if given:
        folder = Path(given).expanduser()
        if not folder.is_dir():
            raise MaterialProblem(f"{material.env_var}={given} is not a folder: fix or unset it")
        return folder.resolve()
    beside = REPOSITORY.parent.joinpath(*material.beside)
    return beside.resolve() if beside.is_dir() else None


@functools.cache
def _located(material: Material) -> Path | None:
    folder = locate(material)
    if folder is not None:
        differences = compare(material.expected(), digest_folder(folder))
        if differences:
            raise MaterialProblem(
                f"{material.title} at {folder} is not the copy in tests/compat/"
                f"{material.manifest_name}: {differences}; get the copy that "
                f"tests/compat/README.md names"
            )
    return folder


def digest_folder(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (caches left out): relative name -> sha256."""
    digests = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not _SKIPPED_NAMES.intersection(relative.parts):
            digests[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def compare(expected: dict[str, str], found: dict[str, str]) -> str:
    """What differs, in one line ('' when the two are the same)."""
    parts = []
    for label, names in (
        ("missing", sorted(expected.keys() - found.keys())),
        ("not in the manifest", sorted(found.keys() - expected.keys())),
        ("changed", sorted(n for n in expected.keys() & found.keys() if expected[n] != found[n])),
    ):
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            parts.append(f"{len(names)} {label} ({shown})")
    return "; ".join(parts)


def read_manifest(path: Path) -> dict[str, str]:
    """A ``sha256sum``-style file: '<hex>  <name>' per line."""
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            entries[name.strip()] = digest
    return entries


def write_manifest(folder: Path, path: Path) -> None:
    """Record ``folder``'s files as the manifest (python -m tests.external writes both)."""
    lines = [f"{digest}  {name}\n" for name, digest in digest_folder(folder).items()]
    path.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":  # refresh the manifests from the copies found
    for each in MATERIALS:
        where = locate(each)
        if where is None:
            raise SystemExit(each.missing_line())
        write_manifest(where, each.manifest)
        print(f"{each.manifest}: {len(read_manifest(each.manifest))} files from {where}")
