"""The engine's own database: typed SQLAlchemy models, packaged Alembic migrations, sessions."""
