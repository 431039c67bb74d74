"""Generation jobs: stored in Postgres, dispatched to JetStream, followed through events."""
