"""The contract's roles."""

PROFESSIONAL = "professional"
COORDINATOR = "coordinator"
GP = "gp"
MIDWIFE = "midwife"
NURSE = "nurse"
DAC = "dac"
REPORTING = "reporting"
ADMIN = "admin"

ALL_ROLES = (PROFESSIONAL, COORDINATOR, GP, MIDWIFE, NURSE, DAC, REPORTING, ADMIN)
# Roles held by member health professionals: each may submit signalements and referrals.
CLINICAL_ROLES = (PROFESSIONAL, COORDINATOR, GP, MIDWIFE, NURSE)
# Roles that must be linked to a directory entry.
DIRECTORY_ROLES = (GP, MIDWIFE, NURSE)
