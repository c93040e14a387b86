"""media-pub: publish podcasts and short film series from a folder of media and TOML.

The library's entry points load on first use, so ``import media_pub`` (and the command's
``--help``) stays fast::

    import media_pub
    settings = media_pub.config.load(Path("."), os.environ)
    media_pub.release.publish(settings, target="s3://bucket/site")   # build -> gate -> publish
    media_pub.check(settings, ["my-show"]).exit_code                  # what `validate` runs
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from media_pub import config, release
    from media_pub.project.load import load_project
    from media_pub.release import check

# name -> (module, attribute or None for the module itself). ``build`` and ``publish`` are
# modules of this package, so the release functions are reached as release.build/publish.
_EXPORTS = {
    "config": ("media_pub.config", None),
    "release": ("media_pub.release", None),
    "check": ("media_pub.release", "check"),
    "load_project": ("media_pub.project.load", "load_project"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'media_pub' has no attribute {name!r}")
    import importlib

    module_name, attribute = _EXPORTS[name]
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)


__all__ = ["__version__", "check", "config", "load_project", "release"]
