"""Media input and output: image and audio decoding, framing, MP4 encoding."""
