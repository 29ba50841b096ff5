"""The alembic rules, one module per rule."""
