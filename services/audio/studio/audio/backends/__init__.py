"""Speech and music backends behind one small protocol each (see base.py)."""
