"""The demo store: a deterministic, realistic dataset that ends at "now", so every time window is live."""
