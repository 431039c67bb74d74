"""Who is calling: API keys (n8n, scripts) and JWTs (the web UI), both naming a tenant."""
