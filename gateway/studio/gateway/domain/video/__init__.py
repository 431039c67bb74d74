"""Talking-head avatars and animated stills."""
