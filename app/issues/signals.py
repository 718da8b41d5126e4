"""What happens to problem reports, for the features that react to it
(search indexing). Receivers are connected in ``create_app``."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the report id. Its searchable content changed.
issue_changed = _signals.signal("issue-changed")
# sender: the Issue; kwargs: from_state, to_state, actor, comment.
issue_state_changed = _signals.signal("issue-state-changed")
# sender: the Issue; kwargs: actor, assignee (User or None), added_team (list of User).
issue_assigned = _signals.signal("issue-assigned")
# sender: the new IssueAttachment, flushed (it has an id). OCR queues a job
# for a photo or a scan without a text layer (app.ocr).
attachment_stored = _signals.signal("attachment-stored")
