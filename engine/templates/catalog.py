"""The templates a process can run: the shipped folder plus the operator's folders."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from engine.templates.errors import TemplateError, TemplateNotFound, TemplateWarning
from engine.templates.loader import load_template
from engine.templates.models import TaskTemplate

SUFFIXES = (".yaml", ".yml")
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
    def __init__(self, templates: dict[Key, TaskTemplate], warnings: list[TemplateWarning]) -> None:
        self._templates = templates
        self.warnings = warnings

    @classmethod
    def load(cls, dirs: Sequence[Path], *, environment: str | None = None) -> TemplateCatalog:
        """Every ``*.yaml``/``*.yml`` below ``dirs``; the same key in two files is an error.

        A folder given twice (the shipped one also passed with --templates) is read once.
        """
        templates: dict[Key, TaskTemplate] = {}
        warnings: list[TemplateWarning] = []
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
                loaded = load_template(path, environment=environment)
                key = loaded.template.key
                if key in templates:
                    raise TemplateError(
                        str(path),
                        None,
                        f"defines {loaded.template.ref}, which {templates[key].source_path} "
                        "already defines; remove one file or change its version",
                    )
                templates[key] = loaded.template
                warnings += loaded.warnings
        return cls(templates, warnings)

    def all(self) -> list[TaskTemplate]:
        """Sorted by namespace, name and version (as versions)."""
        return sorted(
            self._templates.values(),
            key=lambda t: (t.namespace_name, t.name, version_key(t.version)),
        )

    def get(self, namespace: str, name: str, version: str | None = None) -> TaskTemplate:
        """The template, or with ``version`` None its highest version."""
        if version is not None and (namespace, name, version) in self._templates:
            return self._templates[namespace, name, version]
        matches = [t for (ns, n, _), t in self._templates.items() if (ns, n) == (namespace, name)]
        if matches and version is None:
            return max(matches, key=lambda t: version_key(t.version))
        wanted = f"{namespace}/{name}" + (f"@{version}" if version else "")
        if matches:
            versions = ", ".join(sorted((t.version for t in matches), key=version_key))
            raise TemplateNotFound(
                wanted, None, f"no template {wanted}; its versions are {versions}"
            )
        known = sorted({f"{ns}/{n}" for ns, n, _ in self._templates})
        close = difflib.get_close_matches(f"{namespace}/{name}", known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see 'tasker template list'"
        raise TemplateNotFound(wanted, None, f"no template {wanted}; {hint}")
