"""Orientation service: médecin-traitant cases, hospital discharges, EPP referrals, indicators."""
