"""The durable job queue and the transactional outbox, on the app's own database."""
