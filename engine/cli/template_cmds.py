"""``tasker template list | validate | visualize``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine import dag, shipped
from engine.cli import output, run_all
from engine.cli.errors import UsageError
from engine.literal import visible
from engine.templates import TaskTemplate, TemplateCatalog, TemplateError, load_template


def register(groups: argparse._SubParsersAction[Any]) -> None:
    group = groups.add_parser("template", help="list, validate and draw task templates")
    commands = group.add_subparsers(dest="template_command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser("list", help="the templates the engine can run")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=list_templates)

    p = commands.add_parser("validate", help="check template files; exit 1 if any is invalid")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: all)")
    p.set_defaults(run=validate)

    p = commands.add_parser("visualize", help="print a template's DAG as Mermaid")
    p.add_argument("ref", metavar="NAMESPACE/NAME[@VERSION]")
    p.set_defaults(run=visualize)

    run_all.register(commands)


def _catalog(args: argparse.Namespace) -> TemplateCatalog:
    """Every valid template; the invalid files are reported by ``output``, and only
    ``template validate`` fails on them."""
    dirs = [shipped.TEMPLATES_DIR, *(Path(t) for t in args.templates)]
    return TemplateCatalog.load(dirs, environment=args.environment, skip_invalid=True)


def list_templates(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    output.report_template_problems(catalog)
    templates = catalog.all()
    if args.json:
        output.print_json(
            [
                {
                    "namespace": t.namespace_name,
                    "name": t.name,
                    "version": t.version,
                    "description": t.description,
                    "step_count": len(t.steps),
                    "source_path": t.source_path,
                }
                for t in templates
            ]
        )
        return 0
    output.table(
        ["NAMESPACE/NAME@VERSION", "STEPS", "DESCRIPTION"],
        [
            (f"{t.namespace_name}/{t.name}@{t.version}", len(t.steps), t.description or "")
            for t in templates
        ],
    )
    return 0


def _files(paths: list[str], args: argparse.Namespace) -> list[Path]:
    roots = [Path(p) for p in paths] or [shipped.TEMPLATES_DIR, *map(Path, args.templates)]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files += sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif root.exists():
            files.append(root)
        else:
            raise UsageError(f"{root} does not exist; give a template file or folder")
    return files


def validate(args: argparse.Namespace) -> int:
    failures = 0
    files = _files(args.paths, args)
    for path in files:
        try:
            loaded = load_template(path, environment=args.environment)
        except TemplateError as exc:
            failures += 1
            output.plain_line(exc)
            continue
        for warning in loaded.warnings:
            output.plain_line(warning)
    print(f"{len(files) - failures} valid, {failures} invalid")
    return 1 if failures else 0


def parse_ref(ref: str) -> tuple[str, str, str | None]:
    """``namespace/name[@version]`` → its parts."""
    body, _, version = ref.partition("@")
    namespace, slash, name = body.partition("/")
    if not slash or not namespace or not name:
        raise UsageError(
            f"'{ref}' is not NAMESPACE/NAME[@VERSION], e.g. ecommerce/order_processing"
        )
    return namespace, name, version or None


def mermaid(template: TaskTemplate) -> str:
    deps = {s.name: list(s.dependencies) for s in template.steps}
    lines = ["graph TD"]
    for layer in dag.topological_layers(deps):
        for name in layer:
            lines.append(f"    {name}[{name}]")
    for step in template.steps:
        for dep in step.dependencies:
            lines.append(f"    {dep} --> {step.name}")
    return "\n".join(lines)


def visualize(args: argparse.Namespace) -> int:
    namespace, name, version = parse_ref(args.ref)
    catalog = _catalog(args)
    try:
        print(visible(mermaid(catalog.get(namespace, name, version)), multiline=True))
    finally:
        output.report_template_problems(catalog)
    return 0
