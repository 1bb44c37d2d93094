"""Running the hub's services together: ``fusionhub up`` and ``fusionhub demo``."""
