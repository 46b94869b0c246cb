"""The templates a process can run: the shipped folder plus the operator's folders."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from engine.templates.errors import TemplateError, TemplateNotFound, TemplateWarning
from engine.templates.loader import load_template
from engine.templates.models import TaskTemplate


def version_key(version: str) -> tuple[tuple[int, object], ...]:
    """Sort versions as versions: 1.10.0 after 1.9.0; non-numeric parts after numbers."""
    return tuple(
        (0, int(p)) if p.isdigit() else (1, p) for p in version.replace("-", ".").split(".")
    )


class TemplateCatalog:
    def __init__(
        self, templates: dict[tuple[str, str, str], TaskTemplate], warnings: list[TemplateWarning]
    ) -> None:
        self._templates = templates
        self.warnings = warnings

    @classmethod
    def load(cls, dirs: Sequence[Path], *, environment: str | None = None) -> TemplateCatalog:
        """Every ``*.yaml``/``*.yml`` below ``dirs``; the same key in two files is an error."""
        templates: dict[tuple[str, str, str], TaskTemplate] = {}
        warnings: list[TemplateWarning] = []
        for folder in dirs:
            folder = Path(folder)
            if not folder.is_dir():
                raise TemplateError(
                    str(folder), None, "is not a folder; check --templates or TASKER_TEMPLATE_PATH"
                )
            files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
            for path in files:
                loaded = load_template(path, environment=environment)
                key = loaded.template.key
                if key in templates and templates[key].source_path != str(path):
                    raise TemplateError(
                        str(path),
                        None,
                        f"defines {loaded.template.ref}, already defined by "
                        f"{templates[key].source_path}; remove one or change its version",
                    )
                templates[key] = loaded.template
                warnings += loaded.warnings
        return cls(templates, warnings)

    def all(self) -> list[TaskTemplate]:
        return [
            self._templates[k]
            for k in sorted(self._templates, key=lambda k: (k[0], k[1], version_key(k[2])))
        ]

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
            raise TemplateNotFound(wanted, None, f"no template {wanted}; versions: {versions}")
        known = [f"{ns}/{n}" for ns, n, _ in self._templates]
        close = difflib.get_close_matches(f"{namespace}/{name}", known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see 'tasker template list'"
        raise TemplateNotFound(wanted, None, f"no template {wanted}; {hint}")
