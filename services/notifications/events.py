"""Which event notifies whom, with which words: the one table to edit to add an event.

Each entry maps an event name (`<kind>.<transition>`) to its recipients and to the French text
of the notification. Texts may use `{reference}` and any payload key; they must never carry a
patient's identity or health data (the payloads do not hold any: only ids and states).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from shared.auth.mail import ACCOUNT_MAIL
from shared.auth.models import User
from shared.auth.roles import COORDINATOR
from shared.auth.service import users_for_professional, users_with_role
from shared.extensions import db


@dataclass(frozen=True)
class DirectoryAddress:
    """A directory professional without an active Relais account: e-mail only, no inbox."""

    directory_id: uuid.UUID  # the directory entry (agenda professional) id
    email: str


# Resolves the people concerned by one event payload.
Recipients = Callable[[dict[str, Any]], Sequence[User | DirectoryAddress]]

# Lookups already made by the events handled together (see `shared_lookups`).
_lookups: ContextVar[dict[tuple[str, object], Any] | None] = ContextVar(
    "relais_notification_lookups", default=None
)


@contextmanager
def shared_lookups() -> Iterator[None]:
    """Within the block, each group of people (every coordinator, the accounts of one
    directory entry, the holders of a role) is looked up once: for the events of one batch,
    resolved in one transaction."""
    token = _lookups.set({})
    try:
        yield
    finally:
        _lookups.reset(token)


def _looked_up(key: tuple[str, object], load: Callable[[], Any]) -> Any:
    memo = _lookups.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def coordinators() -> Recipients:
    """Every active coordinator."""
    return lambda _payload: _holders(COORDINATOR)


def submitter() -> Recipients:
    """The user who created the case (`payload.created_by`)."""

    def resolve(payload: dict[str, Any]) -> list[User | DirectoryAddress]:
        user = db.session.get(User, _uuid(payload.get("created_by")))
        return [user] if user is not None and user.active else []

    return resolve


def professional(key: str) -> Recipients:
    """The accounts of the directory entry whose id is `payload[key]`."""

    def resolve(payload: dict[str, Any]) -> list[User | DirectoryAddress]:
        pid = _uuid(payload.get(key))
        return _reach(pid) if pid else []

    return resolve


def professionals(key: str) -> Recipients:
    """The accounts of every directory entry listed in `payload[key]`."""

    def resolve(payload: dict[str, Any]) -> list[User | DirectoryAddress]:
        people: list[User | DirectoryAddress] = []
        for value in payload.get(key) or []:
            pid = _uuid(value)
            if pid:
                people.extend(_reach(pid))
        return people

    return resolve


def users(key: str) -> Recipients:
    """The active accounts whose ids are listed in `payload[key]`."""

    def resolve(payload: dict[str, Any]) -> list[User | DirectoryAddress]:
        ids = [pid for pid in (_uuid(v) for v in payload.get(key) or []) if pid]
        if not ids:
            return []
        return list(db.session.scalars(select(User).where(User.id.in_(ids), User.active)))

    return resolve


def roles(key: str) -> Recipients:
    """Every active holder of the roles listed in `payload[key]`."""

    def resolve(payload: dict[str, Any]) -> list[User | DirectoryAddress]:
        return [user for role in payload.get(key) or [] for user in _holders(str(role))]

    return resolve


def _holders(role: str) -> list[User]:
    """The active holders of `role`."""
    return _looked_up(("role", role), lambda: users_with_role(role))


def _reach(professional_id: uuid.UUID) -> list[User | DirectoryAddress]:
    """The entry's active accounts or, without any, its MSSanté address (e-mail only)."""
    return _looked_up(("professional", professional_id), lambda: _load_reach(professional_id))


def _load_reach(professional_id: uuid.UUID) -> list[User | DirectoryAddress]:
    users: list[User | DirectoryAddress] = list(users_for_professional(professional_id))
    if users:
        return users
    # Imported here: the directory belongs to the agenda service (same database).
    from services.agenda.directory.models import Professional

    email = db.session.scalar(
        select(Professional.mssante_email).where(Professional.id == professional_id)
    )
    return [DirectoryAddress(professional_id, email)] if email else []


def self_registration_contact() -> Recipients:
    """The e-mail a patient or carer gave on the public form (no account: e-mail only)."""

    def resolve(payload: dict[str, Any]) -> list[User | DirectoryAddress]:
        # Imported here: the case belongs to the orientation service (same database).
        from services.orientation.medecin_traitant.intake.public import acknowledgement_address

        case_id = _uuid(payload.get("case_id"))
        email = acknowledgement_address(case_id, payload.get("note")) if case_id else None
        # Keyed by the case (and the note): re-runs of the event add nothing.
        key = uuid.uuid5(case_id, str(payload.get("note"))) if case_id else None
        return [DirectoryAddress(key, email)] if email and key else []

    return resolve


# uuid5 namespace of the address an account e-mail goes to (the key of its delivery).
ACCOUNT_MAIL_NAMESPACE = uuid.UUID("0b8e4f0e-2b7c-4f57-9a55-4b1f6c8f7a13")


