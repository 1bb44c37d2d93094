"""The composition root: the one place, with the command line, that reads ``Settings``.

``Hub(settings)`` builds once what every service shares: Kafka clients, topic names, the Avro
codec, the source registry and its connectors, the correlation policy. The modules beside it
build each service from those parts and hand it over ready to run: ``ingest`` (the HTTP API,
files, raw topics), ``worker``, ``sink``, ``api`` (read API and console), ``runtime``
(``up`` and the demo) and ``bench``. Everything below receives built objects, never settings.
"""

from fusionhub.bootstrap.hub import Hub

__all__ = ["Hub"]
