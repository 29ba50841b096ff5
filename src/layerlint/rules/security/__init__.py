"""The security rules, one module per rule."""
