"""The thread and documents sections of every case page: post a message, attach a document,
download it; bad input shows a French error and stores nothing; strangers reach nothing."""

from __future__ import annotations

import re

import pytest

from shared.cases.documents import CaseDocument
from shared.cases.messages import CaseMessage
from tests.shared.cases.test_documents import JPEG, PDF, REFUSED, _multipart
from tests.shared.cases.test_messages import SCENES, Scene
from tests.support import factories as f
from tests.support.web import log_in

# The case page of each case type, from its API address.
PAGES = {
    "/api/orientation/cases/": "/orientation/cases/",
    "/api/orientation/discharges/": "/orientation/discharges/",
    "/api/orientation/epp-referrals/": "/orientation/epp/",
    "/api/agenda/teleconsultations/": "/agenda/teleconsultations/",
}


def _page_url(scene: Scene) -> str:
    for api, page in PAGES.items():
        if scene.url.startswith(api):
            return page + scene.url.removeprefix(api)
    raise AssertionError(scene.url)


@pytest.fixture(params=sorted(SCENES))
def scene(request, app, client, accounts) -> Scene:
    return SCENES[request.param](app, client, accounts)


def _post_document(client, url, token, content, kind="ordonnance", filename="ordo.pdf"):
    body, content_type = _multipart(
        {"csrf_token": token, "kind": kind}, {"file": (content, filename)}
    )
    return client.post(url, data=body, content_type=content_type)


def test_a_participant_talks_and_attaches_from_the_case_page(app, client, scene):
    names = list(scene.participants)
    writer, reader = scene.participants[names[0]], scene.participants[names[-1]]
    url = _page_url(scene)
    token = log_in(client, writer["X-Test-Email"])
    html = client.get(url).get_data(as_text=True)
    assert "Fil de discussion" in html and "Aucun message pour le moment." in html
    assert "Aucun document joint." in html

    response = client.post(
        f"{url}/messages", data={"csrf_token": token, "body": "Rappel : RDV kiné mardi."}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url + "#fil")
    response = _post_document(client, f"{url}/documents", token, PDF)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url + "#documents")
    html = client.get(url).get_data(as_text=True)
    assert "Message envoyé." in html or "Document joint au dossier." in html
    assert "Rappel : RDV kiné mardi." in html
    assert "ordo.pdf" in html

    client.post("/logout", data={"csrf_token": token})
    log_in(client, reader["X-Test-Email"])
    html = client.get(url).get_data(as_text=True)
    assert "1 nouveau" in html  # unread for the reader, until now
    assert "1 nouveau" not in client.get(url).get_data(as_text=True)
    link = re.search(r'href="([^"]+/documents/[^"]+)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_bad_input_on_the_page_says_why_in_french_and_stores_nothing(app, client, accounts):
    scene = SCENES["sortie_hospitalisation"](app, client, accounts)
    url = _page_url(scene)
    token = log_in(client, scene.participants["dac"]["X-Test-Email"])
    response = client.post(f"{url}/messages", data={"csrf_token": token, "body": "  "})
    assert response.status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "Message non envoyé : Ce champ ne peut pas être vide." in html
    response = client.post(f"{url}/messages", data={"csrf_token": token, "body": "x" * 4001})
    html = client.get(url).get_data(as_text=True)
    assert "Message non envoyé : Entre 1 et 4000 caractères." in html
    _post_document(client, f"{url}/documents", token, REFUSED["html renamed .pdf"])
    html = client.get(url).get_data(as_text=True)
    assert "Document non joint : Seuls les fichiers PDF, JPEG et PNG sont acceptés." in html
    _post_document(client, f"{url}/documents", token, JPEG, kind="radio")
    html = client.get(url).get_data(as_text=True)
    assert "Document non joint : Choisissez le type" in html
    assert f.count(app, CaseMessage) == 0
    assert f.count(app, CaseDocument) == 0


def test_a_large_document_passes_the_page_s_csrf_check(app, client, accounts):
    """The pages read the form (CSRF) before the view: the upload's own limit applies."""
    scene = SCENES["sortie_hospitalisation"](app, client, accounts)
    url = _page_url(scene)
    token = log_in(client, scene.participants["dac"]["X-Test-Email"])
    big = PDF + b"0" * (3 * 1024 * 1024)
    response = _post_document(client, f"{url}/documents", token, big)
    assert response.status_code == 303
    assert f.count(app, CaseDocument) == 1


def test_strangers_reach_neither_the_forms_nor_the_documents(app, client, scene):
    url = _page_url(scene)
    owner = next(iter(scene.participants.values()))
    token = log_in(client, owner["X-Test-Email"])
    _post_document(client, f"{url}/documents", token, PDF)
    html = client.get(url).get_data(as_text=True)
    link = re.search(r'href="([^"]+/documents/[^"]+)"', html).group(1)
    client.post("/logout", data={"csrf_token": token})
    stranger = next(iter(scene.strangers.values()))
    token = log_in(client, stranger["X-Test-Email"])
    assert client.get(link).status_code == 404
    response = client.post(f"{url}/messages", data={"csrf_token": token, "body": "Bonjour"})
    assert response.status_code == 404
    assert _post_document(client, f"{url}/documents", token, PDF).status_code == 404
    assert f.count(app, CaseMessage) == 0
    assert f.count(app, CaseDocument) == 1
