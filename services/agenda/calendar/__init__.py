"""Per-user iCalendar feeds of slots and bookings, reached through a revocable secret URL."""
