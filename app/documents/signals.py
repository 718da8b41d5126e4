"""What happens to documents, for the features that react to it (search
indexing, notifications). Receivers are connected in ``create_app``; the
documents package knows none of them.

Senders run inside the service's transaction: a receiver that writes rows
(the search outbox) commits or rolls back with the change itself.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the document id. Its searchable content or audience changed.
document_changed = _signals.signal("document-changed")
# sender: the DocumentVersion; kwargs: from_state, to_state, actor, comment.
version_state_changed = _signals.signal("version-state-changed")
# sender: the new DocumentVersion, flushed (it has an id), before the commit.
# OCR queues a job for a scan without a text layer (app.ocr).
version_stored = _signals.signal("version-stored")
