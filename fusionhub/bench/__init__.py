"""Benchmarks run as commands (``fusionhub bench ...``), each printing one JSON line."""
