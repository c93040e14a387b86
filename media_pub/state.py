"""media-pub's own state under ``.media-pub/``: one versioned, atomic JSON layer.

Every state file is one JSON object ``{"state": <name>, "version": <n>, ...sections}``,
written whole through a temp file and a rename (a reader never sees half a file) and only
when something changed. A missing, damaged, foreign or older-version file reads as empty:

- ``build.json``     :class:`BuildState`: what each episode was delivered as, the inputs of
                     each feed and player set, and the keys each build wrote into each
                     build folder (**ownership**: the sweep may delete only these).
- ``probe.json``     :class:`ProbeCache`: what each media file says about itself.
- ``episodes.json``  :class:`EpisodeCache`: loaded and checked episodes, reused while
                     none of their files changed.
- ``hashes.json``    :class:`HashCache`: sha256 per build file, for publish's plan.
- ``published.json`` :class:`PublishedRecord`: what the last publish put where (``status``).
- ``transcripts/``   :class:`TranscriptCache`: each timed transcript's three delivered
                     formats, one file per source content (like the encode and art caches
                     beside it: an entry is never wrong, only unused).

Everything but ownership is a cache or a hint, rebuilt by the next build or publish; a lost
``build.json`` loses ownership too, and then the sweep owns (and deletes) nothing.
Model objects are stored flat (a dataclass as a list of its fields, a path as a string),
through codecs compiled once per class from the dataclass's own field types, so a new
model field is stored without touching this module and an old file is simply not reused.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import media_pub
from media_pub.fsutil import file_sha256, write_atomic
from media_pub.media import probe as media_probe
from media_pub.model import Episode, Loudness, MediaInfo, Show

__all__ = ["AnnouncedFeeds", "BuildState", "DeliveryRecord", "EpisodeCache", "HashCache", "Paths", "TranscriptCache",
           "ProbeCache", "PublishedRecord", "StateFile", "Stamp"]

#: The size and mtime of every file an episode was made from (show file, sidecar, media,
#: image, transcript), with the show file's path first.
Stamp = tuple[str | int, ...]


# --- the file layer ---------------------------------------------------------------------

class StateFile:
    """One JSON state file in the state folder: loaded once, saved atomically when dirty.

    Subclasses name their ``FILE`` and ``VERSION`` (bump it when the stored shape changes:
    older files then read as empty) and turn the file's sections into their own attributes
    in ``_load`` and back in ``_dump``. ``state_dir=None`` keeps the state in memory only.
    """

    FILE: ClassVar[str]
    VERSION: ClassVar[int]

    def __init__(self, state_dir: Path | None) -> None:
        self.file = state_dir / self.FILE if state_dir is not None else None
        self.dirty = False
        self._load(self._read())

    def _read(self) -> dict[str, Any]:
        if self.file is None:
            return {}
        try:
            data = json.loads(self.file.read_bytes())
        except (OSError, ValueError, RecursionError):   # damaged: caches are rebuilt
            return {}
        if not isinstance(data, dict) or data.get("state") != self.FILE.removesuffix(".json") \
                or data.get("version") != self.version():
            return {}
        return data

    @classmethod
    def version(cls) -> int | str:
        """What a stored file must say to be reused (a subclass may add its schema)."""
        return cls.VERSION

    def _load(self, data: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def _dump(self) -> dict[str, Any]:
        raise NotImplementedError

    def save(self) -> None:
        """Write the file (atomically) if anything changed since it was read or saved."""
        if self.dirty and self.file is not None:
            body = {"state": self.FILE.removesuffix(".json"), "version": self.version(), **self._dump()}
            write_atomic(self.file, json.dumps(body, separators=(",", ":")).encode())
        self.dirty = False


# --- flat codecs for model dataclasses -----------------------------------------------------

_Codec = Callable[[Any], Any]


def _is_plain(tp: Any) -> bool:
    """True for a type JSON stores as is (str, int, float, bool, None, dict[str, str])."""
    if tp in (str, int, float, bool, type(None)):
        return True
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return all(_is_plain(arg) for arg in typing.get_args(tp))
    return origin is dict and all(arg is str for arg in typing.get_args(tp))


def _optional(tp: Any) -> Any:
    """``X | None`` -> ``X`` (None passes through every codec); other unions are refused."""
    args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
    if len(args) != 1:
        raise TypeError(f"state.py cannot store the union {tp}")
    return args[0]


def _encoder(tp: Any) -> _Codec | None:
    """How to store a value of type ``tp``; None: as it is."""
    if _is_plain(tp):
        return None
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _encoder(_optional(tp))
    if tp is Path:
        return str
    if tp is datetime:
        return datetime.isoformat
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda value: value.value
    if typing.get_origin(tp) is tuple:
        item = _encoder(typing.get_args(tp)[0])
        return list if item is None else (lambda value: [item(v) for v in value])
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return encoder(tp)
    raise TypeError(f"state.py cannot store a {tp}")


class Paths(dict[str, Path]):
    """Path objects by their text, each made once: a decoded episode's media and its
    MediaInfo share one, and the loader hands in the sidecar paths it already has
    (making a Path costs more than reading its JSON)."""

    def __missing__(self, text: str) -> Path:
        # A child of a known folder is cheaper to make than a path parsed whole, and a
        # catalogue's files share a few folders.
        folder, sep, name = text.rpartition(os.sep)
        if folder and name and name not in (".", ".."):
            path = self[folder] / name
        else:
            path = Path(text)
        self[text] = path
        return path


_Decode = Callable[[Any, Paths], Any]


def _decoder(tp: Any) -> _Decode | None:
    """How to read back a value stored by ``_encoder(tp)``; None: as it is."""
    if _is_plain(tp):
        return None
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _decoder(_optional(tp))
    if tp is Path:
        return lambda value, paths: paths[value]
    if tp is datetime:
        return lambda value, paths: datetime.fromisoformat(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        members = {member.value: member for member in tp}   # a lookup, not Enum's __call__
        return lambda value, paths: members[value] if value in members else tp(value)
    if typing.get_origin(tp) is tuple:
        item = _decoder(typing.get_args(tp)[0])
        if item is None:
            return lambda value, paths: tuple(value)
        return lambda value, paths: tuple(item(v, paths) for v in value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return decoder(tp)
    raise TypeError(f"state.py cannot read a {tp}")


@cache
def encoder(cls: type) -> Callable[[Any], list[Any]]:
    """A function storing a ``cls`` instance as the list of its fields, in order."""
    hints = typing.get_type_hints(cls)
    parts = [(f.name, _encoder(hints[f.name])) for f in dataclasses.fields(cls)]

    def encode(value: Any) -> list[Any]:
        out = []
        for name, part in parts:
            item = getattr(value, name)
            out.append(item if part is None or item is None else part(item))
        return out
    return encode


@cache
def decoder(cls: type) -> Callable[[list[Any], Paths], Any]:
    """The inverse of :func:`encoder` for ``cls``: ``decoder(cls)(values, Paths())``."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    parts = [(i, f.name, part) for i, f in enumerate(fields) if (part := _decoder(hints[f.name])) is not None]
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        def decode_checked(values: list[Any], paths: Paths) -> Any:
            args = list(values)
            for i, _, part in parts:
                if args[i] is not None:
                    args[i] = part(args[i], paths)
            return cls(*args)
        return decode_checked
    # The values were an instance's fields when stored (and the file's schema is this
    # class's), so the instance is rebuilt without running the frozen dataclass's
    # __init__, which sets each field through object.__setattr__, by a function written
    # for the class (as dataclasses writes __init__): decoding 10,000 cached episodes
    # took a third of a no-op build.
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    items = []
    converted = {i: part for i, _, part in parts}
    for i, name in enumerate(names):
        if i not in converted:
            items.append(f"{name!r}: v{i}")
        elif hints[name] in (Path, Path | None):
            items.append(f"{name!r}: None if v{i} is None else paths[v{i}]")
        else:
            namespace[f"part{i}"] = converted[i]
            items.append(f"{name!r}: None if v{i} is None else part{i}(v{i}, paths)")
    unpack = ", ".join(f"v{i}" for i in range(len(names))) + ","
    source = (f"def decode(values, paths):\n"
              f"    if len(values) != {len(names)}:\n"
              f"        raise ValueError(f'a stored {cls.__name__} has {{len(values)}} fields, not {len(names)}')\n"
              f"    {unpack} = values\n"
              f"    instance = new(cls)\n"
              f"    instance.__dict__.update({{{', '.join(items)}}})\n"
              f"    return instance\n")
    exec(source, namespace)   # noqa: S102 - made from field names only
    decode: Callable[[list[Any], Paths], Any] = namespace["decode"]
    return decode


