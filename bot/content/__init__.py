"""The city's own content: the bundled files (``content/``) overlaid with the versions the DX office uploads in chat.

Uploads and versions live in the database (:mod:`.models`, :mod:`.store`), so every replica serves the same
content; :func:`.tree.content_root` gives the folder the loaders read (the bundled one while the city has
published nothing of its own). Every upload, publish, revert and document change is in the audit log.
"""
