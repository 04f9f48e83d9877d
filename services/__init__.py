"""Relais services: orientation, agenda, notifications."""
