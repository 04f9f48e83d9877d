"""WSGI entry point: `gunicorn services.agenda.wsgi:app`."""

from services.agenda.app import create_app

app = create_app()
