"""The sqlalchemy rules, one module per rule."""
