"""The one blueprint of the agenda pages; each page module adds its routes to it."""

from __future__ import annotations

from shared.web.pages import page_blueprint

blueprint = page_blueprint("agenda_pages", __name__, url_prefix="/agenda", templates="../templates")
