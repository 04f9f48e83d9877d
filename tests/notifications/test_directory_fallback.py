"""City professionals without a Relais account are told by e-mail at their MSSanté address."""

from __future__ import annotations

from sqlalchemy import func, select

from services.notifications.models import Delivery, InboxItem
from services.notifications.service import process_event
from shared.db import unit_of_work
from shared.extensions import db
from shared.outbox.emit import emit
from tests.support import factories


def test_a_named_professional_without_account_gets_one_email_and_no_inbox_entry(
    embedded, client, accounts, smtp
):
    coordinator = accounts.create("coordinator")
    without_account = factories.professional(
        client, coordinator, profession="nurse", mssante_email="ide.sanscompte@test.mssante.fr"
    )
    with_account, member = factories.professional_account(
        client,
        accounts,
        coordinator,
        profession="nurse",
        mssante_email="ide.aveccompte@test.mssante.fr",
    )
    payload = {
        "case_id": "00000000-0000-0000-0000-000000000001",
        # Named twice: still one e-mail.
        "city_professional_ids": [without_account["id"], with_account["id"], without_account["id"]],
    }
    with embedded.app_context():
        with unit_of_work():
            event = emit(
                "sortie_hospitalisation.mark_ready", reference="SH-2026-000001", payload=payload
            )
        assert process_event(event.id) == "delivered"
        # Handled again (redelivery): nothing new.
        with unit_of_work():
            db.session.get(type(event), event.id).processed_at = None
        process_event(event.id)
        inbox_owners = set(db.session.scalars(select(InboxItem.user_id)))
        emails = db.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.channel == "email")
        )

    recipients = sorted(m["To"] for m in smtp.messages())
    assert recipients == sorted(["ide.sanscompte@test.mssante.fr", member["X-Test-Email"]])
    assert emails == 2
    assert {str(owner) for owner in inbox_owners} == {member["X-Test-User-Id"]}
    message = next(m for m in smtp.messages() if m["To"] == "ide.sanscompte@test.mssante.fr")
    assert "SH-2026-000001" in message["Subject"]


def test_a_professional_without_account_nor_mssante_address_is_skipped(
    embedded, client, accounts, smtp
):
    coordinator = accounts.create("coordinator")
    entry = factories.professional(client, coordinator, profession="nurse", mssante_email=None)
    with embedded.app_context():
        with unit_of_work():
            event = emit(
                "sortie_hospitalisation.discharge",
                reference="SH-2026-000002",
                payload={"case_id": "x", "city_professional_ids": [entry["id"]]},
            )
        assert process_event(event.id) == "delivered"
    assert smtp.messages() == []
