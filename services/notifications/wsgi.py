"""WSGI entry point: `gunicorn services.notifications.wsgi:app`."""

from services.bootstrap import create_app

app = create_app(("notifications",))
