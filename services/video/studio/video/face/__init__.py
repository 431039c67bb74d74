"""Finding the face, the eyes and the mouth in a portrait."""
