"""Append-only, hash-chained audit log: :mod:`personvern.audit.chain`.

Kept empty so that importing the CLI (``personvern --help``) does not load SQLAlchemy.
"""
