"""Requests sent at the same moment, to see row locks and unique indexes decide (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from flask import Flask


def race(app: Flask, requests: Sequence[tuple[str, str, dict, Any]]) -> list[Any]:
    """Send each `(method, path, headers, json body)` at the same moment, each from its own
    thread and test client; the responses in the order of `requests`."""
    barrier = threading.Barrier(len(requests))
    responses: list[Any] = [None] * len(requests)

    def send(index: int, method: str, path: str, headers: dict, body: Any) -> None:
        client = app.test_client()
        barrier.wait()
        responses[index] = getattr(client, method)(path, json=body, headers=headers)

    threads = [
        threading.Thread(target=send, args=(index, *request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses
