"""Hospital discharges organised with the DAC, from announcement to the follow-up call."""
