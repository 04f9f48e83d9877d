"""Data subject requests (RGPD): export everything held on a patient, or erase their identity."""
