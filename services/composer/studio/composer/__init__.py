"""The composer model server."""
