"""Factories and payload builders shared by the tests."""
