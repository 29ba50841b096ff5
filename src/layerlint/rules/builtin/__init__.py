"""The builtin rules, one module per rule."""