def account_mail_address() -> Recipients:
    """The address an account e-mail is written to (`payload.to`), with or without account."""

    def resolve(payload: dict[str, Any]) -> list[User | DirectoryAddress]:
        to = str(payload.get("to") or "").strip()
        return [DirectoryAddress(uuid.uuid5(ACCOUNT_MAIL_NAMESPACE, to), to)] if to else []

    return resolve


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Notice:
    """What one event tells, to whom, and where the link points (`PUBLIC_URL` + `link`)."""

    recipients: tuple[Recipients, ...]
    title: str
    summary: str
    link: str
    # The payload carries the e-mail's `subject` and `text`, sent as they are (e-mail only), and
    # erased once settled: account e-mails, whose single-use links are secrets.
    verbatim: bool = False


MT = "orientation/cases/{case_id}"
DISCHARGE = "orientation/discharges/{case_id}"
EPP = "orientation/epp/{case_id}"
BOOKINGS = "agenda/bookings"
TELECONSULTATIONS = "agenda/teleconsultations"
TELECONSULTATION = "agenda/teleconsultations/{case_id}"
# A message on a case: its participants (listed by the case type when it was posted; the
# author is never told), told that there is one, never what it says.
PARTICIPANTS = (roles("roles"), users("user_ids"), professionals("professional_ids"))
MESSAGE_SUMMARY = "Un nouveau message a été écrit dans le fil du dossier. Ouvrez-le pour le lire."

