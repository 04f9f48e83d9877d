"""The contract's roles."""

PROFESSIONAL = "professional"
COORDINATOR = "coordinator"
GP = "gp"
MIDWIFE = "midwife"
NURSE = "nurse"
DAC = "dac"
REPORTING = "reporting"
ADMIN = "admin"
# Staff of a partner organisation (CPAM, Prado, hospital social service…): submits
# signalements and sees only what they submitted. Not linked to anything yet: the directory has
# no organisations on this branch (contract: `--organisation-id` once it has).
PARTNER = "partner"

ALL_ROLES = (PROFESSIONAL, COORDINATOR, GP, MIDWIFE, NURSE, DAC, PARTNER, REPORTING, ADMIN)
# Roles held by member health professionals: each may submit signalements and referrals.
CLINICAL_ROLES = (PROFESSIONAL, COORDINATOR, GP, MIDWIFE, NURSE)
# Roles that must be linked to a directory entry.
DIRECTORY_ROLES = (GP, MIDWIFE, NURSE)
# Roles that may report a patient without a médecin traitant (and see what they reported).
SIGNALEMENT_ROLES = (*CLINICAL_ROLES, PARTNER, DAC)
