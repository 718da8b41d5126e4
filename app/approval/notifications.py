"""Who is told when a version changes state (connected in ``create_app``
to ``app.documents.signals.version_state_changed``)."""

from __future__ import annotations

from flask import Flask

from app.auth.models import User
from app.auth.service import users_with_role
from app.documents.models import DocumentVersion, VersionState
from app.errors import N_
from app.notify.service import notify


def on_state_changed(version: DocumentVersion, *, to_state: str, actor: User, comment: str, **_) -> None:
    document = version.document
    # A path, not url_for: actions also run outside requests (CLI, demo).
    link = f"/documents/{document.id}"
    label = f"{version.label} {document.title} v{version.number}"
    if to_state == VersionState.in_review:
        reviewers = [
            u for u in users_with_role("dept_head", document.department_id) if u.id != version.author_id
        ]
        notify(
            reviewers,
            "review_requested",
            N_("%(label)s: waiting for your review (%(actor_name)s)"),
            link,
            label=label,
            actor_name=actor.name,
        )
    elif to_state == VersionState.pending_approval:
        leaders = [u for u in users_with_role("leader") if u.id != version.author_id]
        notify(
            leaders,
            "approval_requested",
            N_("%(label)s: reviewed, waiting for your approval"),
            link,
            label=label,
        )
    elif to_state == VersionState.effective and actor is None:
        notify(
            [version.author],
            "approved",
            N_("%(label)s: effective from today (%(version_effective_on)s)"),
            link,
            label=label,
            version_effective_on=version.effective_on,
        )
    elif to_state == VersionState.effective:
        notify(
            [version.author],
            "approved",
            N_("%(label)s: approved and now effective (%(actor_name)s)"),
            link,
            label=label,
            actor_name=actor.name,
        )
    elif to_state == VersionState.approved:
        notify(
            [version.author],
            "approved",
            N_("%(label)s: approved, effective on %(version_effective_on)s (%(actor_name)s)"),
            link,
            label=label,
            version_effective_on=version.effective_on,
            actor_name=actor.name,
        )
    elif to_state == VersionState.rejected:
        notify(
            [version.author],
            "rejected",
            N_("%(label)s: rejected by %(actor_name)s: %(comment)s"),
            link,
            label=label,
            actor_name=actor.name,
            comment=comment,
        )


def init_app(app: Flask) -> None:
    from app.documents.signals import version_state_changed

    version_state_changed.connect(on_state_changed)
