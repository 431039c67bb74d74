"""Screenplay production on the gateway: media resolution, the persisted step executor and the runner."""
