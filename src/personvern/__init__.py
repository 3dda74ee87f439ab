"""personvern: a self-hosted privacy-operations engine for online shops."""

__version__ = "0.1.0"
