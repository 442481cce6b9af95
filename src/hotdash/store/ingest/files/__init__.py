"""File import: read CSV, NDJSON and JSON files of one entity into `upsert_batch`, in chunks."""
