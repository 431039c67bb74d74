"""Moving stills: camera moves (kenburns) and diffusion image-to-video (diffusers)."""
