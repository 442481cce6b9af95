"""Connectors: one package per source, each mapping that source's payloads to canonical batches."""
