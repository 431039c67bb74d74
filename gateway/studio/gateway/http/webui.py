"""The web studio's built files at `/`, with the app's index.html for every route of the app.

`make install` builds the app into web/dist (the gateway image carries it in /opt/studio/web).
Hashed files under assets/ never change, so browsers keep them for a year; index.html and
the other files at the root are revalidated on every load, so a new build shows at once.
Paths the API owns never fall back to the app: an unknown /api/... stays a 404 problem; so
does a missing file (a path with an extension, e.g. a chunk of an older build), which must not
be answered with HTML.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, route
from litestar.enums import HttpMethod
from litestar.response import File

from studio.core.errors import NotFound
from studio.gateway.auth.middleware import PUBLIC

#: Prefixes of the API, its documents and the probes: never answered with the app.
RESERVED = ("/api", "/v1", "/docs", "/schema", "/metrics", "/healthz", "/readyz")
#: Methods the app's routes never take: a request with one of them to an unknown path is a 404, as
#: without the app (not a 405 because the app answers GET there).
OTHER_METHODS = [HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE]
#: Vite's output folder for content-hashed files.
HASHED = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
#: The repository's build output, used when STUDIO_WEB_DIR is empty (a development install).
REPOSITORY_BUILD = Path(__file__).resolve().parents[4] / "web" / "dist"
#: Types the platform's table may lack; browsers refuse module scripts served as octet-stream.
_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}


def web_root(configured: str) -> Path:
    return Path(configured) if configured else REPOSITORY_BUILD


def is_reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED)


def media_type(path: Path) -> str:
    return _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _served(path: Path, cache: str) -> File:
    return File(path, media_type=media_type(path), content_disposition_type="inline", headers={"Cache-Control": cache})


def _inside(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root`, or None (missing, a folder, or outside the root)."""
    if not relative or "\x00" in relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def is_app_route(relative: str) -> bool:
    """A route of the app ("projects/12"), not a file name ("assets/x.js", "favicon.ico")."""
    return "." not in relative.rsplit("/", 1)[-1]


@get(["/", "/{path:path}"], opt={PUBLIC: True}, include_in_schema=False, sync_to_thread=False)
def web_app(request: Request[Any, Any, Any], path: str = "/") -> Response[Any]:
    """A built file if `path` names one, else the app's index.html (its router shows the page)."""
    if is_reserved(request.url.path):
        raise NotFound(f"no such endpoint: {request.url.path} (the API is described at /docs)")
    root = web_root(request.app.state.gateway.settings.web_dir)
    index = root / "index.html"
    if not index.is_file():
        raise NotFound(f"the web studio is not built in {root}: run `make install` (or set STUDIO_WEB_DIR)")
    relative = path.lstrip("/")
    found = _inside(root, relative)
    if found is not None:
        return _served(found, IMMUTABLE if relative.startswith(HASHED) else REVALIDATE)
    if not is_app_route(relative):
        raise NotFound(f"no such file: /{relative}")
    return _served(index, REVALIDATE)


@route(["/", "/{path:path}"], http_method=OTHER_METHODS, opt={PUBLIC: True}, include_in_schema=False)
async def no_endpoint(request: Request[Any, Any, Any]) -> None:
    raise NotFound(f"no such endpoint: {request.method} {request.url.path} (the API is described at /docs)")
