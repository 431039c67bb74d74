"""Command groups. Each module defines `register(app)`; main.py discovers them all."""
