"""Configuration: defaults, then ``DOCTRACK_*`` environment variables.

Paths are per instance: the database, search index, backups and the
generated secret key live in the instance folder; blobs in the storage
folder.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta
from pathlib import Path

ENV_PREFIX = "DOCTRACK_"


def sqlalchemy_url(url: str) -> str:
    """postgresql:// (as libpq and pg_dump spell it) means the psycopg 3 driver."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _env(name: str, default=None):
    return os.environ.get(ENV_PREFIX + name, default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{ENV_PREFIX}{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_dir: Path) -> str:
    """The secret key from the environment, or one generated once and kept
    in the instance folder (embedded default only; never in the repo)."""
    key = _env("SECRET_KEY")
    if key:
        return key
    if _env("ENV", "development") == "production":
        raise RuntimeError("DOCTRACK_SECRET_KEY is required in production")
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config dict. ``overrides`` (tests) win over the
    environment, which wins over the defaults."""
    overrides = dict(overrides or {})
    instance_dir = Path(overrides.pop("INSTANCE_DIR", None) or _env("INSTANCE_DIR", "instance")).resolve()
    storage_dir = Path(overrides.pop("STORAGE_DIR", None) or _env("STORAGE_DIR", "storage")).resolve()
    database_url = sqlalchemy_url(
        overrides.pop("DATABASE_URL", None)
        or _env("DATABASE_URL", f"sqlite:///{instance_dir / 'doctrack.db'}")
    )
    max_upload_mb = _env_int("MAX_UPLOAD_MB", 50)
    config = {
        "INSTANCE_DIR": str(instance_dir),
        "STORAGE_DIR": str(storage_dir),
        # Where blobs live: "local" is STORAGE_DIR (a directory every node
        # mounts when there are several); see app.storage.BlobStore.
        "STORAGE_BACKEND": _env("STORAGE_BACKEND", "local"),
        "INDEX_DIR": str(instance_dir / "index"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": overrides.pop("SECRET_KEY", None) or _secret_key(instance_dir),
        "MAX_UPLOAD_BYTES": max_upload_mb * 1024 * 1024,
        # Werkzeug refuses bodies over this before we read them (413); the
        # margin leaves room for the multipart envelope and form fields.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 1024 * 1024,
        "MAX_UNPACKED_MB": _env_int("MAX_UNPACKED_MB", 200),
        # Text extraction runs in a child process with these budgets.
        "EXTRACT_TIMEOUT_S": _env_int("EXTRACT_TIMEOUT_S", 30),
        # A PDF gets this much more time per page (milliseconds), up to the cap.
        "EXTRACT_MS_PER_PAGE": _env_int("EXTRACT_MS_PER_PAGE", 150),
        "EXTRACT_TIMEOUT_MAX_S": _env_int("EXTRACT_TIMEOUT_MAX_S", 300),
        "EXTRACT_MEMORY_MB": _env_int("EXTRACT_MEMORY_MB", 512),
        # A diff between two versions stops comparing after this long and
        # shows the rest as one replaced block ("too large to compare in full").
        "DIFF_TIMEOUT_MS": _env_int("DIFF_TIMEOUT_MS", 100),
        # Input bounds (app/input_limits.py, app/search/service.py): a JSON
        # body's size and nesting, a search's words and its time.
        "JSON_MAX_BYTES": _env_int("JSON_MAX_KB", 1024) * 1024,
        "JSON_MAX_DEPTH": _env_int("JSON_MAX_DEPTH", 32),
        "SEARCH_TIMEOUT_MS": _env_int("SEARCH_TIMEOUT_MS", 3000),
        # A signature's password verified by this process within this many
        # seconds is recognised without a second scrypt run (app/auth/throttle.py).
        "SIGNATURE_PASSWORD_CACHE_S": _env_int("SIGNATURE_PASSWORD_CACHE_S", 300),
        "PASSWORD_HASH_METHOD": _env("PASSWORD_HASH_METHOD", "scrypt"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SECURE_COOKIES", False),
        # A form's CSRF token expires after this long; the secret behind the
        # tokens is replaced at every login and logout.
        "WTF_CSRF_TIME_LIMIT": _env_int("CSRF_TIME_LIMIT_S", 4 * 3600),
        # A session unused this long ends (sliding: every request renews it);
        # logout, a password change or deactivation end it at once.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_IDLE_HOURS", 12)),
        # Login throttling (Flask-Limiter). memory:// is per process: with
        # several gunicorn workers point it at Redis (redis://127.0.0.1:6379).
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_RATE_PER_ADDRESS": _env("LOGIN_RATE_PER_ADDRESS", "30 per minute"),
        "LOGIN_RATE_PER_ACCOUNT": _env("LOGIN_RATE_PER_ACCOUNT", "5 per 15 minutes"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": _env("TIMEZONE", "Asia/Taipei"),
        "LANGUAGES": ["zh_Hant", "zh_Hans", "en"],
        # Search index: drained inline after each commit on the embedded
        # default; a separate `flask search work` process at scale.
        "SEARCH_INLINE_INDEXING": _env_bool("SEARCH_INLINE", True),
        # This application node's name (several nodes on one database): its
        # search index cursor and the holder of the scheduler's job leases.
        "NODE_NAME": _env("NODE_NAME") or socket.gethostname(),
        # A scheduled job's lease lasts this long unless renewed (a node that
        # died mid-run lets another node run the slot after this).
        "JOB_LEASE_SECONDS": _env_int("JOB_LEASE_SECONDS", 300),
        # The index change log: a node unseen this long no longer holds back
        # pruning (it rebuilds its index when it returns); each node prunes
        # what all nodes have read at most this often.
        "INDEX_NODE_TIMEOUT_S": _env_int("INDEX_NODE_TIMEOUT_S", 86400),
        "INDEX_PRUNE_INTERVAL_S": _env_int("INDEX_PRUNE_INTERVAL_S", 60),
        # OCR of scans and images (app.ocr, `flask ocr worker`): off by
        # DOCTRACK_OCR=off, and off by itself when Tesseract is not installed.
        "OCR_ENABLED": _env_bool("OCR", True),
        "OCR_TESSERACT": _env("OCR_TESSERACT", "tesseract"),
        "OCR_LANGUAGES": _env("OCR_LANGUAGES", "chi_tra+chi_sim+eng"),
        "OCR_DPI": _env_int("OCR_DPI", 300),
        # A job's worker holds it this long past its last finished page.
        "OCR_LEASE_S": _env_int("OCR_LEASE_S", 600),
        "OCR_MAX_ATTEMPTS": _env_int("OCR_MAX_ATTEMPTS", 3),
        "OCR_PAGE_TIMEOUT_S": _env_int("OCR_PAGE_TIMEOUT_S", 300),
        "OCR_MAX_PAGES": _env_int("OCR_MAX_PAGES", 500),
        "OCR_MAX_PIXELS": _env_int("OCR_MAX_PIXELS", 60_000_000),
        # Previews: page images made per file (the viewer shows these; the rest is in the download).
        "PREVIEW_MAX_PAGES": _env_int("PREVIEW_MAX_PAGES", 30),
        # Each file attached to a problem report (photos, scans) up to this size.
        "ATTACHMENT_MAX_BYTES": _env_int("ATTACHMENT_MAX_MB", 20) * 1024 * 1024,
        "REVIEW_INTERVAL_MONTHS": _env_int("REVIEW_INTERVAL_MONTHS", 12),
        "REVIEW_DUE_SOON_DAYS": _env_int("REVIEW_DUE_SOON_DAYS", 30),
        "ISSUE_DUE_DAYS": {
            1: _env_int("ISSUE_DUE_DAYS_1", 3),
            2: _env_int("ISSUE_DUE_DAYS_2", 10),
            3: _env_int("ISSUE_DUE_DAYS_3", 30),
        },
        # Reminders and escalation (app.reminders): lead times before a
        # periodic review (days), before a problem report's or an action's
        # due date (days), N working days an approval step may wait, and M
        # days overdue after which the leaders are told.
        "REMINDER_REVIEW_LEAD_DAYS": [
            int(d) for d in (_env("REMINDER_REVIEW_LEAD_DAYS", "30,7") or "30,7").split(",") if d.strip()
        ],
        "REMINDER_DUE_LEAD_DAYS": _env_int("REMINDER_DUE_LEAD_DAYS", 1),
        "APPROVAL_REMINDER_WORKING_DAYS": _env_int("APPROVAL_REMINDER_WORKING_DAYS", 3),
        "ESCALATE_AFTER_DAYS": _env_int("ESCALATE_AFTER_DAYS", 7),
        # The monthly product-tracking report (app.reminders.report): its
        # language, the account that authors it (an e-mail; default the first
        # active admin), the owning department and a CJK font file.
        "REPORT_LOCALE": _env("REPORT_LOCALE", "zh_Hant"),
        "REPORT_AUTHOR": _env("REPORT_AUTHOR"),
        "REPORT_DEPARTMENT": _env("REPORT_DEPARTMENT", "QC"),
        "REPORT_FONT": _env("REPORT_FONT"),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": _env_int("SMTP_PORT", 25),
        "SMTP_USER": _env("SMTP_USER"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_FROM": _env("SMTP_FROM", "doctrack@localhost"),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", False),
        "BACKUP_DIR": str(Path(_env("BACKUP_DIR", str(instance_dir / "backups"))).resolve()),
        "BACKUP_CRON": _env("BACKUP_CRON", "0 2 * * *"),
        # Blob files with no row, older than this, are removed nightly by the scheduler.
        "STORAGE_GC_HOURS": _env_int("STORAGE_GC_HOURS", 24),
        "BACKUP_KEEP_DAILY": _env_int("BACKUP_KEEP_DAILY", 7),
        "BACKUP_KEEP_WEEKLY": _env_int("BACKUP_KEEP_WEEKLY", 4),
        "BACKUP_KEEP_MONTHLY": _env_int("BACKUP_KEEP_MONTHLY", 12),
        "BACKUP_S3_BUCKET": _env("BACKUP_S3_BUCKET"),
        "BACKUP_S3_ENDPOINT": _env("BACKUP_S3_ENDPOINT"),
        "BACKUP_S3_PREFIX": _env("BACKUP_S3_PREFIX", "doctrack-backups/"),
        # flask-smorest / OpenAPI
        "API_TITLE": "Doctrack API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    config.update(overrides)
    return config
