"""The services rules, one module per rule."""
