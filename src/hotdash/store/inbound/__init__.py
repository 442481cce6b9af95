"""Inbound webhooks, source-neutral: durable receipt with group commit, then mapping per source.

A source plugs in with two objects (see `registry`): a *receiver* that authenticates a delivery and says what
it is (`Delivery`), and a *handler* that maps a stored delivery into the canonical model. Everything between,
storing exactly once before acknowledging, draining oldest first, recording failures, is shared here.
"""