@cache
def schema(*classes: type) -> str:
    """The stored shape of ``classes`` (every field name, nested): a stored file made for
    another shape, or by another media-pub version, is not reused."""
    def shape(cls: type) -> list[Any]:
        hints = typing.get_type_hints(cls)
        return [[f.name, str(hints[f.name])] for f in dataclasses.fields(cls)]
    return json.dumps([media_pub.__version__, [shape(cls) for cls in classes]])


# --- the tables -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeliveryRecord:
    """What an earlier build delivered for one episode (the file lives in the encode cache)."""

    path: Path
    duration: float | None
    loudness: Loudness | None
    normalization: str | None
    has_peaks: bool     # the encode cache's record beside the file holds the waveform
    stat: os.stat_result | None = field(default=None, compare=False, repr=False)   # when looked up: the file's


class BuildState(StateFile):
    """What earlier builds did: lets a no-op build skip hashing, and says what it owns.

    - **deliveries**: per episode (``show/episode``), the delivered file and the fingerprint
      of its inputs; reused only while the fingerprint is the same and the file exists.
    - **outputs**: per output group (``feeds/<show>``, ``embed``), the fingerprint of what
      the group was last rendered from.
    - **ownership**: per build folder, every key a build wrote there. The sweep deletes a
      file only if :meth:`owned_keys` lists it; call :meth:`record_written` for every key
      written (or found already identical) and :meth:`forget_written` for every key deleted.
    """

    FILE = "build.json"
    VERSION = 3     # 3: fingerprints are stored as digests

    def _load(self, data: Mapping[str, Any]) -> None:
        self.deliveries: dict[str, dict[str, Any]] = data.get("deliveries", {})
        self.outputs: dict[str, str] = data.get("outputs", {})
        self.owned: dict[str, set[str]] = {folder: set(keys) for folder, keys in data.get("owned", {}).items()}
        self._paths = Paths()

    def _dump(self) -> dict[str, Any]:
        return {"deliveries": self.deliveries, "outputs": self.outputs,
                "owned": {folder: sorted(keys) for folder, keys in sorted(self.owned.items())}}

    @staticmethod
    def show_part(show: Show) -> str:
        """What every episode's delivery shares: the delivery settings and show artwork."""
        parts: list[object] = [show.delivery]
        if show.artwork:
            art = show.artwork.stat()
            parts += [art.st_size, art.st_mtime_ns]
        return repr(parts)

    @staticmethod
    def fingerprint(show_part: str, stamp: Stamp | None) -> str:
        """The delivered file depends only on the show file, the sidecar, the media and
        artwork: their sizes and mtimes (the loader's stamp) identify its inputs."""
        return BuildState.digest(show_part + repr(stamp))

    @staticmethod
    def digest(inputs: str) -> str:
        """A fingerprint as stored: a digest of the text of its inputs. (The text of a
        feed's inputs at 10,000 episodes is 4 MB, read back and compared on every build.)"""
        return hashlib.blake2b(inputs.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()

    def delivered(self, key: str, fingerprint: str | None = None) -> DeliveryRecord | None:
        """The episode's last delivery; with ``fingerprint``, only if made from those inputs
        and its file is still there."""
        entry = self.deliveries.get(key)
        if entry is None or (fingerprint is not None and entry["fingerprint"] != fingerprint):
            return None
        stat = None
        if fingerprint is not None:
            try:
                stat = os.stat(entry["path"])
            except OSError:
                return None
        loudness = entry.get("loudness")
        return DeliveryRecord(self._paths[entry["path"]], entry.get("duration"),
                              Loudness(**loudness) if loudness else None, entry.get("normalization"),
                              bool(entry.get("peaks")), stat)

    def record_delivery(self, key: str, fingerprint: str, record: DeliveryRecord) -> None:
        self.deliveries[key] = {
            "fingerprint": fingerprint, "path": str(record.path), "duration": record.duration,
            "normalization": record.normalization,
            "loudness": dataclasses.asdict(record.loudness) if record.loudness else None,
            # Only whether there are peaks: copying 1,000 numbers per episode made no-op builds slow.
            "peaks": record.has_peaks,
        }
        self.dirty = True

    def outputs_unchanged(self, group: str, fingerprint: str, out_dir: Path, keys: Iterable[str]) -> bool:
        """True when the group's outputs were last made from the same inputs and all exist."""
        return self.outputs.get(group) == fingerprint and all((out_dir / k).exists() for k in keys)

    def record_outputs(self, group: str, fingerprint: str) -> None:
        if self.outputs.get(group) != fingerprint:
            self.outputs[group] = fingerprint
            self.dirty = True

    def folder(self, out_dir: Path) -> str:
        """How ``out_dir`` is named here: relative to the project when inside it, so the
        record survives moving or copying the project folder; else absolute."""
        resolved = out_dir.resolve()
        project = self.file.parent.parent.resolve() if self.file is not None else None
        if project is not None and resolved.is_relative_to(project):
            return resolved.relative_to(project).as_posix()
        return str(resolved)

    def owned_keys(self, out_dir: Path) -> frozenset[str]:
        """Every key a build wrote into ``out_dir`` and has not deleted since."""
        return frozenset(self.owned.get(self.folder(out_dir), ()))

    def record_written(self, out_dir: Path, keys: Iterable[str]) -> None:
        """Own ``keys`` in ``out_dir``: a build wrote them (or found them already identical)."""
        owned = self.owned.setdefault(self.folder(out_dir), set())
        before = len(owned)
        owned.update(keys)
        self.dirty |= len(owned) != before

    def forget_written(self, out_dir: Path, keys: Iterable[str]) -> None:
        """Stop owning ``keys`` in ``out_dir`` (the build deleted them)."""
        owned = self.owned.get(self.folder(out_dir))
        if owned:
            before = len(owned)
            owned.difference_update(keys)
            self.dirty |= len(owned) != before


class ProbeCache(StateFile):
    """probe() results keyed by path, reused while the file's size and mtime are the same."""

    FILE = "probe.json"
    VERSION = media_probe.PROBE_VERSION

    @classmethod
    def version(cls) -> str:
        return f"{cls.VERSION}:{schema(MediaInfo)}"

    def __init__(self, state_dir: Path | None) -> None:
        # Read on the first probe: a build whose episodes all come from the episode
        # cache probes nothing and need not parse a file the size of the catalogue.
        self.file = state_dir / self.FILE if state_dir is not None else None
        self.dirty = False
        self._entries: dict[str, list[Any]] | None = None

    @property
    def entries(self) -> dict[str, list[Any]]:
        if self._entries is None:
            self._load(self._read())
        assert self._entries is not None
        return self._entries

    def _load(self, data: Mapping[str, Any]) -> None:
        self._entries = data.get("entries", {})

    def _dump(self) -> dict[str, Any]:
        return {"entries": self.entries}

    def probe(self, path: Path) -> MediaInfo:
        """What ``path`` says about itself (:func:`media_pub.media.probe.probe`), cached."""
        try:
            stat = path.stat()
        except OSError:
            return media_probe.probe(path)   # raises the MediaError that names the file
        key = str(path)
        entry = self.entries.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            info: MediaInfo = decoder(MediaInfo)(entry[2], Paths({key: path}))
            return dataclasses.replace(info, path=path) if info.path != path else info
        info = media_probe.probe(path)
        self.entries[key] = [stat.st_size, stat.st_mtime_ns, encoder(MediaInfo)(info)]
        self.dirty = True
        return info


class EpisodeCache(StateFile):
    """Episodes loaded by earlier runs, reused while none of their files changed.

    The key is the :data:`Stamp` of the episode's files, so an edit to any of them reloads
    and re-checks that episode. A long back catalogue then loads in a fraction of a second.
    """

    FILE = "episodes.json"
    VERSION = 2

    @classmethod
    def version(cls) -> str:
        return f"{cls.VERSION}:{schema(Episode)}"

    def _load(self, data: Mapping[str, Any]) -> None:
        self.entries: dict[str, list[Any]] = data.get("entries", {})
        self._paths = Paths()

    def _dump(self) -> dict[str, Any]:
        return {"entries": self.entries}

    @staticmethod
    def stamp(show_stamp: Stamp, paths: Iterable[str | Path | None]) -> Stamp | None:
        """``show_stamp`` followed by the size and mtime of each path; None if one is gone."""
        stamps: list[str | int] = list(show_stamp)
        try:
            for path in paths:
                if path is not None:
                    stat = os.stat(path)
                    stamps += [stat.st_size, stat.st_mtime_ns]
        except OSError:
            return None
        return tuple(stamps)

    @classmethod
    def _episode_stamp(cls, show_stamp: Stamp, episode: Episode) -> Stamp | None:
        return cls.stamp(show_stamp, (episode.path, episode.media, episode.image, episode.transcript))

    def get(self, show_stamp: Stamp, sidecar: Path) -> tuple[Episode, Stamp] | None:
        """The cached episode of ``sidecar`` and its stamp, if none of its files changed."""
        name = str(sidecar)
        entry = self.entries.get(name)
        if entry is None:
            return None
        stored, paths, episode = entry
        stamp = self.stamp(show_stamp, paths)
        if stamp is None or list(stamp) != stored:
            return None
        self._paths[name] = sidecar
        return decoder(Episode)(episode, self._paths), stamp

    def put(self, show_stamp: Stamp, episode: Episode) -> Stamp | None:
        """Cache ``episode``; returns its stamp (None: a file vanished, nothing cached)."""
        stamp = self._episode_stamp(show_stamp, episode)
        if stamp is not None:
            paths = [None if p is None else str(p)
                     for p in (episode.path, episode.media, episode.image, episode.transcript)]
            self.entries[str(episode.path)] = [list(stamp), paths, encoder(Episode)(episode)]
            self.dirty = True
        return stamp


class TranscriptCache:
    """Delivered transcripts (the three timed formats) by the source's content: converting an
    hour's transcript takes about 0.2 s, which a rebuild of a transcribed catalogue paid
    for every episode every time. One JSON file per source under ``transcripts/``,
    written atomically; like the encode cache, an entry is never wrong, only unused."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir / "transcripts"

    @staticmethod
    def key(data: bytes, suffix: str, recipe: str) -> str:
        return hashlib.sha256(b"%s|%s|%s|" % (suffix.encode(), recipe.encode(),
                                              media_pub.__version__.encode()) + data).hexdigest()

    def get(self, key: str) -> dict[str, bytes] | None:
        try:
            files = json.loads((self.folder / f"{key}.json").read_bytes())
            return {ext: text.encode("utf-8") for ext, text in files.items()}
        except (OSError, ValueError, AttributeError, RecursionError):
            return None   # missing or damaged: converted again

    def put(self, key: str, files: Mapping[str, bytes]) -> None:
        """Keep ``files`` (UTF-8 texts by extension); any other bytes are not cached."""
        try:
            texts = {ext: data.decode("utf-8") for ext, data in files.items()}
        except UnicodeDecodeError:
            return
        write_atomic(self.folder / f"{key}.json", json.dumps(texts, ensure_ascii=False).encode("utf-8"))


class HashCache(StateFile):
    """sha256 per local file, reused while its size, mtime, ctime and inode are unchanged.

    Like git's index: every write to a file moves its ctime, which no user tool can set
    back, so a cached hash is only reused for bytes that were not touched. A no-op publish
    of a large site then reads no media at all. ``HashCache(None)`` caches in memory only.
    """

    FILE = "hashes.json"
    VERSION = 1

    def __init__(self, state_dir: Path | None = None) -> None:
        super().__init__(state_dir)

    def _load(self, data: Mapping[str, Any]) -> None:
        self.entries: dict[str, list[Any]] = data.get("entries", {})

    def _dump(self) -> dict[str, Any]:
        return {"entries": {name: entry for name, entry in self.entries.items() if os.path.exists(name)}}

    @staticmethod
    def _signature(stat: os.stat_result) -> list[int]:
        return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]

    def sha256(self, path: Path) -> str:
        name = os.path.abspath(path)
        before = self._signature(os.stat(name))
        cached = self.entries.get(name)
        if cached and cached[:4] == before:
            return str(cached[4])
        digest = file_sha256(path)
        if self._signature(path.stat()) == before:    # not written to while we read it
            self.entries[name] = [*before, digest]
            self.dirty = True
        return digest


class PublishedRecord(StateFile):
    """What the last publish put where: target and key -> sha256 (None: built in place).

    Written by ``publish``, read by ``status``; a hint only, never a reason to delete.
    """

    FILE = "published.json"
    VERSION = 1

    def _load(self, data: Mapping[str, Any]) -> None:
        self.target: str | None = data.get("target")
        self.objects: dict[str, str | None] = data.get("objects", {})

    def _dump(self) -> dict[str, Any]:
        return {"target": self.target, "objects": dict(sorted(self.objects.items()))}

    def record(self, target: str, objects: Mapping[str, str | None]) -> None:
        self.target, self.objects = target, dict(objects)
        self.dirty = True


class AnnouncedFeeds(StateFile):
    """Feed URLs a publish has already told the volunteer to submit to the directories.

    Apple Podcasts and Spotify take a feed URL once; the note is shown the first time only.
    """

    FILE = "announced.json"
    VERSION = 1

    def _load(self, data: Mapping[str, Any]) -> None:
        self.urls: set[str] = set(data.get("urls", []))

    def _dump(self) -> dict[str, Any]:
        return {"urls": sorted(self.urls)}

    def first_time(self, urls: Iterable[str]) -> list[str]:
        """Those of ``urls`` never announced before; they count as announced from now on."""
        new = [url for url in urls if url not in self.urls]
        if new:
            self.urls.update(new)
            self.dirty = True
        return new
