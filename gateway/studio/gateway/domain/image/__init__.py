"""Text-to-image, edits and upscales."""
