"""Artifacts in an S3 API bucket (MinIO in deployments) through the minio client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import urllib3
from minio import Minio
from minio.error import S3Error

from studio.core.artifacts.base import CHUNK, ArtifactStore, check_key, guess_content_type, sha256_file, unchanged
from studio.core.errors import ConfigError, NotFound, Unavailable
from studio.v1.common_pb2 import ArtifactRef

_SHA_META = "x-amz-meta-sha256"


def _reason(error: Exception) -> str:
    """The root cause of a urllib3 failure ("Connection refused"), not the retry wrapper."""
    cause: object = getattr(error, "reason", None) or error
    text = str(cause)
    return text.rsplit(": ", 1)[-1] if ": " in text else type(cause).__name__


_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound"}


def _endpoint(url: str) -> tuple[str, bool | None]:
    """Accept 'host:port' or 'http(s)://host:port'; return host:port and secure (None = unspecified)."""
    if url.startswith("https://"):
        return url.removeprefix("https://").rstrip("/"), True
    if url.startswith("http://"):
        return url.removeprefix("http://").rstrip("/"), False
    return url.rstrip("/"), None


class S3ArtifactStore(ArtifactStore):
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        region: str = "us-east-1",
        secure: bool = False,
        public_endpoint: str = "",
    ) -> None:
        host, url_secure = _endpoint(endpoint)
        self.endpoint = endpoint
        self.bucket = bucket
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3, read=60),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
            maxsize=16,
        )
        secure = url_secure if url_secure is not None else secure
        self._client = Minio(host, access_key, secret_key, secure=secure, region=region, http_client=http)
        self._public: Minio | None = None
        if public_endpoint:
            pub_host, pub_secure = _endpoint(public_endpoint)
            self._public = Minio(
                pub_host,
                access_key,
                secret_key,
                secure=pub_secure if pub_secure is not None else secure,
                region=region,
            )

    async def check(self) -> None:
        """Create the bucket if needed; fail with one line on bad endpoint or credentials."""
        try:
            await asyncio.to_thread(self._ensure_bucket)
        except S3Error as error:
            raise ConfigError(
                f"S3 at {self.endpoint} refused bucket {self.bucket!r}: {error.code} "
                "(check STUDIO_S3_ACCESS_KEY / STUDIO_S3_SECRET_KEY / STUDIO_S3_BUCKET)"
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise ConfigError(f"cannot reach S3 at {self.endpoint} (STUDIO_S3_ENDPOINT): {_reason(error)}") from None
        except ValueError as error:  # minio validates names locally
            raise ConfigError(f"{error} (STUDIO_S3_BUCKET: 3-63 lower-case letters, digits, '.' or '-')") from None

    def _ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self.bucket):
            self._client.make_bucket(self.bucket)

    async def put_file(self, key: str, path: Path, content_type: str = "") -> ArtifactRef:
        check_key(key)
        path = Path(path)
        ref = ArtifactRef(
            bucket=self.bucket,
            key=key,
            content_type=content_type or guess_content_type(key),
            size=path.stat().st_size,
            sha256=await asyncio.to_thread(sha256_file, path),
        )
        # The minio client offers no conditional put (If-None-Match), so this check is not atomic;
        # writers of one key do not race in practice (each job attempt writes keys of its own).
        try:
            return unchanged(await self.stat(key), ref)
        except NotFound:
            pass
        await self._call(
            self._client.fput_object,
            self.bucket,
            key,
            str(path),
            content_type=ref.content_type,
            metadata={"sha256": ref.sha256},
        )
        return ref

    async def stat(self, key: str) -> ArtifactRef:
        check_key(key)
        info = await self._call(self._client.stat_object, self.bucket, key, missing=key)
        meta = {k.lower(): v for k, v in (info.metadata or {}).items()}
        return ArtifactRef(
            bucket=self.bucket,
            key=key,
            content_type=info.content_type or guess_content_type(key),
            size=info.size or 0,
            sha256=meta.get(_SHA_META, ""),
        )

    def iter_bytes(self, key: str) -> AsyncIterator[bytes]:
        return self._get(key)

    def iter_range(self, key: str, start: int, length: int) -> AsyncIterator[bytes]:
        return self._get(key, offset=start, length=length)

    async def _get(self, key: str, **span: int) -> AsyncIterator[bytes]:
        """The object's bytes (or the `offset`/`length` span of them), the connection released at the end."""
        check_key(key)
        response = await self._call(self._client.get_object, self.bucket, key, missing=key, **span)
        try:
            stream = response.stream(CHUNK)
            while True:
                chunk = await asyncio.to_thread(next, stream, b"")
                if not chunk:
                    break
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._call(self._client.remove_object, self.bucket, key)

    async def keys(self, prefix: str) -> list[str]:
        check_key(prefix.rstrip("/"))

        def listed() -> list[str]:
            found = self._client.list_objects(self.bucket, prefix=prefix, recursive=True)
            return sorted(item.object_name for item in found if item.object_name)

        return list(await self._call(listed))

    async def presigned_get_url(self, key: str, expires_seconds: int = 3600) -> str:
        await self.stat(key)
        client = self._public or self._client
        return await asyncio.to_thread(
            client.presigned_get_object, self.bucket, key, expires=timedelta(seconds=expires_seconds)
        )

    async def _call(self, fn: Any, *args: Any, missing: str = "", **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except S3Error as error:
            if missing and error.code in _MISSING:
                raise NotFound(f"artifact {missing!r} not found") from None
            raise
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise Unavailable(f"artifact store at {self.endpoint} unreachable: {_reason(error)}") from None
