"""Relais common package: what every service needs and nothing service-specific."""
