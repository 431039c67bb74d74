"""Hosted image-to-video backends (Kling, Runway, Luma, MiniMax): a provider makes the clip, the service conforms it."""
