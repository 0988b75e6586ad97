"""Getting messages out: the outbox and its sender."""
