"""The layering rules, one module per rule."""
