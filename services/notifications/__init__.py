"""Notifications service: who is told what, through which channel, exactly once."""
