"""OpenAI-compatible speech, image and model routes (/v1), for tools that speak OpenAI's API (n8n, Open WebUI)."""
