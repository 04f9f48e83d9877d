"""EPP referrals: a pregnant patient referred to a midwife for the entretien prénatal précoce."""
