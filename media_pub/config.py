"""Site settings: defaults < media-pub.toml < MEDIA_PUB_* environment < command-line flags."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
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


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into a ConfigError naming the file and line."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", path) from None
    except UnicodeDecodeError:
        raise ConfigError("invalid TOML: not UTF-8 text", path) from None
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", path) from None


def _check(table: Mapping[str, Any], allowed: Mapping[str, type], file: Path, prefix: str = "") -> None:
    for key, value in table.items():
        name = prefix + key
        if key in _SECRET_KEYS:
            raise ConfigError(
                "credentials never live in this file; use the AWS chain "
                "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)", file, name)
        if key not in allowed:
            raise ConfigError(f"unknown key (allowed: {', '.join(sorted(allowed))})", file, name)
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
        _check(data, _TOP_KEYS, config_path)
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
