"""Previews: first-page thumbnails, page images and DOCX as HTML, made once
per blob in the background and shown with the same permission as downloads."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.documents.signals import version_stored
    from app.preview import service

    version_stored.connect(service.on_version_stored)
    app.add_template_global(service.preview_of, "preview_of")
    app.add_template_global(service.previews_of, "previews_of")
    app.add_template_global(service.list_thumbnails, "list_thumbnails")
    app.add_template_global(service.hit_thumbnails, "hit_thumbnails")
    app.add_template_global(service.html_for, "preview_html")
