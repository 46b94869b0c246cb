"""Typed input and step results of ``data_pipeline/analytics_pipeline``."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: date
    end_date: date


class AnalyticsInput(BaseModel):
    """The task context: which source to analyse, over which dates."""

    pipeline_id: str | None = None
    source: str | None = None  # e.g. production, staging (staging's sales extract is flaky)
    date_range: DateRange | None = None  # default: today
    granularity: str = "daily"  # daily: 30 sales records; anything else: 120
    record_limit: int | None = Field(default=None, ge=0)  # cap on records per extract


class AnalyticsContext(BaseModel):
    """The documented task context (the template's ``input_schema``)."""

    source: str
    pipeline_id: str | None = None
    date_range: DateRange | None = None
    granularity: str = "daily"
    record_limit: int | None = Field(default=None, ge=0)


class SaleRecord(BaseModel):
    date: str
    product: str
    category: str
    region: str
    quantity: int
    unit_price: float
    total: float


class StockRecord(BaseModel):
    sku: str
    product: str
    category: str
    warehouse: str
    quantity_on_hand: int
    reorder_point: int


class CustomerRecord(BaseModel):
    customer_id: str
    tier: str
    region: str
    lifetime_value: float
    acquisition_channel: str
    converted: bool


class SalesExtract(BaseModel):
    source: str
    record_count: int
    records: list[SaleRecord]
    total_revenue: float
    total_quantity: int
    date_range: DateRange
    extracted_at: str


class InventoryExtract(BaseModel):
    source: str
    record_count: int
    records: list[StockRecord]
    warehouses: list[str]
    total_quantity: int
    extracted_at: str


class CustomerExtract(BaseModel):
    source: str
    record_count: int
    records: list[CustomerRecord]
    total_customers: int
    extracted_at: str


class SalesSummary(BaseModel):
    record_count: int
    records_processed: int
    total_revenue: float
    total_quantity: int
    by_category: dict[str, float]
    by_region: dict[str, float]
    daily_sales: dict[str, float]
    top_category: str
    transformed_at: str


class InventorySummary(BaseModel):
    record_count: int
    records_processed: int
    total_quantity_on_hand: int
    by_warehouse: dict[str, int]
    low_stock_items: list[str]
    reorder_alerts: int
    transformed_at: str


class CustomerSummary(BaseModel):
    record_count: int
    records_processed: int
    tier_breakdown: dict[str, int]
    total_lifetime_value: float
    avg_customer_value: float
    conversion_by_channel: dict[str, float]
    best_converting_channel: str
    best_conversion_rate: float
    transformed_at: str


class AggregateMetrics(BaseModel):
    total_revenue: float
    total_customers: int
    revenue_per_customer: float
    units_sold: int
    total_quantity_on_hand: int
    inventory_turnover_indicator: float
    reorder_alerts: int
    best_converting_channel: str
    best_conversion_rate: float
    total_records_processed: int
    sources_included: int
    data_sources: list[str]
    aggregation_complete: bool
    aggregated_at: str


class Insight(BaseModel):
    type: str
    severity: str
    message: str
    metric: float
    recommendation: str


class HealthScore(BaseModel):
    score: int
    max_score: int
    rating: str
    details: list[str]


class Insights(BaseModel):
    insights: list[Insight]
    insight_count: int
    health_score: HealthScore
    health_status: str
    recommendations_count: int
    total_metrics_analyzed: int
    pipeline_complete: bool
    generated_at: str
