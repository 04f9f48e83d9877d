"""Every table of the agenda service (imported for migrations)."""

from services.agenda.bookings.models import Booking
from services.agenda.calendar.models import CalendarFeed
from services.agenda.directory.models import Organisation, PracticeSite, Professional
from services.agenda.pairings.models import Pairing
from services.agenda.slots.models import Slot
from services.agenda.teleconsultation.models import TeleconsultationCase, TeleconsultationHistory

__all__ = [
    "Booking",
    "CalendarFeed",
    "Organisation",
    "Pairing",
    "PracticeSite",
    "Professional",
    "Slot",
    "TeleconsultationCase",
    "TeleconsultationHistory",
]
