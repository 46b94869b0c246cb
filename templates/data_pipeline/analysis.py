"""Transforms, the aggregate and the insights of the analytics pipeline.

An upstream extract that produced no records fails its transform permanently
(``EMPTY_UPSTREAM``): rerunning the transform cannot conjure data.

Health score: starts at 75; +10 when the best acquisition channel converts at 30 % or more;
+5 when more than 50 records were processed; -5 per reorder alert, at most -20; kept in
0..100. Rating: excellent from 85, good from 70, fair from 50, else poor.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from ..errors import BusinessRuleError
from .models import (
    AggregateMetrics,
    CustomerExtract,
    CustomerSummary,
    HealthScore,
    Insight,
    Insights,
    InventoryExtract,
    InventorySummary,
    SalesExtract,
    SalesSummary,
)

GOOD_CONVERSION = 0.30
COVERAGE_RECORDS = 50


def _require_records(count: int, extract_step: str) -> None:
    if count == 0:
        raise BusinessRuleError(
            f"{extract_step} produced no records; widen the date range or raise record_limit",
            code="EMPTY_UPSTREAM",
        )


def _money(amounts: dict[str, Decimal]) -> dict[str, float]:
    return {key: float(value) for key, value in sorted(amounts.items())}


def transform_sales(extract: SalesExtract, *, now: datetime) -> SalesSummary:
    _require_records(extract.record_count, "extract_sales_data")
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    by_region: dict[str, Decimal] = defaultdict(Decimal)
    daily: dict[str, Decimal] = defaultdict(Decimal)
    for record in extract.records:
        total = Decimal(str(record.total))
        by_category[record.category] += total
        by_region[record.region] += total
        daily[record.date] += total
    return SalesSummary(
        record_count=extract.record_count,
        records_processed=len(extract.records),
        total_revenue=float(sum(by_category.values(), Decimal(0))),
        total_quantity=sum(r.quantity for r in extract.records),
        by_category=_money(by_category),
        by_region=_money(by_region),
        daily_sales=_money(daily),
        top_category=max(sorted(by_category), key=lambda c: by_category[c]),
        transformed_at=now.isoformat(),
    )


def transform_inventory(extract: InventoryExtract, *, now: datetime) -> InventorySummary:
    _require_records(extract.record_count, "extract_inventory_data")
    by_warehouse: dict[str, int] = defaultdict(int)
    for record in extract.records:
        by_warehouse[record.warehouse] += record.quantity_on_hand
    low = [
        f"{r.sku}@{r.warehouse}" for r in extract.records if r.quantity_on_hand < r.reorder_point
    ]
    return InventorySummary(
        record_count=extract.record_count,
        records_processed=len(extract.records),
        total_quantity_on_hand=sum(by_warehouse.values()),
        by_warehouse=dict(sorted(by_warehouse.items())),
        low_stock_items=low,
        reorder_alerts=len(low),
        transformed_at=now.isoformat(),
    )


def transform_customers(extract: CustomerExtract, *, now: datetime) -> CustomerSummary:
    _require_records(extract.record_count, "extract_customer_data")
    tiers: dict[str, int] = defaultdict(int)
    reached: dict[str, int] = defaultdict(int)
    converted: dict[str, int] = defaultdict(int)
    for record in extract.records:
        tiers[record.tier] += 1
        reached[record.acquisition_channel] += 1
        converted[record.acquisition_channel] += record.converted
    rates = {
        channel: round(converted[channel] / reached[channel], 4) for channel in sorted(reached)
    }
    best = max(sorted(rates), key=lambda channel: rates[channel])
    total_value = sum((Decimal(str(r.lifetime_value)) for r in extract.records), Decimal(0))
    return CustomerSummary(
        record_count=extract.record_count,
        records_processed=len(extract.records),
        tier_breakdown=dict(sorted(tiers.items())),
        total_lifetime_value=float(total_value),
        avg_customer_value=float((total_value / len(extract.records)).quantize(Decimal("0.01"))),
        conversion_by_channel=rates,
        best_converting_channel=best,
        best_conversion_rate=rates[best],
        transformed_at=now.isoformat(),
    )


def aggregate(
    sales: SalesSummary,
    inventory: InventorySummary,
    customers: CustomerSummary,
    *,
    now: datetime,
) -> AggregateMetrics:
    """Revenue per customer and units sold per unit on hand, across the three sources."""
    customer_count = customers.records_processed
    return AggregateMetrics(
        total_revenue=sales.total_revenue,
        total_customers=customer_count,
        revenue_per_customer=round(sales.total_revenue / customer_count, 2),
        units_sold=sales.total_quantity,
        total_quantity_on_hand=inventory.total_quantity_on_hand,
        inventory_turnover_indicator=round(
            sales.total_quantity / max(inventory.total_quantity_on_hand, 1), 4
        ),
        reorder_alerts=inventory.reorder_alerts,
        best_converting_channel=customers.best_converting_channel,
        best_conversion_rate=customers.best_conversion_rate,
        total_records_processed=(
            sales.records_processed + inventory.records_processed + customers.records_processed
        ),
        sources_included=3,
        data_sources=["sales", "inventory", "customers"],
        aggregation_complete=True,
        aggregated_at=now.isoformat(),
    )


def health_score(metrics: AggregateMetrics) -> HealthScore:
    score, details = 75, ["baseline 75"]
    if metrics.best_conversion_rate >= GOOD_CONVERSION:
        score += 10
        details.append(
            f"+10 {metrics.best_converting_channel} converts at {metrics.best_conversion_rate:.0%}"
        )
    if metrics.total_records_processed > COVERAGE_RECORDS:
        score += 5
        details.append(f"+5 coverage of {metrics.total_records_processed} records")
    if metrics.reorder_alerts:
        penalty = min(5 * metrics.reorder_alerts, 20)
        score -= penalty
        details.append(f"-{penalty} for {metrics.reorder_alerts} low-stock alerts")
    score = max(0, min(100, score))
    rating = (
        "excellent" if score >= 85 else "good" if score >= 70 else "fair" if score >= 50 else "poor"
    )
    return HealthScore(score=score, max_score=100, rating=rating, details=details)


def insights(metrics: AggregateMetrics, *, now: datetime) -> Insights:
    found = [
        Insight(
            type="revenue",
            severity="info",
            message=f"revenue per customer is ${metrics.revenue_per_customer:.2f}",
            metric=metrics.revenue_per_customer,
            recommendation="target upsells at customers below the average",
        ),
        Insight(
            type="conversion",
            severity="info" if metrics.best_conversion_rate >= GOOD_CONVERSION else "warning",
            message=f"{metrics.best_converting_channel} converts best, at {metrics.best_conversion_rate:.0%}",
            metric=metrics.best_conversion_rate,
            recommendation=f"shift acquisition budget towards {metrics.best_converting_channel}",
        ),
    ]
    if metrics.reorder_alerts:
        found.append(
            Insight(
                type="inventory",
                severity="warning",
                message=f"{metrics.reorder_alerts} stock positions are below their reorder point",
                metric=float(metrics.reorder_alerts),
                recommendation="raise purchase orders for the low-stock items",
            )
        )
    score = health_score(metrics)
    return Insights(
        insights=found,
        insight_count=len(found),
        health_score=score,
        health_status=score.rating,
        recommendations_count=len(found),
        total_metrics_analyzed=len(AggregateMetrics.model_fields),
        pipeline_complete=True,
        generated_at=now.isoformat(),
    )
