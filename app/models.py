"""Imports every model so SQLAlchemy and Alembic see all tables."""

from app.approval.models import Signature  # noqa: F401
from app.audit import AuditEvent  # noqa: F401
from app.auth.models import ApiToken, Department, User, UserRole  # noqa: F401
from app.documents.models import Blob, Document, DocumentRelation, DocumentVersion  # noqa: F401
from app.improvement.models import Plan, PlanDocument, PlanIssue, PlanMeasure, PlanSignature  # noqa: F401
from app.issues.attachments import IssueAttachment  # noqa: F401
from app.issues.models import (  # noqa: F401
    Issue,
    IssueComment,
    IssueFollowUp,
    IssueLink,
    IssueReply,
    IssueTeamMember,
)
from app.issues.relations import IssueRelation  # noqa: F401
from app.leases import JobLease  # noqa: F401
from app.notify.models import Notification, NotificationPreference  # noqa: F401
from app.ocr.models import OcrJob  # noqa: F401
from app.preview.models import Preview  # noqa: F401
from app.reminders.models import (  # noqa: F401
    Delegation,
    MeetingDecision,
    MeetingUpdate,
    ReminderSent,
    ReviewMeeting,
    UnitsSold,
    Watch,
)
from app.search.models import IndexChange, IndexNode  # noqa: F401
from app.search.saved import SavedSearch  # noqa: F401
from app.training.models import Acknowledgement, ReadingRequirement  # noqa: F401
