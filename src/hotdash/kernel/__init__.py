"""What every context shares, below them all: one copy each, so tiles, rules and cases agree.

- `entities`: the registry of business entities (key, model, label, business key, display name, URL);
- `calendar`: the business calendar and its SLA arithmetic;
- `tunables`: the guide's thresholds, their managers' overrides and the values in force (the shared
  definitions that need the store's tables, open ticket, delayed order, top seller, ..., are in `store`);
- `http`: the API's error type and shape, the typed services dependency, page rendering, the request clock;
- `jobs`: the durable job queue and the transactional outbox.

A second copy of any of these in a context is a bug.
"""
