"""Connectors to a shop's own databases: schema graph, verification, traversal plans."""
