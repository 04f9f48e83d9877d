"""Ways a patient reaches the médecin-traitant list besides a member's signalement."""
