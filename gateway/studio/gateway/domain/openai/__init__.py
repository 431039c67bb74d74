"""OpenAI-compatible speech and image endpoints, for tools that speak OpenAI's API (n8n, Open WebUI)."""
