"""Control and bidi characters in text input: refused with the field named, never stored.

PostgreSQL cannot store NUL in text at all (the query fails: a 500), and the other C0/C1
controls are invisible corruption in names and notes. Tab, line feed and carriage return
are ordinary text and stay allowed.

The bidi embedding, override and isolate characters (U+202A to U+202E, U+2066 to U+2069)
reorder everything after them until their closing mark: "Acme", U+202E, "exe.pdf" displays
as "Acmefdp.exe", so a name can read as another one in the console or on a statement
("Trojan Source"). They are refused. The left-to-right and right-to-left marks (U+200E,
U+200F) and the Arabic letter mark (U+061C) stay allowed: single invisible marks that real
right-to-left text needs next to digits and punctuation, reordering nothing beyond them.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARACTER_MESSAGE = (
    "Contains a control character (such as NUL); remove it. Tab and line breaks are fine."
)
BIDI_CONTROL_MESSAGE = (
    "Contains a bidirectional override or isolate character (U+202A to U+202E, U+2066 to U+2069), "
    "which makes text display in another order than it reads; remove it."
)


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def unsafe_text_message(value: str) -> str | None:
    """Why `value` cannot be stored as text (a control or bidi character), or None."""
    if CONTROL_CHARACTERS.search(value):
        return CONTROL_CHARACTER_MESSAGE
    if BIDI_CONTROLS.search(value):
        return BIDI_CONTROL_MESSAGE
    return None


def _strings(data: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every (path, string) in parsed input, keys included, e.g. ('lines[0].sku', 'X1')."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, Mapping):
        lists = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
        for key, values in lists:
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            for value in values:
                yield from _strings(value, name)
    elif isinstance(data, list | tuple):
        for index, item in enumerate(data):
            yield from _strings(item, f"{path}[{index}]")


def unsafe_text_errors(data: Any) -> dict[str, list[str]]:
    """The fields of `data` (parsed JSON, a QueryDict, a dict) with control or bidi characters."""
    errors: dict[str, list[str]] = {}
    for path, value in _strings(data, ""):
        message = unsafe_text_message(value)
        if message:
            errors[path or "body"] = [message]
    return errors
