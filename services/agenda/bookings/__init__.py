"""Bookings of slots for a patient: exactly one wins per slot, enforced by the database."""
