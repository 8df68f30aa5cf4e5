"""The registry: finding ports.yaml, checking its schema, resolving and policing its ports.

finding -> loading (schema, target_schema over reader) -> resolution -> policy.
"""
