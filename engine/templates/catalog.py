"""The templates a process can run: the shipped folder plus the operator's folders."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

from engine.templates.errors import TemplateError, TemplateNotFound, TemplateWarning
from engine.templates.loader import load_template
from engine.templates.models import TaskTemplate
from engine.templates.problems import TemplateProblem, identity_of, unavailable, unread_note

SUFFIXES = (".yaml", ".yml")
# Environments a deployment may name though no template overrides anything for them.
STANDARD_ENVIRONMENTS = ("development", "test", "staging", "production")
Key = tuple[str, str, str]


def version_key(version: str) -> tuple[object, ...]:
    """Order versions as versions: 1.10.0 after 1.9.0, and 1.0.0-rc.1 before 1.0.0."""
    text = version.strip().lstrip("vV").partition("+")[0]
    release, dash, pre = text.partition("-")
    parts = tuple(_part(p) for p in release.split("."))
    return (parts, 0 if dash else 1, tuple(_part(p) for p in pre.split(".")) if dash else ())


def _part(text: str) -> tuple[int, int, str]:
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def template_files(root: Path) -> list[Path]:
    """The YAML files of a folder, recursively, skipping hidden folders; or the file itself."""
    if root.is_file():
        return [root]
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix.lower() in SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


class TemplateCatalog:
    def __init__(
        self,
        templates: dict[Key, TaskTemplate],
        warnings: list[TemplateWarning],
        problems: list[TemplateProblem] | None = None,
    ) -> None:
        self._templates = templates
        self.warnings = warnings
        self.problems = problems or []  # invalid files skipped (``skip_invalid``)

    @classmethod
    def load(
        cls, dirs: Sequence[Path], *, environment: str | None = None, skip_invalid: bool = False
    ) -> TemplateCatalog:
        """Every ``*.yaml``/``*.yml`` below ``dirs``; the same key in two files is an error.

        A folder given twice (the shipped one also passed with --templates) is read once.
        With ``skip_invalid`` an invalid file is kept in ``problems`` instead of raised, and
        only the templates it may define are unavailable (a missing folder still raises).
        """
        templates: dict[Key, TaskTemplate] = {}
        warnings: list[TemplateWarning] = []
        problems: list[TemplateProblem] = []
        read: set[Path] = set()
        for folder in map(Path, dirs):
            if not folder.exists():
                raise TemplateError(
                    str(folder),
                    None,
                    "does not exist; check --templates and TASKER_TEMPLATE_PATH",
                )
            for path in template_files(folder):
                if path.resolve() in read:
                    continue
                read.add(path.resolve())
                try:
                    loaded = load_template(path, environment=environment)
                    key = loaded.template.key
                    if key in templates:
                        raise TemplateError(
                            str(path),
                            None,
                            f"defines {loaded.template.ref}, which {templates[key].source_path} "
                            "already defines; remove one file or change its version",
                        )
                except TemplateError as exc:
                    if not skip_invalid:
                        raise
                    problems.append(TemplateProblem(exc, identity_of(path)))
                    continue
                templates[key] = loaded.template
                warnings += loaded.warnings
        for problem in problems:  # a template defined twice is no one's to run
            namespace, name, version = problem.defines or ("", "", None)
            if version is not None:
                templates.pop((namespace, name, version), None)
        if environment:
            check_environment(environment, templates.values())
        return cls(templates, warnings, problems)

    def unreported_problems(self) -> list[TemplateProblem]:
        """The invalid files not yet reported (or quoted by an error), now marked reported."""
        fresh = [p for p in self.problems if not p.reported]
        for problem in fresh:
            problem.reported = True
        return fresh

    def all(self) -> list[TaskTemplate]:
        """Sorted by namespace, name and version (as versions)."""
        return sorted(
            self._templates.values(),
            key=lambda t: (t.namespace_name, t.name, version_key(t.version)),
        )

    def get(self, namespace: str, name: str, version: str | None = None) -> TaskTemplate:
        """The template, or with ``version`` None its highest version.

        A template whose file could not be loaded is not replaced by another version: the
        error quotes that file's problem."""
        wanted = f"{namespace}/{name}" + (f"@{version}" if version else "")
        matches = [t for (ns, n, _), t in self._templates.items() if (ns, n) == (namespace, name)]
        blocked = [p for p in self.problems if p.may_define(namespace, name, version)]
        if version is not None and (namespace, name, version) in self._templates:
            return self._templates[namespace, name, version]
        if matches and version is None:
            best = max(matches, key=lambda t: version_key(t.version))
            newer = [p for p in blocked if _newer(p.defines, best.version)]
            if newer:
                raise unavailable(wanted, newer)
            return best
        if blocked:
            raise unavailable(wanted, blocked)
        note = unread_note(self.problems, namespace)
        if matches:
            versions = ", ".join(sorted((t.version for t in matches), key=version_key))
            raise TemplateNotFound(
                wanted, None, f"no template {wanted}; its versions are {versions}{note}"
            )
        known = sorted({f"{ns}/{n}" for ns, n, _ in self._templates})
        close = difflib.get_close_matches(f"{namespace}/{name}", known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see 'tasker template list'"
        raise TemplateNotFound(wanted, None, f"no template {wanted}; {hint}{note}")


class UnknownEnvironment(TemplateError):
    """``--environment`` names an environment nothing knows of; its text is the message."""

    def __str__(self) -> str:
        return self.message


def check_environment(environment: str, templates: Iterable[TaskTemplate]) -> None:
    """``UnknownEnvironment`` unless some template has overrides for ``environment`` or it
    is a standard one (a typo applied no overrides, silently, before)."""
    known = set(STANDARD_ENVIRONMENTS)
    for template in templates:
        known.update(template.environments)
    if environment in known:
        return
    close = difflib.get_close_matches(environment, sorted(known), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UnknownEnvironment(
        environment,
        None,
        f"unknown environment {environment!r}: no template has overrides for it and it is not "
        f"one of {', '.join(STANDARD_ENVIRONMENTS)}; {hint}check --environment and TASKER_ENV",
    )


def _newer(defines: tuple[str, str, str | None] | None, version: str) -> bool:
    """Whether an invalid file's template may be a higher version than ``version``."""
    found = defines[2] if defines is not None else None
    return found is None or version_key(found) > version_key(version)
