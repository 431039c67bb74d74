"""Voices (cloned from samples), speech and music."""
