"""Domain rules and persistence, one module a feature."""
