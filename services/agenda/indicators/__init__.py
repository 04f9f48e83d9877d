"""Aggregated agenda figures for the CPTS's yearly indicators."""
