"""WSGI entry point: `gunicorn services.agenda.wsgi:app`."""

from services.bootstrap import create_app

app = create_app(("agenda",))
