"""Finding patients across every case type of every service: the API, `/recherche` and the
patient page."""
