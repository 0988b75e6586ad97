"""The DX office's content in chat: uploads (documents, lessons, facts and their data, poll templates, synonyms),
previews with 公開 / 取り消し, ``/kiun admin content`` (what is the city's own, history, revert) and the CLI's
export, import and audit log. The versions themselves live in :mod:`bot.content`."""
