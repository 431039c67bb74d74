"""What a production is made from: a briefing the director writes a screenplay from, a template of the
repository's templates/, or a screenplay; and POST /api/v1/studio/projects, which creates and produces at once."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from pydantic import SecretStr

from studio.core.errors import ConfigError
from studio.gateway.domain.studio.templates import REPOSITORY_TEMPLATES, load_templates
from studio.gateway.server import open_gateway
from studio.gateway.settings import GatewaySettings
from studio.pipeline.director import DirectorSettings
from studio.pipeline.screenplay import load_screenplay
from tests.gateway.stack import Stack
from tests.gateway.test_projects import new_project, screenplay, wait_project
from tests.gateway.test_security import assert_problem

STORY = "Luna, a girl with a yellow raincoat, talks to the moon. The moon changes shape as they talk."
URL = "/api/v1/studio/generate-content"


async def test_a_briefing_is_written_into_a_screenplay_kept_with_the_project_then_produced(
    client: httpx.AsyncClient,
) -> None:
    project = await new_project(client)
    briefing = {"text": STORY, "duration": 10, "style": "ink drawing", "language": "en"}
    started = await client.post(URL, json={"project_id": project["id"], "briefing": briefing})
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "running"
    detail = await wait_project(client, project["id"])
    assert detail["project"]["status"] == "completed", detail["project"]
    assert detail["briefing"] == {**briefing, "duration": 10.0}
    written = load_screenplay(detail["screenplay"])  # the director's screenplay, stored with the project
    assert written.style == "ink drawing" and written.language == "en"
    assert "Luna" in {character.name for character in written.characters}
    assert 9 <= written.planned_duration() <= 11
    assert detail["project"]["steps_total"] == detail["project"]["steps_completed"] > 0
    assert detail["project"]["result"]["video"]["sha256"]


async def test_a_briefing_takes_the_director_defaults(client: httpx.AsyncClient) -> None:
    project = await new_project(client)
    text = "Uma menina que conversa com a lua, e a lua muda de forma conforme a conversa."
    assert (await client.post(URL, json={"project_id": project["id"], "briefing": {"text": text}})).status_code == 202
    detail = await wait_project(client, project["id"])
    assert detail["briefing"] == {
        "text": text,
        "duration": 30.0,
        "style": "watercolour 2D animation, soft colours",
        "language": "",
    }
    assert detail["screenplay"]["language"] == "pt-br"  # guessed from the text


@pytest.mark.parametrize(
    ("content", "wanted"),
    [
        ({"briefing": {"text": "   "}}, "briefing: empty"),
        ({"briefing": {}}, "briefing: empty"),
        ({"briefing": {"text": "x" * 4001}}, "briefing.text: Expected `str` of length <= 4000"),
        ({"briefing": {"text": "a story", "duration": 2}}, "briefing.duration: Expected `float` >= 5"),
        (
            {"briefing": {"text": "a story", "language": "português"}},
            "briefing.language: Expected `str` matching regex",
        ),
        ({"briefing": {"text": "a story"}, "screenplay": screenplay()}, "got screenplay, briefing"),
        ({}, "got none"),
        ({"briefing": {"text": "a story", "mood": "sad"}}, "unknown field `mood`"),
    ],
)
async def test_bad_briefings_are_400_and_the_project_stays_a_draft(
    client: httpx.AsyncClient, content: dict, wanted: str
) -> None:
    project = await new_project(client)
    body = assert_problem(await client.post(URL, json={"project_id": project["id"], **content}), 400)
    assert wanted in body["detail"]
    detail = (await client.get(f"/api/v1/studio/projects/{project['id']}")).json()
    assert detail["project"]["status"] == "draft" and detail["briefing"] is None


async def test_a_director_failure_fails_the_project_with_its_message(client: httpx.AsyncClient, stack: Stack) -> None:
    project = await new_project(client)
    unreachable = DirectorSettings(backend="openai", url="http://127.0.0.1:9/v1", api_key=SecretStr("k"), timeout=5)
    with stack.overridden(director=unreachable):
        started = await client.post(URL, json={"project_id": project["id"], "briefing": {"text": STORY}})
        assert started.status_code == 202, started.text
        detail = await wait_project(client, project["id"])
    assert detail["project"]["status"] == "failed"
    assert "director model at http://127.0.0.1:9/v1" in detail["project"]["error"]
    assert detail["screenplay"] is None and detail["steps"] == [] and detail["jobs"] == []


async def test_templates_are_the_repository_files(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v1/studio/templates")).json()
    files = {path.stem: json.loads(path.read_text()) for path in REPOSITORY_TEMPLATES.glob("*.json")}
    assert {template["id"] for template in listed} == set(files)
    story = next(template for template in listed if template["id"] == "childrens-story-watercolour")
    source = files["childrens-story-watercolour"]
    assert story["kind"] == "project" and story["name"] == source["name"]["en"]
    assert story["translations"]["pt-BR"]["name"] == source["name"]["pt-BR"]
    assert story["values"] == source["values"] and story["language"] == "pt-br"
    projects = (await client.get("/api/v1/studio/templates", params={"kind": "project"})).json()
    assert projects and {template["kind"] for template in projects} == {"project"}
    body = assert_problem(await client.get("/api/v1/studio/templates", params={"kind": "poem"}), 400)
    assert "kind" in body["detail"]
    assert_problem(await anonymous.get("/api/v1/studio/templates"), 401)


async def test_a_template_is_produced_as_written_or_rewritten_from_a_story(client: httpx.AsyncClient) -> None:
    template = json.loads((REPOSITORY_TEMPLATES / "childrens-story-watercolour.json").read_text())
    as_written = await new_project(client)
    started = await client.post(
        URL, json={"project_id": as_written["id"], "template_id": template["id"], "briefing": {}}
    )
    assert started.status_code == 202, started.text
    detail = await wait_project(client, as_written["id"])
    assert detail["project"]["status"] == "completed", detail["project"]
    assert detail["screenplay"] == template["values"]["screenplay"] and detail["briefing"] is None

    rewritten = await new_project(client)
    body = {"project_id": rewritten["id"], "template_id": template["id"], "briefing": {"text": STORY}}
    assert (await client.post(URL, json=body)).status_code == 202
    detail = await wait_project(client, rewritten["id"])
    assert detail["project"]["status"] == "completed", detail["project"]
    manner = load_screenplay(template["values"]["screenplay"])
    assert detail["briefing"] == {
        "text": STORY,
        "duration": manner.planned_duration(),
        "style": manner.style,
        "language": "pt-br",
    }
    assert detail["screenplay"]["style"] == manner.style and detail["screenplay"]["language"] == "pt-br"


async def test_unknown_or_unfit_templates_are_refused(client: httpx.AsyncClient) -> None:
    project = await new_project(client)
    body = assert_problem(await client.post(URL, json={"project_id": project["id"], "template_id": "nope"}), 404)
    assert "'nope' not found" in body["detail"] and "childrens-story-watercolour" in body["detail"]
    body = assert_problem(
        await client.post(URL, json={"project_id": project["id"], "template_id": "image-portrait-square"}), 400
    )
    assert "image studio, not a project template" in body["detail"]
    body = assert_problem(
        await client.post(
            URL,
            json={
                "project_id": project["id"],
                "template_id": "childrens-story-watercolour",
                "briefing": {"duration": 10},
            },
        ),
        400,
    )
    assert "give `text`" in body["detail"]
    assert (await client.get(f"/api/v1/studio/projects/{project['id']}")).json()["project"]["status"] == "draft"


async def test_create_and_produce_in_one_call_leaves_nothing_behind_when_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    async def projects_named(name: str) -> int:
        return int(await db.fetchval("SELECT count(*) FROM projects WHERE name = $1", name))

    name = f"one call {uuid.uuid4().hex[:6]}"
    bad = {k: v for k, v in screenplay().items() if k != "scenes"}
    body = assert_problem(await client.post("/api/v1/studio/projects", json={"name": name, "screenplay": bad}), 400)
    assert "scenes" in body["detail"]
    missing_media = {**screenplay(), "scenes": [{"duration": 2, "image": f"asset:{uuid.uuid4()}"}]}
    assert_problem(await client.post("/api/v1/studio/projects", json={"name": name, "screenplay": missing_media}), 400)
    assert_problem(await client.post("/api/v1/studio/projects", json={"name": name, "briefing": {"text": ""}}), 400)
    assert await projects_named(name) == 0

    started = await client.post("/api/v1/studio/projects", json={"name": name, "briefing": {"text": STORY}})
    assert started.status_code == 202, started.text
    project = started.json()
    assert project["type"] == "video" and project["status"] == "running"
    assert started.headers["location"].endswith(f"/api/v1/studio/projects/{project['id']}")
    assert (await wait_project(client, project["id"]))["project"]["status"] == "completed"
    assert await projects_named(name) == 1


def test_a_malformed_template_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"id": "broken", "kind": "project"}')
    with pytest.raises(ConfigError, match=r"broken\.json: Object missing required field `name`"):
        load_templates(tmp_path)
    renamed = tmp_path / "other"
    renamed.mkdir()
    (renamed / "a.json").write_text('{"id": "b", "kind": "image", "name": "B", "values": {}}')
    with pytest.raises(ConfigError, match="its id 'b' must be its file name"):
        load_templates(renamed)
    with pytest.raises(ConfigError, match="does not exist"):
        load_templates(tmp_path / "missing")


async def test_a_bad_templates_folder_stops_the_gateway_before_it_connects(tmp_path: Path) -> None:
    settings = GatewaySettings(templates_dir=str(tmp_path / "none"), database_url="postgresql://nobody@127.0.0.1:1/x")
    with pytest.raises(ConfigError, match="does not exist \\(STUDIO_TEMPLATES_DIR\\)"):
        await open_gateway(settings)
