"""Local fake servers for the hosted providers (see server.py); `python -m tests.providers.fakes` runs them."""
