"""Every field of the definition format is read by the product and documented.

The walk visits every model reachable from `ProgramDefinition`. A field passes when code
outside the schema reads it (an attribute, a key or a template lookup of its name) and
docs/program-definitions.md names it. A field read only generically (copied to a row and
shown, like `source`) is listed in GENERIC with the reason; a field nothing reads makes
this test fail, so the format never again promises what the engine ignores.
"""

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from programs.policies import RETIRED_CONDITIONS, RETIRED_FIELDS
from programs.schema import ProgramDefinition

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = (
    "commissions",
    "deals",
    "disputes",
    "partners",
    "programs",
    "tenants",
    "tiers",
    "templates",
)

#: fields every reader meets through a generic path, with why they are still "read"
GENERIC = {
    "source": "copied to every row and version; the console shows it beside each value",
    "default": "stored as is_default; the console marks the value as an editable default",
    "format": "the version of the format itself; pydantic refuses any other",
    "tenant": "load_programs resolves the vendor from it",
    "key": "every row's key; references between sections resolve by it",
    "label": "shown wherever the item is shown",
    "name": "shown wherever the item is shown",
    "description": "shown on tier, track and benefit pages",
    "text": "an obligation's words, shown at its step",
}


def _models(model: type[BaseModel], seen: set) -> None:
    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        for inner in _inner_types(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                _models(inner, seen)


def _inner_types(annotation) -> list:
    args = typing.get_args(annotation)
    if not args:
        return [annotation]
    found = []
    for arg in args:
        found.extend(_inner_types(arg))
    return found


def _code() -> str:
    texts = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html", ".txt") or "migrations" in path.parts:
                continue
            if path.name in ("schema.py",):
                continue  # the schema declares the fields; reading them happens elsewhere
            texts.append(path.read_text())
    return "\n".join(texts)


def _read(name: str, code: str) -> bool:
    return bool(re.search(rf"(\.{name}\b|[\"']{name}[\"']|\b{name}=)", code))


def test_every_field_of_the_format_is_read_and_documented():
    models: set = set()
    _models(ProgramDefinition, models)
    code = _code()
    docs = (ROOT / "docs" / "program-definitions.md").read_text()
    unread, undocumented = [], []
    for model in models:
        for name in model.model_fields:
            if name not in GENERIC and not _read(name, code):
                unread.append(f"{model.__name__}.{name}")
            if f"`{name}`" not in docs and name not in GENERIC:
                undocumented.append(f"{model.__name__}.{name}")
    assert not unread, f"fields nothing reads (obey them or retire them): {sorted(unread)}"
    assert not undocumented, f"fields docs/program-definitions.md omits: {sorted(undocumented)}"


def test_retired_fields_are_gone_from_the_format_and_explained():
    models: set = set()
    _models(ProgramDefinition, models)
    present = {name for model in models for name in model.model_fields}
    docs = (ROOT / "docs" / "program-definitions.md").read_text()
    retired_docs = docs.split("## Retired fields", 1)[1]
    for name in [*sorted(set().union(*RETIRED_FIELDS.values())), *sorted(RETIRED_CONDITIONS)]:
        assert name not in present, f"{name} is retired but still in the format"
        assert re.search(rf"`[a-z_.]*{name}` \| \w", retired_docs), f"say why {name} went"
    seeds = "".join(p.read_text() for p in (ROOT / "programs" / "definitions").glob("*.yaml"))
    for name in ("confidential:", "ordered:", "tier_eligible_at_completion"):
        assert name not in seeds
