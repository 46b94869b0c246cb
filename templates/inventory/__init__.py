"""CSV inventory import: an analyzer splits a product file into batches that run in parallel."""
