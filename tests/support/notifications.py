"""Helpers of the notifications tests."""

from __future__ import annotations

import dataclasses
import time

from flask import Flask


def wait_for(predicate, *, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def configure(app: Flask, **changes) -> None:
    """Change the settings of a test app (the relay and services read them at each use)."""
    app.config["RELAIS_SETTINGS"] = dataclasses.replace(app.config["RELAIS_SETTINGS"], **changes)
