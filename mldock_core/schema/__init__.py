"""The published JSON Schema of mldock.yaml."""
