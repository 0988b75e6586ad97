"""Helpers every layer may use: Japanese text, charts, departments, content files, paths."""
