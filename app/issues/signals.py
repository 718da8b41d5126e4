"""What happens to problem reports, for the features that react to it
(search indexing). Receivers are connected in ``create_app``."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the report id. Its searchable content changed.
issue_changed = _signals.signal("issue-changed")
