"""Zendesk Support: tickets from the Tickets API and the incremental ticket export."""
