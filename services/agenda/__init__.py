"""Agenda service: the professionals' directory, shared SNP slots, assisted teleconsultation."""
