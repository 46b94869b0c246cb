"""The three extracts: deterministic sample data, seeded from the source and the dates.

The same source and date range always give the same records, so a retried extract returns
what the first attempt would have. Sales come from orders, stock from the warehouses,
customers from the CRM (the reference app's "inventory" and "customer" extracts produced
each other's data; here each extract is what its name says).

Failure rules: a missing source is permanent; a date range that ends before it starts is
permanent; the sales extract of the ``staging`` source fails (retryably) on about one
attempt in ten, decided by the pipeline id and the attempt number (the flaky-extract demo).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..errors import BusinessRuleError, TransientError
from ..ids import stable_fraction
from .models import (
    AnalyticsInput,
    CustomerExtract,
    CustomerRecord,
    DateRange,
    InventoryExtract,
    SaleRecord,
    SalesExtract,
    StockRecord,
)

PRODUCTS = [
    ("SKU-001", "USB cable", "accessories", Decimal("9.99")),
    ("SKU-002", "Charger", "accessories", Decimal("24.50")),
    ("SKU-003", "Headphones", "audio", Decimal("59.00")),
    ("WIDGET-001", "Widget", "gadgets", Decimal("29.99")),
    ("GADGET-002", "Gadget", "gadgets", Decimal("149.99")),
    ("SPK-010", "Speaker", "audio", Decimal("89.00")),
]
REGIONS = ["north", "south", "east", "west"]
WAREHOUSES = ["WH-EAST-01", "WH-WEST-01", "WH-NORTH-01"]
TIERS = [("standard", 6), ("gold", 3), ("premium", 1)]
CHANNELS = ["organic", "paid_search", "referral", "email"]
FLAKY_SOURCE = "staging"
FLAKY_RATE = 0.10
CUSTOMERS = 40


def checked_request(request: AnalyticsInput, *, today: date) -> tuple[str, DateRange]:
    """The source and date range to extract, or a permanent error saying what is wrong."""
    if not request.source or not request.source.strip():
        raise BusinessRuleError(
            "source is missing: name the data source to extract (e.g. production)",
            code="MISSING_SOURCE",
        )
    dates = request.date_range or DateRange(start_date=today, end_date=today)
    if dates.end_date < dates.start_date:
        raise BusinessRuleError(
            f"date_range ends ({dates.end_date}) before it starts ({dates.start_date})",
            code="INVALID_DATE_RANGE",
        )
    return request.source.strip(), dates


def staging_extract_fails(pipeline_id: str, attempt: int) -> bool:
    """Whether attempt ``attempt`` (0 = first) of staging's sales extract fails."""
    return stable_fraction("flaky-sales", pipeline_id, attempt) < FLAKY_RATE


def pipeline_id_failing(attempts: int, *, prefix: str = "pipeline") -> str:
    """The first ``<prefix>-<n>`` whose staging sales extract fails exactly its first
    ``attempts`` attempts, then succeeds (for demos: 1 = retry then succeed)."""
    n = 0
    while True:
        candidate = f"{prefix}-{n}"
        fails = [staging_extract_fails(candidate, a) for a in range(attempts + 1)]
        if fails == [True] * attempts + [False]:
            return candidate
        n += 1


def _rng(source: str, dates: DateRange, what: str) -> random.Random:
    return random.Random(f"{source}:{dates.start_date}:{dates.end_date}:{what}")


def _limited(count: int, limit: int | None) -> int:
    return count if limit is None else min(count, limit)


def extract_sales(
    request: AnalyticsInput, *, pipeline_id: str, attempt: int, now: datetime
) -> SalesExtract:
    source, dates = checked_request(request, today=now.date())
    if source == FLAKY_SOURCE and staging_extract_fails(pipeline_id, attempt):
        raise TransientError(
            f"sales database on {source} dropped the connection (attempt {attempt + 1}); will retry",
            code="SOURCE_UNAVAILABLE",
        )
    rng = _rng(source, dates, "sales")
    count = _limited(30 if request.granularity == "daily" else 120, request.record_limit)
    days = (dates.end_date - dates.start_date).days + 1
    records = []
    for _ in range(count):
        _sku, product, category, price = rng.choice(PRODUCTS)
        quantity = rng.randint(1, 5)
        day = dates.start_date + timedelta(days=rng.randrange(days))
        records.append(
            SaleRecord(
                date=day.isoformat(),
                product=product,
                category=category,
                region=rng.choice(REGIONS),
                quantity=quantity,
                unit_price=float(price),
                total=float(price * quantity),
            )
        )
    return SalesExtract(
        source=source,
        record_count=len(records),
        records=records,
        total_revenue=float(sum((Decimal(str(r.total)) for r in records), Decimal(0))),
        total_quantity=sum(r.quantity for r in records),
        date_range=dates,
        extracted_at=now.isoformat(),
    )


def extract_inventory(request: AnalyticsInput, *, now: datetime) -> InventoryExtract:
    source, dates = checked_request(request, today=now.date())
    rng = _rng(source, dates, "stock")
    records = [
        StockRecord(
            sku=sku,
            product=product,
            category=category,
            warehouse=warehouse,
            quantity_on_hand=rng.randint(0, 400),
            reorder_point=rng.choice([25, 50, 75]),
        )
        for warehouse in WAREHOUSES
        for sku, product, category, _price in PRODUCTS
    ][: _limited(len(WAREHOUSES) * len(PRODUCTS), request.record_limit)]
    return InventoryExtract(
        source=source,
        record_count=len(records),
        records=records,
        warehouses=sorted({r.warehouse for r in records}),
        total_quantity=sum(r.quantity_on_hand for r in records),
        extracted_at=now.isoformat(),
    )


def extract_customers(request: AnalyticsInput, *, now: datetime) -> CustomerExtract:
    source, dates = checked_request(request, today=now.date())
    rng = _rng(source, dates, "customers")
    tiers = [tier for tier, weight in TIERS for _ in range(weight)]
    records = [
        CustomerRecord(
            customer_id=f"CUST-{n:04d}",
            tier=rng.choice(tiers),
            region=rng.choice(REGIONS),
            lifetime_value=round(rng.uniform(20, 2500), 2),
            acquisition_channel=rng.choice(CHANNELS),
            converted=rng.random() < 0.35,
        )
        for n in range(_limited(CUSTOMERS, request.record_limit))
    ]
    return CustomerExtract(
        source=source,
        record_count=len(records),
        records=records,
        total_customers=len(records),
        extracted_at=now.isoformat(),
    )
