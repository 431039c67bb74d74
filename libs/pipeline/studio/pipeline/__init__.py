"""Screenplays, the director and the production pipeline."""
