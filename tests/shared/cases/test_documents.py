"""Documents on every case type: recognised by content, size-limited, encrypted at rest (the
database and the disk never hold the bytes in clear), every download audited, keys rotate;
on a discharge, documents stand for the summary and the prescription."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import tempfile
import uuid
import zlib

import pytest
from sqlalchemy import LargeBinary, select, type_coerce, update

from services.bootstrap import SERVICES, create_app
from services.orientation.discharges.models import DischargeCase
from services.orientation.discharges.readiness import ITEMS, lacks_something, missing_items
from shared.audit.models import AuditEntry
from shared.cases.documents import MAX_BYTES, CaseDocument, pdf_has_javascript
from shared.extensions import db
from shared.key_rotation import generate_key_spec, rotate_keys, stale_values
from tests.shared.cases.test_messages import SCENES, Scene, _discharge, _mt
from tests.support import factories as f
from tests.support.at_rest import pg_dump_data, sqlite_file_bytes

# A marker that no other row could hold: finding it anywhere means the bytes are in clear.
MARKER = b"MARQUEUR-EN-CLAIR-" + os.urandom(12).hex().encode()
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + MARKER + b"\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + MARKER
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + MARKER
FILENAME = "CR hospitalisation Lévy-MARQUEUR.pdf"


def _multipart(fields: dict[str, str], files: dict[str, tuple[bytes, str]]) -> tuple[bytes, str]:
    """A multipart body built in memory (the test client would spool a large one to disk)."""
    boundary = "----relais-test-" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (content, filename) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _upload(client, url, headers, content=PDF, kind="compte_rendu", filename=FILENAME):
    body, content_type = _multipart({"kind": kind}, {"file": (content, filename)})
    return client.post(f"{url}/documents", data=body, headers=headers, content_type=content_type)


@pytest.fixture(params=sorted(SCENES))
def scene(request, app, client, accounts) -> Scene:
    return SCENES[request.param](app, client, accounts)


def test_a_participant_uploads_lists_and_downloads_and_each_download_is_audited(app, client, scene):
    people = list(scene.participants.values())
    uploader, reader = people[0], people[-1]
    response = _upload(client, scene.url, uploader, filename="../../" + FILENAME)
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert document["filename"] == FILENAME  # no folder kept
    assert document["kind"] == "compte_rendu"
    assert document["media_type"] == "application/pdf"
    assert document["size"] == len(PDF)
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert set(document) == {"id", "filename", "kind", "media_type", "size", "sha256", "created_at"}

    listed = client.get(f"{scene.url}/documents", headers=reader)
    assert listed.status_code == 200
    assert listed.get_json()["items"] == [document]

    def downloads() -> int:
        with app.app_context():
            return len(
                list(
                    db.session.scalars(
                        select(AuditEntry).where(
                            AuditEntry.reference == scene.reference,
                            AuditEntry.action == "download",
                            AuditEntry.user_email == reader["X-Test-Email"],
                        )
                    )
                )
            )

    for expected in (1, 2):
        got = client.get(f"{scene.url}/documents/{document['id']}", headers=reader)
        assert got.status_code == 200
        assert got.data == PDF
        assert got.mimetype == "application/pdf"
        assert got.headers["Content-Disposition"].startswith("attachment;")
        assert (
            "filename*=UTF-8''CR%20hospitalisation%20L%C3%A9vy"
            in got.headers["Content-Disposition"]
        )
        assert downloads() == expected


def test_who_may_not_see_the_case_reaches_no_document(app, client, scene):
    uploader = next(iter(scene.participants.values()))
    document = _upload(client, scene.url, uploader).get_json()
    for name, headers in scene.strangers.items():
        assert _upload(client, scene.url, headers).status_code == 404, name
        assert client.get(f"{scene.url}/documents", headers=headers).status_code == 404, name
        got = client.get(f"{scene.url}/documents/{document['id']}", headers=headers)
        assert got.status_code == 404, name
    assert _upload(client, scene.url, scene.forbidden).status_code == 403
    got = client.get(f"{scene.url}/documents/{document['id']}", headers=scene.forbidden)
    assert got.status_code == 403
    assert f.count(app, CaseDocument) == 1


def test_a_document_is_reached_only_through_its_own_case(app, client, accounts):
    first, second = _mt(app, client, accounts), _mt(app, client, accounts)
    coordinator = first.participants["coordinator"]
    document = _upload(client, first.url, coordinator).get_json()
    got = client.get(f"{second.url}/documents/{document['id']}", headers=coordinator)
    assert got.status_code == 404
    got = client.get(f"{first.url}/documents/{uuid.uuid4()}", headers=coordinator)
    assert got.status_code == 404


@pytest.mark.parametrize(
    ("content", "media_type"), [(PNG, "image/png"), (JPEG, "image/jpeg")], ids=["png", "jpeg"]
)
def test_images_are_recognised_by_their_content_whatever_their_name(
    app, client, accounts, content, media_type
):
    scene = _mt(app, client, accounts)
    response = _upload(client, scene.url, scene.participants["gp"], content, filename="scan.pdf")
    assert response.status_code == 201
    assert response.get_json()["media_type"] == media_type
    assert response.get_json()["filename"] == "scan." + media_type.split("/")[1].replace(
        "jpeg", "jpg"
    )


def _flate_stream(text: bytes) -> bytes:
    packed = zlib.compress(text)
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n%%EOF\n"
    )


REFUSED = {
    "html renamed .pdf": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "plain text": b"Compte rendu : patient sorti le 3 mars.",
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04",
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40,
    "pdf with /JavaScript": b"%PDF-1.4\n1 0 obj\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF",  # noqa: E501
    "pdf with /JS only": b"%PDF-1.4\n1 0 obj\n<< /AA << /O << /JS (x) >> >> >>\nendobj\n%%EOF",
    "pdf with hex-escaped /J#53": b"%PDF-1.4\n1 0 obj\n<< /S /J#61vaScript /J#53 (x) >>\nendobj",
    "pdf with script in a compressed stream": _flate_stream(b"<< /S /JavaScript /JS (x) >>"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_anything_but_a_plain_pdf_jpeg_or_png_is_415_and_nothing_is_stored(
    app, client, accounts, name
):
    scene = _mt(app, client, accounts)
    response = _upload(client, scene.url, scene.participants["gp"], REFUSED[name])
    assert response.status_code == 415, name
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "PDF" in error["message"]
    assert f.count(app, CaseDocument) == 0


def test_the_javascript_check_reads_dictionaries_not_image_data():
    """Binary stream data holds any bytes by chance (`/JS` in about one 5 MB scan in four);
    only dictionaries, outside streams or in object streams, can carry a script."""
    image = b"\x89\x10/JS\x00/JavaScript\xff" * 3
    scan = (
        b"%PDF-1.7\n1 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length "
        + str(len(image)).encode()
        + b" >>\nstream\n"
        + image
        + b"\nendstream\nendobj\n%%EOF\n"
    )
    assert not pdf_has_javascript(scan)
    hidden = _flate_stream(b"<< /S /JavaScript /JS (x) >>")
    assert pdf_has_javascript(hidden)
    assert pdf_has_javascript(hidden.replace(b"/ObjStm", b"/Obj#53tm"))
    # a dictionary after an image stream is still read
    assert pdf_has_javascript(scan.replace(b"%%EOF", b"2 0 obj << /JS (x) >> endobj\n%%EOF"))


def test_the_javascript_check_reads_names_not_words():
    assert not pdf_has_javascript(b"%PDF-1.4\n(Le mot JavaScript dans un texte) /JSON /JSX\n")
    assert pdf_has_javascript(b"%PDF-1.4\n<</JavaScript 3 0 R>>")


def test_over_10_mb_is_413_and_nothing_is_stored(app, client, accounts):
    scene = _mt(app, client, accounts)
    gp = scene.participants["gp"]
    # Just over the limit: within the request's margin, refused on the file's own size.
    just_over = PDF + b"0" * (MAX_BYTES + 1 - len(PDF))
    response = _upload(client, scene.url, gp, just_over)
    assert response.status_code == 413
    assert "10 Mo" in response.get_json()["error"]["message"]
    # Far over: refused before the body is read.
    response = _upload(client, scene.url, gp, just_over + b"0" * (1024 * 1024))
    assert response.status_code == 413
    assert "10 Mo" in response.get_json()["error"]["message"]
    assert f.count(app, CaseDocument) == 0


def test_exactly_10_mb_is_accepted(app, client, accounts):
    scene = _mt(app, client, accounts)
    content = PDF + b"0" * (MAX_BYTES - len(PDF))
    response = _upload(client, scene.url, scene.participants["gp"], content)
    assert response.status_code == 201
    assert response.get_json()["size"] == MAX_BYTES


@pytest.mark.parametrize(
    ("fields", "files"),
    [
        ({}, {"file": (PDF, "a.pdf")}),
        ({"kind": "radiographie"}, {"file": (PDF, "a.pdf")}),
        ({"kind": "ordonnance"}, {}),
        ({"kind": "ordonnance"}, {"file": (b"", "vide.pdf")}),
    ],
)
def test_a_missing_or_unknown_kind_or_file_is_422(app, client, accounts, fields, files):
    scene = _mt(app, client, accounts)
    body, content_type = _multipart(fields, files)
    response = client.post(
        f"{scene.url}/documents",
        data=body,
        headers=scene.participants["gp"],
        content_type=content_type,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]
    assert f.count(app, CaseDocument) == 0


# --- never in clear -------------------------------------------------------------------------


def _everything_in_the_database(app) -> bytes:
    """Every value of every table, as bytes."""
    chunks = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(*[type_coerce(c, LargeBinary) for c in table.c])):
                chunks.extend(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                              for v in row)  # fmt: skip
    return b"\n".join(chunks)


def test_neither_the_database_nor_any_file_holds_the_uploaded_bytes_in_clear(
    app, client, accounts, settings, backend, monkeypatch
):
    scene = _mt(app, client, accounts)
    gp = scene.participants["gp"]
    # Large enough that Werkzeug would spool it to a temporary file (over 500 KB).
    big = PDF + b"\n%" + os.urandom(1024 * 1024).hex().encode() + b"\n%%EOF\n"
    opened = []

    def recording(original):
        def open_temporary(*args, **kwargs):
            opened.append(original.__name__)
            return original(*args, **kwargs)

        return open_temporary

    for name in ("TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, recording(getattr(tempfile, name)))
    for content in (PDF, PNG, JPEG, big):
        assert _upload(client, scene.url, gp, content).status_code == 201
    # No temporary file was opened while the uploads ran (their bytes stayed in memory).
    assert opened == []
    monkeypatch.undo()
    stored = _everything_in_the_database(app)
    assert scene.reference.encode() in stored  # we read the right rows
    assert MARKER not in stored
    assert b"MARQUEUR" not in stored and "Lévy".encode() not in stored  # the name is sealed
    if backend == "sqlite":
        raw = sqlite_file_bytes(settings.database_url)
        assert scene.reference.encode() in raw
        assert MARKER not in raw
    # And every copy decrypts to what was sent.
    with app.app_context():
        contents = {d.content for d in db.session.scalars(select(CaseDocument))}
    assert contents == {PDF, PNG, JPEG, big}


@pytest.mark.postgres_only
def test_a_pg_dump_holds_no_document_in_clear(settings, app, client, accounts):
    scene = _mt(app, client, accounts)
    assert _upload(client, scene.url, scene.participants["gp"]).status_code == 201
    dump = pg_dump_data(settings.database_url)
    assert scene.reference.encode() in dump
    assert MARKER not in dump
    assert MARKER.hex().encode() not in dump  # bytea is dumped as hex


def test_key_rotation_reseals_documents_and_messages(settings, app, client, accounts):
    k1, k2 = generate_key_spec("k1"), generate_key_spec("k2")
    apps = [create_app(SERVICES, dataclasses.replace(settings, encryption_keys=k)) for k in
            (k1, f"{k2},{k1}", k2)]  # fmt: skip
    old, _rotated, new_only = (a.test_client() for a in apps)
    scene = _mt(apps[0], old, accounts)  # the patient's identity sealed with k1 too
    gp = scene.participants["gp"]
    document = _upload(old, scene.url, gp).get_json()
    assert (
        old.post(f"{scene.url}/messages", json={"body": "Bonjour"}, headers=gp).status_code == 201
    )
    with apps[1].app_context():
        stale = stale_values()
        assert stale["case_documents"] == 2  # the content and the name
        assert stale["case_messages"] == 1
        report = rotate_keys()
        assert report.rows["case_documents"] == 1
        assert stale_values() == {}
        raw = db.session.scalar(select(type_coerce(CaseDocument.content, LargeBinary)))
        assert bytes(raw).startswith(b"k2:")
    got = new_only.get(f"{scene.url}/documents/{document['id']}", headers=gp)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Disposition"].startswith('attachment; filename="CR hospital')
    items = new_only.get(f"{scene.url}/messages", headers=gp).get_json()["items"]
    assert [item["body"] for item in items] == ["Bonjour"]
    for extra in apps:
        with extra.app_context():
            db.engine.dispose()


# --- a discharge's report and prescription as documents -------------------------------------


def test_documents_stand_for_the_summary_and_the_prescription_in_mark_ready(app, client, accounts):
    scene = _discharge(app, client, accounts)
    dac = scene.participants["dac"]
    url = scene.url
    client.patch(url, json={"summary": None, "prescription": None}, headers=dac)
    case = client.get(url, headers=dac).get_json()
    assert {"compte rendu court", "ordonnance détaillée"} <= set(case["missing"])
    case = f.fire(client, case, "prepare", dac)

    def mark_ready():
        return client.post(f"{url}/transitions/mark_ready", json={}, headers=dac)

    refused = mark_ready()
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"summary", "prescription"}
    # A letter is neither.
    assert _upload(client, url, dac, kind="courrier").status_code == 201
    assert set(mark_ready().get_json()["error"]["fields"]) == {"summary", "prescription"}
    assert _upload(client, url, dac, kind="compte_rendu").status_code == 201
    assert set(mark_ready().get_json()["error"]["fields"]) == {"prescription"}
    assert _upload(client, url, scene.participants["nurse"], PNG, "ordonnance").status_code == 201
    ready = mark_ready()
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["state"] == "ready"


def test_python_and_sql_agree_on_readiness_with_documents(app, client, accounts):
    """Each of the summary and the prescription: as text, as a document, as a document of
    another kind or another case, or absent."""
    coordinator = accounts.create("coordinator")
    nurse = f.professional(client, coordinator, profession="nurse")["id"]
    dac = accounts.create("dac")
    ways = ("text", "document", "other_kind", "other_case", "none")
    combinations = list(itertools.product(ways, repeat=2))
    made = {}
    for combination in combinations:
        case = f.discharge(client, dac, nurse)
        made[case["id"]] = combination
    decoy = f.discharge(client, dac, nurse)
    kinds = {"summary": "compte_rendu", "prescription": "ordonnance"}
    for case_id, combination in made.items():
        url = f"/api/orientation/discharges/{case_id}"
        for field, way in zip(("summary", "prescription"), combination, strict=True):
            if way == "document":
                assert _upload(client, url, dac, kind=kinds[field]).status_code == 201
            elif way == "other_kind":
                assert _upload(client, url, dac, kind="autre").status_code == 201
            elif way == "other_case":
                decoy_url = f"/api/orientation/discharges/{decoy['id']}"
                assert _upload(client, decoy_url, dac, kind=kinds[field]).status_code == 201
    with app.app_context():
        for case_id, combination in made.items():
            blank = {
                field: None
                for field, way in zip(("summary", "prescription"), combination, strict=True)
                if way != "text"
            }
            if blank:
                db.session.execute(
                    update(DischargeCase)
                    .where(DischargeCase.id == uuid.UUID(case_id))
                    .values(**blank)
                )
        db.session.commit()
        in_sql = {
            str(i) for i in db.session.scalars(select(DischargeCase.id).where(lacks_something()))
        }  # noqa: E501
        by_field = {item.field: item for item in ITEMS}
        for case_id, (summary, prescription) in made.items():
            case = db.session.get(DischargeCase, uuid.UUID(case_id))
            expected = [
                by_field[name]
                for name, way in (("summary", summary), ("prescription", prescription))
                if way not in ("text", "document")
            ]
            assert missing_items(case) == expected, (summary, prescription)
            assert (case_id in in_sql) == bool(expected), (summary, prescription)
