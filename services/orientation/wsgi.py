"""WSGI entry point: `gunicorn services.orientation.wsgi:app`."""

from services.bootstrap import create_app

app = create_app(("orientation",))
