"""Serve a Flask app with gunicorn from inside the `relais` command."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from shared.ops.logs import gunicorn_logconfig


class _EmbeddedServer(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        # Settings this gunicorn version does not know are skipped (gunicorn's own example).
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, *, host: str, port: int) -> None:
    """Serve `app` on host:port: one process (in-process delivery stays single), threads."""
    _EmbeddedServer(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": 8,
            "graceful_timeout": 20,
            "timeout": 60,
            "accesslog": None,
            # No control socket: several servers on one host would share its default path.
            "control_socket_disable": True,
            "logconfig_dict": gunicorn_logconfig(app.config["RELAIS_SETTINGS"].log_level),
            "pre_fork": _freeze_before_fork,
        },
    ).run()


def _freeze_before_fork(_server: Any, _worker: Any) -> None:
    """Move the master's objects (the whole app, imported before the fork) out of the garbage
    collector's sight: the worker's collections would otherwise write to every page holding
    one, and each page written stops being shared with the master."""
    gc.collect()
    gc.freeze()
