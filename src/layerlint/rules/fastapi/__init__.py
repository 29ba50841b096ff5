"""The fastapi rules, one module per rule."""
