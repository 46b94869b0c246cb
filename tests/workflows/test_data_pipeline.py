"""data_pipeline/analytics_pipeline: the rules, the flaky extract, and runs through the handlers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tasker_workflows.data_pipeline import analysis, extract
from tasker_workflows.data_pipeline.models import AggregateMetrics, AnalyticsInput
from tasker_workflows.errors import BusinessRuleError, TransientError

from tests.workflows.local_runner import error_of, run_template

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RANGE = {"start_date": "2026-02-01", "end_date": "2026-02-07"}


def request(**overrides):
    return AnalyticsInput.model_validate({"source": "production", "date_range": RANGE, **overrides})


def context(**overrides):
    return {"source": "production", "date_range": RANGE, "pipeline_id": "p-1", **overrides}


def test_extracts_are_deterministic_per_source_and_dates():
    first = extract.extract_sales(request(), pipeline_id="a", attempt=0, now=NOW)
    again = extract.extract_sales(request(), pipeline_id="b", attempt=2, now=NOW)
    other = extract.extract_sales(request(source="eu"), pipeline_id="a", attempt=0, now=NOW)
    assert first.records == again.records != other.records
    assert first.record_count == 30
    assert all("2026-02-01" <= r.date <= "2026-02-07" for r in first.records)


def test_non_daily_granularity_extracts_120_sales():
    assert (
        extract.extract_sales(
            request(granularity="weekly"), pipeline_id="a", attempt=0, now=NOW
        ).record_count
        == 120
    )


def test_each_extract_is_what_its_name_says():
    stock = extract.extract_inventory(request(), now=NOW)
    people = extract.extract_customers(request(), now=NOW)
    assert stock.warehouses == ["WH-EAST-01", "WH-NORTH-01", "WH-WEST-01"]
    assert {r.sku for r in stock.records} >= {"SKU-001", "GADGET-002"}
    assert people.total_customers == 40 and people.records[0].customer_id == "CUST-0000"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"source": None}, "MISSING_SOURCE"),
        ({"source": "  "}, "MISSING_SOURCE"),
        (
            {"date_range": {"start_date": "2026-02-07", "end_date": "2026-02-01"}},
            "INVALID_DATE_RANGE",
        ),
    ],
)
def test_bad_requests_fail_permanently(overrides, code):
    with pytest.raises(BusinessRuleError) as caught:
        extract.extract_inventory(request(**overrides), now=NOW)
    assert caught.value.code == code


def test_default_date_range_is_today():
    result = extract.extract_sales(request(date_range=None), pipeline_id="a", attempt=0, now=NOW)
    assert result.date_range.start_date == result.date_range.end_date == date(2026, 3, 2)


def test_staging_sales_extract_fails_about_one_attempt_in_ten():
    failures = sum(extract.staging_extract_fails(f"p-{n}", 0) for n in range(2000))
    assert 150 < failures < 250


def test_the_flaky_extract_is_retryable_and_only_on_staging():
    flaky = extract.pipeline_id_failing(1)
    assert extract.staging_extract_fails(flaky, 0) and not extract.staging_extract_fails(flaky, 1)
    with pytest.raises(TransientError) as caught:
        extract.extract_sales(request(source="staging"), pipeline_id=flaky, attempt=0, now=NOW)
    assert caught.value.code == "SOURCE_UNAVAILABLE"
    assert extract.extract_sales(request(source="staging"), pipeline_id=flaky, attempt=1, now=NOW)
    assert extract.extract_sales(request(), pipeline_id=flaky, attempt=0, now=NOW)


def test_transforms_refuse_empty_upstream_permanently():
    empty = extract.extract_sales(request(record_limit=0), pipeline_id="a", attempt=0, now=NOW)
    with pytest.raises(BusinessRuleError, match="extract_sales_data produced no records") as caught:
        analysis.transform_sales(empty, now=NOW)
    assert caught.value.code == "EMPTY_UPSTREAM"


def test_transforms_and_aggregate_add_up():
    sales = extract.extract_sales(request(), pipeline_id="a", attempt=0, now=NOW)
    summary = analysis.transform_sales(sales, now=NOW)
    assert summary.total_revenue == pytest.approx(sales.total_revenue)
    assert sum(summary.by_category.values()) == pytest.approx(sales.total_revenue)
    assert summary.by_category[summary.top_category] == max(summary.by_category.values())
    stock = analysis.transform_inventory(extract.extract_inventory(request(), now=NOW), now=NOW)
    people = analysis.transform_customers(extract.extract_customers(request(), now=NOW), now=NOW)
    metrics = analysis.aggregate(summary, stock, people, now=NOW)
    assert metrics.revenue_per_customer == round(sales.total_revenue / 40, 2)
    assert metrics.total_records_processed == 30 + 18 + 40
    assert metrics.inventory_turnover_indicator == round(
        sales.total_quantity / stock.total_quantity_on_hand, 4
    )


def _metrics(**overrides):
    base = dict(
        total_revenue=1000.0,
        total_customers=10,
        revenue_per_customer=100.0,
        units_sold=10,
        total_quantity_on_hand=100,
        inventory_turnover_indicator=0.1,
        reorder_alerts=0,
        best_converting_channel="email",
        best_conversion_rate=0.2,
        total_records_processed=40,
        sources_included=3,
        data_sources=["sales"],
        aggregation_complete=True,
        aggregated_at="t",
    )
    return AggregateMetrics(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "score", "rating"),
    [
        ({}, 75, "good"),
        ({"best_conversion_rate": 0.3}, 85, "excellent"),
        ({"total_records_processed": 51}, 80, "good"),
        ({"reorder_alerts": 2}, 65, "fair"),
        ({"reorder_alerts": 9}, 55, "fair"),  # the penalty stops at 20
        (
            {"reorder_alerts": 9, "best_conversion_rate": 0.5, "total_records_processed": 99},
            70,
            "good",
        ),
    ],
)
def test_health_score_rules(overrides, score, rating):
    health = analysis.health_score(_metrics(**overrides))
    assert (health.score, health.rating) == (score, rating)


def test_low_stock_becomes_a_warning_insight():
    result = analysis.insights(_metrics(reorder_alerts=3), now=NOW)
    assert [i.type for i in result.insights] == ["revenue", "conversion", "inventory"]
    assert result.insights[-1].severity == "warning"


# --- through the handlers -------------------------------------------------------------------


async def test_happy_path_completes_all_eight_steps():
    run = await run_template("data_pipeline", "analytics_pipeline", context())
    assert run.status == "complete" and len(run.steps) == 8
    insights = run.steps["generate_insights"].results
    assert insights["pipeline_complete"] is True
    assert 0 <= insights["health_score"]["score"] <= 100


async def test_flaky_staging_extract_retries_then_succeeds():
    run = await run_template(
        "data_pipeline",
        "analytics_pipeline",
        context(source="staging", pipeline_id=extract.pipeline_id_failing(1)),
    )
    sales = run.steps["extract_sales_data"]
    assert sales.attempts == 2
    assert error_of(sales.outcomes[0]).error_code == "SOURCE_UNAVAILABLE"
    assert run.status == "complete"


async def test_flaky_staging_extract_can_exhaust_three_attempts():
    run = await run_template(
        "data_pipeline",
        "analytics_pipeline",
        context(source="staging", pipeline_id=extract.pipeline_id_failing(3)),
    )
    sales = run.steps["extract_sales_data"]
    assert (sales.state, sales.attempts) == ("error", 3)
    assert run.steps["transform_inventory"].state == "complete"  # the other branches still run
    assert run.steps["aggregate_metrics"].state == "pending"


async def test_missing_source_fails_each_extract_once():
    run = await run_template("data_pipeline", "analytics_pipeline", context(source=None))
    extracts = [
        run.steps[n]
        for n in ("extract_sales_data", "extract_inventory_data", "extract_customer_data")
    ]
    assert [(s.state, s.attempts, s.error.error_code) for s in extracts] == [
        ("error", 1, "MISSING_SOURCE")
    ] * 3


async def test_empty_upstream_fails_the_transforms_permanently():
    run = await run_template("data_pipeline", "analytics_pipeline", context(record_limit=0))
    transform = run.steps["transform_sales"]
    assert (transform.state, transform.attempts, transform.error.error_code) == (
        "error",
        1,
        "EMPTY_UPSTREAM",
    )


async def test_a_malformed_date_is_a_validation_error():
    run = await run_template(
        "data_pipeline",
        "analytics_pipeline",
        context(date_range={"start_date": "soon", "end_date": "later"}),
    )
    assert run.steps["extract_sales_data"].error.error_type == "validation_error"
