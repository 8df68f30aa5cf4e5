"""portsync: one ports.yaml, every config file that repeats a port kept in sync."""

__version__ = "0.1.0"
