"""Image backends: `draft` (procedural, no weights) and `diffusers` (FLUX, SD 3.5, Kontext, x4 upscaler)."""
