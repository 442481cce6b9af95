"""HotDash: the operations control center for online stores' operations teams."""

__version__ = "0.1.0"
