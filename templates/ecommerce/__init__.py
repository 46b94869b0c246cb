"""The e-commerce checkout: ``ecommerce/order_processing`` and its diamond variant."""

from __future__ import annotations