EVENTS: dict[str, Notice] = {
    "medecin_traitant.message": Notice(
        PARTICIPANTS, "Nouveau message sur le dossier {reference}", MESSAGE_SUMMARY, MT
    ),
    "sortie_hospitalisation.message": Notice(
        PARTICIPANTS, "Nouveau message sur la sortie {reference}", MESSAGE_SUMMARY, DISCHARGE
    ),
    "epp.message": Notice(
        PARTICIPANTS, "Nouveau message sur la demande d'EPP {reference}", MESSAGE_SUMMARY, EPP
    ),
    "teleconsultation.message": Notice(
        PARTICIPANTS,
        "Nouveau message sur la téléconsultation {reference}",
        MESSAGE_SUMMARY,
        TELECONSULTATION,
    ),
    "medecin_traitant.submit": Notice(
        (coordinators(),),
        "Nouveau signalement {reference}",
        "Un patient sans médecin traitant a été signalé. Le dossier attend votre analyse.",
        MT,
    ),
    "medecin_traitant.public_note": Notice(
        (coordinators(),),
        "Nouvelle inscription en ligne pour le dossier {reference}",
        "Une personne s'est inscrite en ligne pour un patient qui a déjà un dossier ouvert. "
        "Sa demande a été ajoutée au dossier.",
        MT,
    ),
    "medecin_traitant.public_acknowledgement": Notice(
        (self_registration_contact(),),
        "Votre demande auprès de la CPTS",
        "Nous avons bien reçu votre demande de médecin traitant. La coordination de la CPTS "
        "vous contactera prochainement pour en parler avec vous.",
        "inscription",
    ),
    "medecin_traitant.propose": Notice(
        (professionals("professional_ids"),),
        "Proposition de patient {reference}",
        "La coordination de la CPTS vous propose de devenir le médecin traitant d'un patient. "
        "Merci d'accepter ou de refuser la proposition.",
        MT,
    ),
    "medecin_traitant.reminder": Notice(
        (professionals("professional_ids"),),
        "Rappel : proposition de patient {reference}",
        "Une proposition de patient vous attend toujours. Sans réponse, elle expirera et le "
        "dossier reviendra à la coordination.",
        MT,
    ),
    "medecin_traitant.accept": Notice(
        (coordinators(), submitter()),
        "Proposition acceptée {reference}",
        "Le médecin sollicité a accepté de suivre le patient.",
        MT,
    ),
    "medecin_traitant.withdraw": Notice(
        (professionals("professional_ids"),),
        "Proposition retirée {reference}",
        "Un autre médecin sollicité en même temps que vous a accepté ce patient. La "
        "proposition qui vous était faite est retirée : aucune action n'est attendue de votre "
        "part.",
        # Their list, not the case: it is no longer theirs to open.
        "orientation/proposals",
    ),
    "medecin_traitant.interest": Notice(
        (coordinators(),),
        "Un médecin peut prendre le patient {reference}",
        "Un médecin a indiqué, depuis la liste des patients en attente près de son cabinet, "
        "qu'il peut prendre ce patient. Vous pouvez lui faire une proposition.",
        MT,
    ),
    "medecin_traitant.decline": Notice(
        (coordinators(), submitter()),
        "Proposition refusée {reference}",
        "Un médecin sollicité a décliné la proposition. {outcome}",
        MT,
    ),
    "medecin_traitant.expire": Notice(
        (coordinators(), submitter()),
        "Proposition expirée {reference}",
        "La proposition est restée sans réponse et a expiré. Le dossier revient à la coordination.",
        MT,
    ),
    "medecin_traitant.confirm": Notice(
        (submitter(),),
        "Patient orienté {reference}",
        "Le patient que vous avez signalé a désormais un médecin traitant.",
        MT,
    ),
    "medecin_traitant.cancel": Notice(
        (professionals("professional_ids"),),
        "Proposition annulée {reference}",
        "La coordination a annulé le dossier pour lequel vous étiez sollicité comme médecin "
        "traitant. Aucune action n'est attendue de votre part.",
        MT,
    ),
    "medecin_traitant.duplicate_attempt": Notice(
        (coordinators(),),
        "Signalement en doublon {reference}",
        "{actor_email} a signalé le {attempted_at} un patient que la CPTS suit déjà (dossier "
        "{reference}). La référence ne lui a pas été donnée : voyez s'il faut reprendre contact.",
        MT,
    ),
    "sortie_hospitalisation.mark_ready": Notice(
        (professionals("city_professional_ids"),),
        "Sortie d'hospitalisation prête {reference}",
        "Le dossier de sortie d'un patient que vous suivez est complet (date, compte rendu, "
        "prescription).",
        DISCHARGE,
    ),
    "sortie_hospitalisation.discharge": Notice(
        (professionals("city_professional_ids"),),
        "Patient sorti d'hospitalisation {reference}",
        "Un patient que vous suivez est rentré à domicile.",
        DISCHARGE,
    ),
    "sortie_hospitalisation.date_changed": Notice(
        (professionals("city_professional_ids"),),
        "Date de sortie modifiée {reference}",
        "La date de sortie prévue d'un patient que vous suivez a changé.",
        DISCHARGE,
    ),
    "sortie_hospitalisation.cancel": Notice(
        (professionals("city_professional_ids"),),
        "Sortie d'hospitalisation annulée {reference}",
        "La sortie annoncée d'un patient que vous suivez a été annulée.",
        DISCHARGE,
    ),
    "epp.submit": Notice(
        (coordinators(),),
        "Nouvelle demande d'entretien prénatal {reference}",
        "Une demande d'entretien prénatal précoce attend une sage-femme.",
        EPP,
    ),
    "epp.assign": Notice(
        (professional("professional_id"),),
        "Entretien prénatal précoce à réaliser {reference}",
        "La coordination vous adresse une patiente pour un entretien prénatal précoce.",
        EPP,
    ),
    "epp.accept": Notice(
        (coordinators(),),
        "Entretien prénatal accepté {reference}",
        "La sage-femme sollicitée a accepté l'entretien prénatal précoce.",
        EPP,
    ),
    "epp.decline": Notice(
        (coordinators(),),
        "Entretien prénatal refusé {reference}",
        "La sage-femme sollicitée a décliné. Le dossier revient à la coordination.",
        EPP,
    ),
    "epp.cancel": Notice(
        (professional("professional_id"),),
        "Entretien prénatal annulé {reference}",
        "La demande d'entretien prénatal précoce qui vous était adressée a été annulée.",
        EPP,
    ),
    "epp.duplicate_attempt": Notice(
        (coordinators(),),
        "Demande d'entretien prénatal en doublon {reference}",
        "{actor_email} a demandé le {attempted_at} un entretien prénatal pour une patiente que la "
        "CPTS suit déjà (dossier {reference}). La référence ne lui a pas été donnée : voyez s'il "
        "faut reprendre contact.",
        EPP,
    ),
    "agenda.booking_created": Notice(
        (professional("professional_id"),),
        "Créneau réservé {reference}",
        "Un de vos créneaux de soins non programmés vient d'être réservé.",
        BOOKINGS,
    ),
    "agenda.booking_cancelled": Notice(
        (professional("professional_id"),),
        "Réservation annulée {reference}",
        "Une réservation sur un de vos créneaux a été annulée : le créneau est de nouveau libre.",
        BOOKINGS,
    ),
    "teleconsultation.pair": Notice(
        (professional("nurse_professional_id"), professional("professional_id")),
        "Téléconsultation programmée {reference}",
        "Une téléconsultation assistée a été programmée avec votre binôme.",
        TELECONSULTATIONS,
    ),
    "teleconsultation.cancel": Notice(
        (professional("nurse_professional_id"), professional("professional_id")),
        "Téléconsultation annulée {reference}",
        "La téléconsultation assistée prévue avec votre binôme a été annulée.",
        TELECONSULTATIONS,
    ),
    "teleconsultation.no_show": Notice(
        (professional("nurse_professional_id"), professional("professional_id")),
        "Téléconsultation non honorée {reference}",
        "La téléconsultation assistée prévue n'a pas eu lieu (patient absent). Le créneau est "
        "libéré.",
        TELECONSULTATIONS,
    ),
    "directory.availability_reminder": Notice(
        (professional("professional_id"),),
        "Vos disponibilités sont-elles à jour ?",
        "Vos places pour de nouveaux patients n'ont pas été confirmées depuis plus d'un mois. "
        "Indiquez vos places de ce mois : la coordination de la CPTS s'y fie pour vous proposer "
        "des patients.",
        "annuaire/ma-disponibilite",
    ),
}

# Invitations, password resets, answers to access requests (`shared/auth/mail.py`).
EVENTS[ACCOUNT_MAIL] = Notice((account_mail_address(),), "", "", "", verbatim=True)
