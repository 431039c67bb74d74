"""Hosted AI providers (fal.ai, Replicate, ElevenLabs, Kling, Runway, Luma, MiniMax): the shared mechanics.

Every provider backend in the services uses these modules and nothing of its own
for the parts that must behave the same everywhere:

- `catalog`: who the providers are, their API bases, key variables and result hosts;
- `settings`: keys (env or *_FILE secret files), base URLs, timeouts, price overrides;
- `secrets`: key resolution (deployment key or a per-request override) and redaction;
- `transport`: an httpx transport with retry/backoff honouring Retry-After, one error
  vocabulary per provider, and refusal of any host but the provider's API;
- `download`: copying a result over https from a documented host, never a private address;
- `polling`: waiting on a provider job without a thread, with progress, timeout and cancel;
- `prices`: dated unit prices, overridable in settings, and job cost lines.
"""
