"""The account's API keys: list, create (shown once) and revoke."""
