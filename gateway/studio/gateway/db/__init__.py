"""Postgres: the connection pool and SQL migrations (the gateway is the only process with a database)."""
