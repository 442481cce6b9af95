"""The tiles' pages: Today, a tile, an exception's records, and each record's page with its related rows."""
