"""The source systems, one module each: its connector and its ``SOURCE`` declaration.

Adding a source is adding a module here (with its raw schema and its category mapping); the
registry, ``fusionhub.connectors.registry``, finds it. docs/extending.md walks through one.
"""
