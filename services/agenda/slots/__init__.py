"""Slots a professional publishes in the shared agenda (soins non programmés, teleconsultation)."""
