"""The privacy manifest: a shop's data map as code (model, loading, vocabulary)."""
