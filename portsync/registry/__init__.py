"""The registry: finding ports.yaml, checking its schema, resolving and policing its ports.

finding -> loading: document (one file read), schema over service_schema over
target_schema over reader, includes (other registries, by path or through
gitcache, which access tells when to fetch) -> resolution -> policy.
"""
