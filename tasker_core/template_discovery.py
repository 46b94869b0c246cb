"""Find task templates and the handlers they name (``tasker_core.template_discovery``).

Tasker's worker reads its templates to know which handlers to load; this module is the same
reading, as plain functions over YAML files. Nothing here imports a handler: it only lists
``handler.callable`` names (load handlers with ``tasker --handlers``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_SUFFIXES = (".yaml", ".yml")
WORKSPACE_MARKERS = ("Cargo.toml", ".git", "pyproject.toml")
MAX_PARENT_LEVELS = 10
CONFIG_TASKS = Path("config") / "tasks"
TEST_TEMPLATES = Path("tests") / "fixtures" / "task_templates" / "python"


class TemplatePath:
    """Where the templates are: ``TASKER_TEMPLATE_PATH``, else (under ``TASKER_ENV=test``) the
    workspace's test fixtures, else ``WORKSPACE_PATH/config/tasks``, else the workspace's or the
    current directory's ``config/tasks``."""

    @staticmethod
    def find_template_config_directory() -> Path | None:
        given = os.environ.get("TASKER_TEMPLATE_PATH")
        if given and Path(given).is_dir():
            return Path(given)
        root = TemplatePath._detect_workspace_root()
        if TemplatePath._is_test_environment() and root is not None:
            if (root / TEST_TEMPLATES).is_dir():
                return root / TEST_TEMPLATES
        workspace = os.environ.get("WORKSPACE_PATH")
        if workspace and (Path(workspace) / CONFIG_TASKS).is_dir():
            return Path(workspace) / CONFIG_TASKS
        for base in (root, Path.cwd()):
            if base is not None and (base / CONFIG_TASKS).is_dir():
                return base / CONFIG_TASKS
        return None

    @staticmethod
    def discover_template_files(directory: Path) -> list[Path]:
        """Every ``.yaml``/``.yml`` file under ``directory``, sorted ([] when it is absent)."""
        if not directory.is_dir():
            return []
        return sorted(
            path
            for path in directory.rglob("*")
            if path.is_file() and path.suffix in TEMPLATE_SUFFIXES
        )

    @staticmethod
    def _is_test_environment() -> bool:
        return os.environ.get("TASKER_ENV", "").lower() == "test"

    @staticmethod
    def _detect_workspace_root() -> Path | None:
        """The nearest folder (from the current one up) holding a workspace marker."""
        folder = Path.cwd()
        for _ in range(MAX_PARENT_LEVELS):
            if any((folder / marker).exists() for marker in WORKSPACE_MARKERS):
                return folder
            if folder.parent == folder:
                return None
            folder = folder.parent
        return None


class TemplateParser:
    """Read one template file: its handler names and its identity."""

    @staticmethod
    def _load(path: Path) -> dict[str, Any] | None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def extract_handlers_from_template(template: dict[str, Any]) -> list[str]:
        """The ``handler.callable`` of every step that has a string one."""
        steps = template.get("steps")
        if not isinstance(steps, list):
            return []
        names = []
        for step in steps:
            handler = step.get("handler") if isinstance(step, dict) else None
            name = handler.get("callable") if isinstance(handler, dict) else None
            if isinstance(name, str) and name:
                names.append(name)
        return names

    @staticmethod
    def extract_handler_callables(path: Path) -> list[str]:
        template = TemplateParser._load(path)
        return [] if template is None else TemplateParser.extract_handlers_from_template(template)

    @staticmethod
    def extract_template_metadata(path: Path) -> dict[str, Any]:
        """Name, namespace, version, description, file path and handlers ({} if unreadable)."""
        template = TemplateParser._load(path)
        if template is None:
            return {}
        return {
            "name": str(template.get("name") or ""),
            "namespace": str(template.get("namespace_name") or ""),
            "version": str(template.get("version") or ""),
            "description": str(template.get("description") or ""),
            "file_path": str(path),
            "handlers": TemplateParser.extract_handlers_from_template(template),
        }


class HandlerDiscovery:
    """The handlers a folder of templates needs."""

    @staticmethod
    def discover_all_handlers(directory: Path | None = None) -> list[str]:
        """Every handler name the templates use, once each, sorted."""
        found: set[str] = set()
        for path in _template_files(directory):
            found.update(TemplateParser.extract_handler_callables(path))
        return sorted(found)

    @staticmethod
    def discover_handlers_by_namespace(directory: Path | None = None) -> dict[str, list[str]]:
        by_namespace: dict[str, set[str]] = {}
        for path in _template_files(directory):
            metadata = TemplateParser.extract_template_metadata(path)
            if metadata:
                names = by_namespace.setdefault(metadata["namespace"] or "default", set())
                names.update(metadata["handlers"])
        return {namespace: sorted(names) for namespace, names in sorted(by_namespace.items())}

    @staticmethod
    def discover_template_metadata(directory: Path | None = None) -> list[dict[str, Any]]:
        found = (TemplateParser.extract_template_metadata(p) for p in _template_files(directory))
        return [metadata for metadata in found if metadata]


def _template_files(directory: Path | None) -> list[Path]:
    folder = directory if directory is not None else TemplatePath.find_template_config_directory()
    return [] if folder is None else TemplatePath.discover_template_files(folder)
