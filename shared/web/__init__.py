"""Server-rendered pages shared by every service: session login, CSRF, layout, registries.

Services add their pages with `page_blueprint(...)` and `@page(...)` (see `pages.py`), and
declare their navigation links and task counters in `register(app)` (see `registry.py`).
"""

from shared.web.setup import register_web

__all__ = ["register_web"]
