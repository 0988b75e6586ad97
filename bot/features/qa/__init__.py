"""Document Q&A: ingestion (:mod:`.ingest`), retrieval (:mod:`.index`), answers (:mod:`.answer`), privacy guard."""
