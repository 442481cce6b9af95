"""The operator guide's decision trees, one module per tile: pure functions from figures to actions."""
