"""HTTP edge shared by every service: request parsing, error mapping, API documentation."""
