"""Fitting the correlation policy from labelled data (outside the pure core)."""
