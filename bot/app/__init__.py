"""Settings, the Core every request and job receives, logging and metrics."""
