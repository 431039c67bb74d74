"""The gateway's job runtime, shared by every domain: submitting, waiting, views, outcomes."""
