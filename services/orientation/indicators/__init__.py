"""Aggregated indicators of the CPTS's missions (ACI report), their exports and test data."""
