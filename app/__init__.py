"""Application factory: ``create_app`` made of named ``register_*`` steps."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g

# Only the module is imported: names bound here would collide with the
# package's submodules (app.db, app.api) as attributes of `app`.
from app import extensions
from app.config import load_config

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_config(test_config))
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_template_helpers(app)
    register_features(app)
    return app


def register_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register_extensions(app: Flask) -> None:
    from flask_babel import gettext

    from app import models  # noqa: F401  (every table registered before migrate)
    from app.errors import N_
    from app.i18n import install_form_translations, select_locale, select_timezone

    db = extensions.db
    db.init_app(app)
    extensions.migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager = extensions.login_manager
    login_manager.init_app(app)
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    extensions.api.init_app(app)
    from app import security

    security.init_app(app)

    from app.auth.service import load_user_from_request, load_user_from_session

    login_manager.user_loader(load_user_from_session)
    login_manager.request_loader(load_user_from_request)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    # Flask-Login's flash is English; ours is in the catalogue and translated.
    login_manager.login_message = N_("Please log in to access this page.")
    login_manager.localize_callback = gettext
    install_form_translations()

    from sqlalchemy import event
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _note_request_commit):
        event.listen(Session, "after_commit", _note_request_commit)

    @app.before_request
    def _forget_cached_user():
        # flask-login and Flask-Babel cache the user and locale on `g`, which lives as long as the app
        # context; when a caller (tests, scripts) keeps one app context across
        # several requests, each request must still authenticate on its own.
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # the locale is chosen per request too
        # A request's objects are not reloaded after its commit: what it just
        # wrote is what its response shows, and the session ends with the
        # request (issue 20: one reload query per object after every commit).
        # Long-running loops (indexer, workers, scheduler) keep the default.
        db.session().expire_on_commit = False

    @app.teardown_request
    def _restore_expiry(_exc=None):
        # Tests and scripts that keep one app context across requests share
        # its session (in the service each request has its own, removed with
        # it). For them the request ends as if it had expired on commit:
        # what they hold is read again, and expiry on commit is back.
        session = db.session()
        session.expire_on_commit = True
        if session.info.pop("committed", False) and not (session.new or session.dirty or session.deleted):
            session.expire_all()

    @app.teardown_appcontext
    def _end_session(_exc=None):
        # Runs before Flask-SQLAlchemy's own close (registered earlier;
        # teardowns run last-registered first). The answer is made by now;
        # a connection the database dropped since (a restart) cannot be
        # rolled back, and that close would turn a committed write's 201
        # into a 500. Such a connection is discarded instead.
        try:
            db.session.close()
        except DBAPIError:
            db.session().invalidate()


def _note_request_commit(session) -> None:
    if not session.expire_on_commit:  # inside a request (see register_extensions)
        session.info["committed"] = True


def register_blueprints(app: Flask) -> None:
    from app.api import approval as api_approval
    from app.api import attachments as api_attachments
    from app.api import backups as api_backups
    from app.api import document_control as api_document_control
    from app.api import documents as api_documents
    from app.api import followup as api_followup
    from app.api import health as api_health
    from app.api import init_api
    from app.api import issue_relations as api_issue_relations
    from app.api import issues as api_issues
    from app.api import plans as api_plans
    from app.api import saved_searches as api_saved_searches
    from app.api import search as api_search
    from app.api import training as api_training
    from app.approval import views as approval_views
    from app.auth import admin_views
    from app.auth import views as auth_views
    from app.backup import views as backup_views
    from app.documents import views as documents_views
    from app.error_handlers import install_converters
    from app.improvement import views as plans_views
    from app.issues import views as issues_views
    from app.main_views import bp as main_bp
    from app.ocr import views as ocr_views
    from app.preview import views as preview_views
    from app.reminders import views as followup_views
    from app.search import views as search_views
    from app.training import views as training_views
    from app.workday import views as workday_views

    install_converters(app)
    for blueprint in (
        auth_views.bp,
        admin_views.bp,
        documents_views.bp,
        approval_views.bp,
        issues_views.bp,
        plans_views.bp,
        search_views.bp,
        backup_views.bp,
        training_views.bp,
        followup_views.bp,
        ocr_views.bp,
        preview_views.bp,
        workday_views.bp,
        main_bp,
    ):
        app.register_blueprint(blueprint)
    for module in (
        api_health,
        api_documents,
        api_approval,
        api_issues,
        api_plans,
        api_search,
        api_backups,
        api_document_control,
        api_training,
        api_issue_relations,
        api_saved_searches,
        api_followup,
        api_attachments,
    ):
        extensions.api.register_blueprint(module.blp, url_prefix="/api/v1")
    init_api(app)


def register_errors(app: Flask) -> None:
    from app.error_handlers import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    from app.cli import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import init_app

    init_app(app)


def register_features(app: Flask) -> None:
    """How features react to each other, wired here and nowhere else:
    signal receivers (index this, notify that), page panels, health probes."""
    from app import approval, backup, improvement, issues, ocr, preview, search, training
    from app.approval import views as approval_views
    from app.improvement import views as plans_views
    from app.issues import views as issues_views
    from app.storage import LocalBlobStore
    from app.training import views as training_views
    from app.workday import views as workday_views

    store = LocalBlobStore(app.config["STORAGE_DIR"])
    if store.tmp.is_dir():
        swept = store.sweep_staging()
        if swept:
            app.logger.warning("storage: removed %d staged uploads left by dead processes", swept)
    workday_views.init_app(app)  # first: "my tasks" heads the dashboard
    search.init_app(app)
    ocr.init_app(app)
    preview.init_app(app)
    approval.init_app(app)
    issues.init_app(app)
    improvement.init_app(app)
    backup.init_app(app)
    approval_views.init_app(app)
    issues_views.init_app(app)
    plans_views.init_app(app)
    training.init_app(app)
    training_views.init_app(app)
    from app.search import saved_views

    saved_views.init_app(app)
    from app import reminders
    from app.reminders import views as followup_views

    reminders.init_app(app)
    followup_views.init_app(app)
