"""Standing nurse–GP pairs (binômes) used to schedule assisted teleconsultations."""
