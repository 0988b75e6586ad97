"""Improvement ideas: proposing, similar-idea hints, votes, thread comments, the review workflow, digest, export.

Modules: :mod:`.rules` (statuses, categories, limits, validation), :mod:`.similar` (Japanese-aware similarity),
:mod:`.store` (persistence and the workflow), :mod:`.posts` (the channel post, DMs and digest as replies),
:mod:`.export` (CSV for Excel).
"""
