"""The REST gateway."""
