"""Scheduled work: the job registry, APScheduler wiring, triggers and the business calendar."""
