"""The README names the API docs address the gateway really serves."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from studio.gateway.app import create_app
from tests.conftest import REPO_ROOT


def test_the_readme_names_the_served_docs_address() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    named = re.search(r"OpenAPI docs at `http://127\.0\.0\.1:8080(/[^`]*)`", readme)
    assert named, "the README names where the API docs are"
    document = re.search(r"the document itself at\s+`(/[^`]*)`", readme)
    assert document
    with TestClient(create_app(None)) as client:
        page = client.get(named.group(1))
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert client.get(document.group(1)).json()["info"]["title"] == "Media Studio API"
