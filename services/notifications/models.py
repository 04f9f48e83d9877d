"""Every table of the notifications service (imported for migrations)."""
