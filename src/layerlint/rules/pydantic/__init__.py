"""The pydantic rules, one module per rule."""
