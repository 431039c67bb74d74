"""Shared runtime of every Media Studio process."""
