"""The rules of the CSV inventory import, without the handler API (tested on their own).

A product file has the header ``sku,name,category,unit_price,quantity,reorder_level``. Rows
are numbered from 0 after the header (the batches' ``row_number`` cursor). A row whose values
are wrong (a negative price, a quantity that is not a whole number) is counted as a failed
item with its reason; a row with the wrong number of fields means the file itself is broken,
which fails the whole batch.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import BusinessRuleError

HEADER = ["sku", "name", "category", "unit_price", "quantity", "reorder_level"]
SHIPPED_CSV = Path(__file__).resolve().parent / "data" / "products.csv"
MAX_ERRORS_KEPT = 50


def csv_path(given: str | None) -> Path:
    """The file to import: the context's ``csv_file``, else the shipped sample."""
    path = Path(given) if given else SHIPPED_CSV
    if not path.is_file():
        raise BusinessRuleError(
            f"CSV file {path} does not exist; give csv_file as a path to a product CSV",
            code="CSV_NOT_FOUND",
        )
    return path


def _reader(path: Path) -> Iterator[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.reader(handle)


def count_rows(path: Path) -> int:
    """Data rows in the file, after checking its header."""
    rows = _reader(path)
    header = next(rows, None)
    if header is None or [h.strip() for h in header] != HEADER:
        raise BusinessRuleError(
            f"{path.name} has header {header!r}; expected {','.join(HEADER)}",
            code="BAD_HEADER",
        )
    return sum(1 for row in rows if row)


def rows_between(path: Path, start: int, end: int) -> Iterator[tuple[int, list[str]]]:
    """``(row_number, fields)`` for data rows ``start`` (inclusive) to ``end`` (exclusive)."""
    data = (row for row in islice(_reader(path), 1, None) if row)
    for number, row in enumerate(islice(data, start, end), start=start):
        if len(row) != len(HEADER):
            raise BusinessRuleError(
                f"row {number} of {path.name} has {len(row)} fields; expected {len(HEADER)} "
                f"({','.join(HEADER)})",
                code="MALFORMED_ROW",
                details={"row_number": number},
            )
        yield number, row


def empty_totals() -> dict[str, Any]:
    return {"categories": {}, "low_stock": [], "items_failed": 0, "errors": []}


def add_row(totals: dict[str, Any], number: int, row: list[str]) -> None:
    """Count one product into ``totals`` (a row with bad values becomes an item error)."""
    sku, _name, category, price_text, quantity_text, reorder_text = (f.strip() for f in row)
    try:
        price = float(price_text)
        quantity = int(quantity_text)
        reorder = int(reorder_text)
        if price < 0 or quantity < 0 or reorder < 0:
            raise ValueError("negative value")
    except ValueError as exc:
        totals["items_failed"] += 1
        if len(totals["errors"]) < MAX_ERRORS_KEPT:
            totals["errors"].append({"row_number": number, "sku": sku, "error": str(exc)})
        return
    entry = totals["categories"].setdefault(category, {"products": 0, "units": 0, "value": 0.0})
    entry["products"] += 1
    entry["units"] += quantity
    entry["value"] = round(entry["value"] + price * quantity, 2)
    if quantity <= reorder:
        totals["low_stock"].append(sku)


def merge(batches: list[dict[str, Any]]) -> dict[str, Any]:
    """The inventory over every batch's ``batch_metadata`` totals."""
    categories: dict[str, dict[str, Any]] = {}
    low_stock: list[str] = []
    for totals in batches:
        for name, entry in (totals.get("categories") or {}).items():
            into = categories.setdefault(name, {"products": 0, "units": 0, "value": 0.0})
            into["products"] += entry["products"]
            into["units"] += entry["units"]
            into["value"] = round(into["value"] + entry["value"], 2)
        low_stock += totals.get("low_stock") or []
    return {
        "categories": dict(sorted(categories.items())),
        "inventory_value": round(sum(c["value"] for c in categories.values()), 2),
        "low_stock": sorted(low_stock),
    }
