"""The directory of the CPTS's member professionals."""
