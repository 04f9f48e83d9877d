"""Patients without a médecin traitant: signalement, triage, proposal to a GP, orientation."""
