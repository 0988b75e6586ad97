"""Pulse polls: templates, runs (open, answer, remind, close), results with anonymity thresholds, trend.

See docs/polls.md for what is and is not stored.
"""
