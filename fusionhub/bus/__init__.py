"""The message bus: topic names and their table, topic creation, and every Kafka client.

``ingest``, ``streams`` and ``sinks`` all reach Kafka through here: ``topics`` names every topic
(one table says what each carries and how it is created), ``admin`` creates and drops them, and
``clients.KafkaClients`` is the one place a Kafka producer, consumer or admin client is built.
Nothing here imports the packages that use it.
"""
