"""The image model server."""
