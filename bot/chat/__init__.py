"""The neutral chat contract between features and platforms: requests, replies, router, messages."""
