"""Documents on a case: upload and download throughput through the API.

- `document_upload_mb_per_s`: megabytes of PDF per second through `POST …/documents` (reported,
  no goal): multipart parsing in memory, type recognition, the JavaScript check (which inflates
  every compressed stream), AES-GCM encryption and the insert, one upload at a time.
- `document_download_mb_per_s` (extra key): the same documents read back (decrypted, audited).

Measured through the WSGI app in-process (Flask test client): server time, no network.
PostgreSQL when reachable (`RELAIS_BENCH_PG`), else SQLite; its own database, dropped
afterwards. `BENCH_DOCUMENTS` (default 20) documents of `BENCH_DOCUMENT_MB` (default 5) MB.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
import uuid
import zlib

from bench.runner import fresh_database
from services.bootstrap import SERVICES, create_app
from shared.settings import Settings

PASSWORD = "bench-password-1234"  # noqa: S105 - throwaway benchmark account
DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "20"))
DOCUMENT_MB = float(os.environ.get("BENCH_DOCUMENT_MB", "5"))


def make_pdf(size: int, rng: random.Random) -> bytes:
    """A PDF of about `size` bytes: compressed text streams (a tenth, what the JavaScript check
    inflates) and an uncompressed image-like stream (the rest)."""
    words = [b"patient", b"sortie", b"traitement", b"pansement", b"suivi", b"ordonnance"]
    parts = [b"%PDF-1.7\n"]
    text_budget = size // 10
    number = 1
    while text_budget > 0:
        text = b" ".join(rng.choices(words, k=20_000))
        packed = zlib.compress(text)
        parts.append(
            f"{number} 0 obj\n<< /Filter /FlateDecode /Length {len(packed)} >>\nstream\n".encode()
            + packed
            + b"\nendstream\nendobj\n"
        )
        text_budget -= len(packed)
        number += 1
    filler = max(0, size - sum(map(len, parts)) - 80)
    parts.append(
        f"{number} 0 obj\n<< /Length {filler} >>\nstream\n".encode()
        + rng.randbytes(filler)
        + b"\nendstream\nendobj\n%%EOF\n"
    )
    return b"".join(parts)


def _seed() -> uuid.UUID:
    """A coordinator and one case; returns the case's id."""
    from services.orientation.medecin_traitant.models import (
        MedecinTraitantCase,
        MedecinTraitantHistory,
    )
    from shared.auth.service import create_user
    from shared.extensions import db
    from shared.timeutil import utcnow

    coordinator = create_user(
        email="coordination@bench.relais.test", password=PASSWORD, roles=["coordinator"]
    )
    now = utcnow()
    case = MedecinTraitantCase(
        id=uuid.uuid4(),
        reference="MT-2026-000001",
        state="submitted",
        version=1,
        created_by=coordinator.id,
        created_at=now,
        ald=False,
        vulnerabilities=[],
        languages=["fr"],
        reason="Médecin parti à la retraite (données générées).",
        consent_at=now,
        priority=3,
        priority_score=0,
        priority_reasons=["Généré pour la mesure"],
    )
    case.set_patient(
        {
            "last_name": "Mesure",
            "first_name": "Prénom",
            "birth_date": dt.date(1950, 3, 14),
            "sex": "F",
            "nir": None,
            "phone": "+33612345678",
            "email": None,
            "address": {"line": "1 rue des Mesures", "postal_code": "69003", "city": "Lyon"},
        }
    )
    db.session.add(case)
    db.session.add(
        MedecinTraitantHistory(
            case_id=case.id,
            transition="submit",
            to_state="submitted",
            by="coordination@bench.relais.test",
        )
    )
    db.session.commit()
    return case.id


def _multipart(content: bytes) -> tuple[bytes, str]:
    boundary = "relais-bench-" + uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncompte_rendu\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cr.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def run() -> list[dict]:
    """Upload then download DOCUMENTS documents, one at a time; MB/s over the whole run."""
    url, drop = fresh_database(f"relais_bench_documents_{os.getpid()}")
    try:
        settings = Settings(env="test", database_url=url, secret_key="bench-secret-key")
        app = create_app(SERVICES, settings)
        with app.app_context():
            case_id = _seed()
        client = app.test_client()
        token = client.post(
            "/api/auth/token",
            json={"email": "coordination@bench.relais.test", "password": PASSWORD},
        ).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        base = f"/api/orientation/cases/{case_id}/documents"
        rng = random.Random(11)
        size = int(DOCUMENT_MB * 1024 * 1024)
        documents = [make_pdf(size, rng) for _ in range(DOCUMENTS + 1)]
        bodies = [_multipart(content) for content in documents]
        # One upload to warm up (imports, connections), not counted.
        warm = client.post(base, data=bodies[0][0], content_type=bodies[0][1], headers=headers)
        assert warm.status_code == 201, warm.get_json()
        uploads, ids = [], []
        for body, content_type in bodies[1:]:
            started = time.perf_counter()
            response = client.post(base, data=body, content_type=content_type, headers=headers)
            uploads.append(time.perf_counter() - started)
            assert response.status_code == 201, response.get_json()
            ids.append(response.get_json()["id"])
        downloads = []
        for document_id, content in zip(ids, documents[1:], strict=True):
            started = time.perf_counter()
            response = client.get(f"{base}/{document_id}", headers=headers)
            downloads.append(time.perf_counter() - started)
            assert response.data == content
        backend = "postgresql" if url.startswith("postgresql") else "sqlite"
        with app.app_context():
            from shared.extensions import db

            db.engine.dispose()
    finally:
        drop()
    megabytes = size * DOCUMENTS / 1024 / 1024
    upload_rate = megabytes / sum(uploads)
    return [
        {
            "name": "document_upload_mb_per_s",
            "value": round(upload_rate, 1),
            "unit": "MB/s",
            "goal": "reported",
            "passed": True,
            "document_mb": DOCUMENT_MB,
            "documents": DOCUMENTS,
            "upload_median_ms": round(statistics.median(uploads) * 1000, 1),
            "document_download_mb_per_s": round(megabytes / sum(downloads), 1),
            "download_median_ms": round(statistics.median(downloads) * 1000, 1),
            "backend": backend,
            # The machine may be shared: the load average says how much the figure is inflated.
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
    ]
