"""What the mouth does over time: per-frame opening and width from speech (energy or phoneme timings)."""
