"""Every table of the agenda service (imported for migrations)."""

from services.agenda.directory.models import Professional

__all__ = ["Professional"]
