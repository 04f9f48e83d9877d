"""WSGI entry point: `gunicorn services.orientation.wsgi:app`."""

from services.orientation.app import create_app

app = create_app()
