"""Site settings: defaults < media-pub.toml < MEDIA_PUB_* environment < command-line flags."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from media_pub.errors import ConfigError
from media_pub.model import Settings, StorageSettings

CONFIG_FILE = "media-pub.toml"

_TOP_KEYS = {"base_url": str, "out": str}
_STORAGE_KEYS = {
    "target": str,
    "endpoint_url": str,
    "region": str,
    "profile": str,
    "acl": str,
    "addressing_style": str,
}
# Keys that may hold credentials are refused outright: they belong in the AWS chain.
_SECRET_KEYS = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "secret", "password"}


# What tomllib's messages mean for someone editing the file, and what TOML wanted there.
_TOML_WANTED: tuple[tuple[str, str], ...] = (
    ("Illegal character '\\n'", ("the text in quotes is not closed on this line; TOML wanted a closing "
                                  '" (use """ for text over several lines)')),
    ("Unterminated string", 'the text in quotes is not closed; TOML wanted a closing "'),
    ("Expected newline or end of document after a statement",
     ("TOML wanted the end of the line after the value; put text in quotes as a whole, "
      'e.g. title = "My Show", and dates as 2026-11-20T09:00:00Z')),
    ("Invalid value", ('TOML wanted a value: "text in quotes", a number, true or false, '
                       "a date-time such as 2026-11-20T09:00:00Z, a [list] or a { table }")),
    ("Expected '=' after a key", "TOML wanted = between the key and its value (key = value)"),
    ("Invalid statement", "TOML wanted key = value, a [table] heading or a # comment"),
    ("Invalid initial character for a key part",
     "TOML wanted a key here (letters, digits, - and _); a { table } must close on the line it opens"),
    ("Cannot overwrite a value", "this key is set twice; keep one"),
    ("Cannot declare", "this table is declared twice; keep one"),
    ("Unclosed array", "TOML wanted , or ] to close the list"),
    ("Unclosed inline table", "TOML wanted , or } to close the { table } on the line it opens"),
    ("Invalid date or datetime", "TOML wanted a date-time such as 2026-11-20T09:00:00Z"),
    ("Expected ']' at the end of a table declaration", "TOML wanted ] to close the [table] heading"),
    ("Expected ']]' at the end of an array declaration", "TOML wanted ]] to close the [[table]] heading"),
    ("Unescaped '\\' in a string", "a \\ in double quotes starts an escape; write \\\\ or use 'single quotes'"),
)
_TOML_WHERE = re.compile(r"^(?P<message>.*) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$",
                         re.DOTALL)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into a ConfigError that shows the line.

    Example of the message: ``line 4, column 14: invalid TOML: TOML wanted the end of
    the line after the value...`` then the line itself with a caret under the column.
    """
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(toml_syntax_message(str(error), path.read_bytes()), path) from None
    except UnicodeDecodeError:
        raise ConfigError("invalid TOML: not UTF-8 text", path) from None
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", path) from None


def toml_syntax_message(error: str, source: bytes) -> str:
    """tomllib's error as the volunteer needs it: where, what TOML wanted, the line and a caret."""
    match = _TOML_WHERE.match(error)
    parser_text = match.group("message") if match else error
    wanted = next((text for prefix, text in _TOML_WANTED if parser_text.startswith(prefix)), parser_text)
    lines = source.decode("utf-8", "replace").splitlines() or [""]
    if match and match.group("line"):
        number, column = int(match.group("line")), int(match.group("column"))
    else:   # at the end of the document: point after the last line with text
        number = max((i for i, line in enumerate(lines, 1) if line.strip()), default=1)
        column = len(lines[number - 1]) + 1
    line = lines[number - 1].expandtabs(1) if number <= len(lines) else ""
    start = max(0, column - 60)   # keep the caret on screen for a long line
    return (f"line {number}, column {column}: invalid TOML: {wanted}\n"
            f"    {line[start:start + 100]}\n    {' ' * (column - 1 - start)}^")


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean "title"?)`` when a known word is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.7)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _check(table: Mapping[str, Any], allowed: Mapping[str, type], file: Path, prefix: str = "",
           tables: Iterable[str] = ()) -> None:
    for key, value in table.items():
        name = prefix + key
        if key in _SECRET_KEYS:
            raise ConfigError(
                "credentials never live in this file; use the AWS chain "
                "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)", file, name)
        if key not in allowed:
            hint = did_you_mean(key, [*allowed, *tables]) or f" (allowed: {', '.join(sorted([*allowed, *tables]))})"
            raise ConfigError(f'unknown key "{key}"{hint}', file, name)
        if not isinstance(value, allowed[key]):
            raise ConfigError(f"must be a {allowed[key].__name__}, not {type(value).__name__}", file, name)


def load(project: Path, env: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> Settings:
    """Layer the settings for ``project``. Pure apart from reading media-pub.toml.

    ``overrides`` uses the file's key names, storage keys as ``storage.<key>``; None
    values are ignored, so unset flags fall through.

    Example:
        >>> load(Path("."), {"MEDIA_PUB_BASE_URL": "https://cdn.example.org/"}).base_url
        'https://cdn.example.org/'
    """
    project = project.resolve()
    values: dict[str, Any] = {}
    sources: list[str] = ["defaults"]
    config_path = project / CONFIG_FILE
    if config_path.is_file():
        data = read_toml(config_path)
        storage = data.pop("storage", {})
        if not isinstance(storage, dict):
            raise ConfigError("must be a table ([storage])", config_path, "storage")
        _check(data, _TOP_KEYS, config_path, tables=["storage"])
        _check(storage, _STORAGE_KEYS, config_path, "storage.")
        values.update(data)
        values.update({f"storage.{k}": v for k, v in storage.items()})
        sources.append(str(config_path))
    for key in [*_TOP_KEYS, *(f"storage.{k}" for k in _STORAGE_KEYS)]:
        env_name = "MEDIA_PUB_" + key.replace(".", "_").upper()
        if env.get(env_name):
            values[key] = env[env_name]
            sources.append(env_name)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
            sources.append(f"--{key.split('.')[-1].replace('_', '-')}")

    base_url = values.get("base_url")
    configured = base_url is not None
    base_url = str(base_url or Settings.base_url)
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError("must be an absolute http(s) URL", config_path, "base_url")
    if not base_url.endswith("/"):
        base_url += "/"
    storage = StorageSettings(**{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("storage.")})
    return Settings(
        project=project,
        base_url=base_url,
        out=Path(values.get("out", "public")),
        storage=storage,
        base_url_configured=configured,
        sources=tuple(sources),
    )
