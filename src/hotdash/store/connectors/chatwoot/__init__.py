"""Chatwoot: tickets from conversation and message webhooks and the conversations API."""
