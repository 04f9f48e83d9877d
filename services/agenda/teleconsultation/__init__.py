"""Assisted teleconsultation: a home nurse with the patient, a GP joining remotely."""
