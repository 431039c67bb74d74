"""The hosted providers the studio knows: API base, key variables, and where their results live.

Result hosts are the hosts a provider's result URLs point at (from its docs and observed
responses); downloads from any other host are refused. They change rarely but they do
change: `STUDIO_PROVIDER_RESULT_HOSTS` adds hosts per provider without a release.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.errors import InvalidInput


@dataclass(frozen=True)
class ProviderInfo:
    #: Short name used in settings, prices, backends and logs: "fal".
    name: str
    #: How people call it: "fal.ai".
    title: str
    #: Settings fields holding its key(s), in order (Kling signs with two).
    key_fields: tuple[str, ...]
    #: Settings field holding its API base URL.
    url_field: str
    #: Host patterns result URLs may point at ("*.fal.media" matches any subdomain).
    result_hosts: tuple[str, ...] = ()
    #: Where its API is documented.
    docs: str = ""

    def key_variables(self) -> str:
        """The environment variables that configure its key, for error messages."""
        return " and ".join(f"STUDIO_{field.upper()} (or STUDIO_{field.upper()}_FILE)" for field in self.key_fields)


PROVIDERS: dict[str, ProviderInfo] = {
    info.name: info
    for info in (
        ProviderInfo(
            "fal",
            "fal.ai",
            ("fal_key",),
            "fal_url",
            ("fal.media", "*.fal.media"),
            "https://docs.fal.ai/model-endpoints/queue",
        ),
        ProviderInfo(
            "replicate",
            "Replicate",
            ("replicate_key",),
            "replicate_url",
            ("replicate.delivery", "*.replicate.delivery"),
            "https://replicate.com/docs/reference/http",
        ),
        ProviderInfo(
            "elevenlabs",
            "ElevenLabs",
            ("elevenlabs_key",),
            "elevenlabs_url",
            (),  # audio comes back inline (base64), never as a URL
            "https://elevenlabs.io/docs/api-reference/text-to-speech/convert-with-timestamps",
        ),
        ProviderInfo(
            "kling",
            "Kling AI",
            ("kling_access_key", "kling_secret_key"),
            "kling_url",
            ("*.klingai.com",),
            "https://app.klingai.com/global/dev/document-api",
        ),
        ProviderInfo(
            "runway",
            "Runway",
            ("runway_key",),
            "runway_url",
            ("dnznrvs05pmza.cloudfront.net", "*.runwayml.com"),
            "https://docs.dev.runwayml.com/api",
        ),
        ProviderInfo(
            "luma",
            "Luma AI",
            ("luma_key",),
            "luma_url",
            ("storage.cdn-luma.com", "*.cdn-luma.com", "*.lumalabs.ai"),
            "https://docs.lumalabs.ai/docs/api",
        ),
        ProviderInfo(
            "minimax",
            "MiniMax",
            ("minimax_key",),
            "minimax_url",
            ("*.aliyuncs.com", "*.minimax.io", "*.minimaxi.com"),
            "https://platform.minimax.io/docs/api-reference/video-generation-query",
        ),
    )
}


def provider(name: str) -> ProviderInfo:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise InvalidInput(f"unknown provider {name!r}; known: {', '.join(PROVIDERS)}") from None


def host_matches(host: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether `host` is one of `patterns` ("*.example.com" matches subdomains, not the apex)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False
