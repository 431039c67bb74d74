"""The audio model server."""
