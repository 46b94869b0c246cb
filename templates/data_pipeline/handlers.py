"""The analytics pipeline's Tasker handlers (thin: they call ``extract`` and ``analysis``).

Registered names: ``data_pipeline_extract_sales_data``, ``data_pipeline_extract_inventory_data``,
``data_pipeline_extract_customer_data``, ``data_pipeline_transform_sales``,
``data_pipeline_transform_inventory``, ``data_pipeline_transform_customers``,
``data_pipeline_aggregate_metrics``, ``data_pipeline_generate_insights``.
"""

from __future__ import annotations

from tasker_core.step_handler.functional import depends_on, inputs, step_handler
from tasker_core.types import StepContext

from ..handler_support import classified_errors, required, utc_now
from . import analysis, extract
from .models import (
    AggregateMetrics,
    AnalyticsInput,
    CustomerExtract,
    CustomerSummary,
    Insights,
    InventoryExtract,
    InventorySummary,
    SalesExtract,
    SalesSummary,
)


@step_handler("data_pipeline_extract_sales_data")
@inputs(AnalyticsInput)
def extract_sales_data(inputs: AnalyticsInput, context: StepContext) -> SalesExtract:
    with classified_errors():
        return extract.extract_sales(
            inputs,
            pipeline_id=inputs.pipeline_id or context.task_uuid,
            attempt=context.retry_count,
            now=utc_now(),
        )


@step_handler("data_pipeline_extract_inventory_data")
@inputs(AnalyticsInput)
def extract_inventory_data(inputs: AnalyticsInput, context: StepContext) -> InventoryExtract:
    with classified_errors():
        return extract.extract_inventory(inputs, now=utc_now())


@step_handler("data_pipeline_extract_customer_data")
@inputs(AnalyticsInput)
def extract_customer_data(inputs: AnalyticsInput, context: StepContext) -> CustomerExtract:
    with classified_errors():
        return extract.extract_customers(inputs, now=utc_now())


@step_handler("data_pipeline_transform_sales")
@depends_on(sales=("extract_sales_data", SalesExtract))
def transform_sales(sales: SalesExtract | None) -> SalesSummary:
    with classified_errors():
        return analysis.transform_sales(required(sales, "extract_sales_data"), now=utc_now())


@step_handler("data_pipeline_transform_inventory")
@depends_on(stock=("extract_inventory_data", InventoryExtract))
def transform_inventory(stock: InventoryExtract | None) -> InventorySummary:
    with classified_errors():
        return analysis.transform_inventory(
            required(stock, "extract_inventory_data"), now=utc_now()
        )


@step_handler("data_pipeline_transform_customers")
@depends_on(customers=("extract_customer_data", CustomerExtract))
def transform_customers(customers: CustomerExtract | None) -> CustomerSummary:
    with classified_errors():
        return analysis.transform_customers(
            required(customers, "extract_customer_data"), now=utc_now()
        )


@step_handler("data_pipeline_aggregate_metrics")
@depends_on(
    sales=("transform_sales", SalesSummary),
    stock=("transform_inventory", InventorySummary),
    customers=("transform_customers", CustomerSummary),
)
def aggregate_metrics(
    sales: SalesSummary | None, stock: InventorySummary | None, customers: CustomerSummary | None
) -> AggregateMetrics:
    return analysis.aggregate(
        required(sales, "transform_sales"),
        required(stock, "transform_inventory"),
        required(customers, "transform_customers"),
        now=utc_now(),
    )


@step_handler("data_pipeline_generate_insights")
@depends_on(metrics=("aggregate_metrics", AggregateMetrics))
def generate_insights(metrics: AggregateMetrics | None) -> Insights:
    return analysis.insights(required(metrics, "aggregate_metrics"), now=utc_now())
