"""Users, roles and API tokens shared by every service."""
