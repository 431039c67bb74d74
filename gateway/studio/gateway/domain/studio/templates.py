"""The repository's preset templates (templates/*.json), served to API clients.

The web studio bundles the same files at build time and the gateway reads them here, so
there is one source of templates. A file that does not have the template shape stops the
listing with an error naming the file, instead of being skipped quietly.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

import msgspec

from studio.core.errors import ConfigError, InvalidInput, NotFound
from studio.gateway.domain.studio.schemas import Template, TemplateText

#: The repository's templates, used when STUDIO_TEMPLATES_DIR is empty (a development install).
REPOSITORY_TEMPLATES = Path(__file__).resolve().parents[5] / "templates"
TemplateKind = Literal["project", "image", "speech", "music", "animate", "avatar"]
Text = str | dict[str, str]


class TemplateFile(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    kind: TemplateKind
    name: Text
    values: dict[str, Any]
    description: Text = ""
    tags: list[str] = msgspec.field(default_factory=list)
    language: str | None = None


def templates_dir(configured: str) -> Path:
    return Path(configured) if configured else REPOSITORY_TEMPLATES


def _in(text: Text, locale: str) -> str:
    return text if isinstance(text, str) else text.get(locale, "")


def _template(path: Path) -> Template:
    try:
        data = msgspec.json.decode(path.read_bytes(), type=TemplateFile)
    except (OSError, msgspec.DecodeError) as error:
        raise ConfigError(f"template {path}: {error}") from None
    if data.id != path.stem:
        raise ConfigError(f"template {path}: its id {data.id!r} must be its file name")
    if data.kind == "project" and not isinstance(data.values.get("screenplay"), dict):
        raise ConfigError(f"template {path}: a project template needs values.screenplay (an object)")
    locales = {"en"} | {locale for text in (data.name, data.description) if isinstance(text, dict) for locale in text}
    return Template(
        id=data.id,
        kind=data.kind,
        name=_in(data.name, "en"),
        description=_in(data.description, "en"),
        tags=data.tags,
        language=data.language,
        translations={
            locale: TemplateText(_in(data.name, locale), _in(data.description, locale)) for locale in sorted(locales)
        },
        values=data.values,
    )


@functools.cache
def load_templates(directory: Path) -> tuple[Template, ...]:
    """Every template of the folder, by kind then id (read once per process)."""
    if not directory.is_dir():
        raise ConfigError(f"templates folder {directory} does not exist (STUDIO_TEMPLATES_DIR)")
    templates = [_template(path) for path in sorted(directory.glob("*.json"))]
    return tuple(sorted(templates, key=lambda template: (template.kind, template.id)))


def project_template(directory: Path, template_id: str) -> Template:
    """The project template with this id (404 for an unknown id, 400 for a preset of another kind)."""
    found = {template.id: template for template in load_templates(directory)}
    template = found.get(template_id)
    if template is None:
        known = ", ".join(t.id for t in found.values() if t.kind == "project")
        raise NotFound(f"template {template_id!r} not found; the project templates are: {known}")
    if template.kind != "project":
        raise InvalidInput(
            f"template_id: {template_id!r} is a preset for the {template.kind} studio, not a project template"
        )
    return template
