"""Ingestion: canonical records in, idempotent upserts by (source, external id) out (see `upsert`)."""
