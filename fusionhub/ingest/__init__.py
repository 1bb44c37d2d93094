"""Ways in: the HTTP ingest API, file ingest, and raw topics, all through the same connectors."""
