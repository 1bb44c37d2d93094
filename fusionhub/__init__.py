"""fusionhub: one case per incident, whichever systems reported it."""

__version__ = "0.1.0"
