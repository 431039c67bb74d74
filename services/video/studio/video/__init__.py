"""The video model server."""
