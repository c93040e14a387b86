"""Load and check a project: feeds/<show>.toml and episodes/<show>/<ep>.toml.

Everything is checked up front, before any slow work or output: unknown keys, wrong
types, bad or ambiguous dates, missing media, paths that leave the project, duplicate
slugs and GUIDs. The first problem raises a ConfigError (or MediaError) naming the file
and field. Sidecars are read with the fast stdlib tomllib; tomlkit is only used to write
a GUID back (guids.py).
"""

from __future__ import annotations

import enum
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from media_pub.config import CONFIG_FILE, did_you_mean, read_toml
from media_pub.errors import ConfigError, MediaError
from media_pub.media import images
from media_pub.media.probe import MEDIA_EXTENSIONS
from media_pub.model import (
    DEFAULT_DELIVERY,
    Chapter,
    Delivery,
    DeliveryFormat,
    Episode,
    EpisodeType,
    Funding,
    License,
    MediaInfo,
    Medium,
    Owner,
    Person,
    PlayerStyle,
    Settings,
    Show,
    ShowType,
    TranscriptSettings,
    Txt,
    UpdateFrequency,
)
from media_pub.fsutil import check_regular
from media_pub.outputs.notes import clean_text, notes_text
from media_pub.project.links import http_url
from media_pub.project.taxonomy import GROUPS, ROLES, group_for, groups_of
from media_pub.state import EpisodeCache, ProbeCache, Stamp

FEEDS_DIR = "feeds"
EPISODES_DIR = "episodes"
#: Where ``init`` puts a show's artwork in the project, beside the show files: feeds/art/
#: (a source folder; the build's own art/ keys are site.py's).
ARTWORK_DIR = "art"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
TRANSCRIPT_EXTENSIONS = (".vtt", ".srt", ".txt", ".html", ".json")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Project:
    settings: Settings
    shows: tuple[Show, ...]
    episodes: dict[str, tuple[Episode, ...]]   # show slug -> all episodes, newest first
    stamps: dict[Path, Stamp | None] = field(default_factory=dict)   # sidecar -> size+mtime of its inputs

    def show(self, slug: str) -> Show:
        return next(show for show in self.shows if show.slug == slug)


def is_project(folder: Path) -> bool:
    """A media-pub project is a folder with media-pub.toml or a feeds/ folder (SPEC 5.1)."""
    return (folder / CONFIG_FILE).is_file() or (folder / FEEDS_DIR).is_dir()


def require_project(folder: Path) -> Path:
    """``folder`` resolved, or a ConfigError saying it is not a project.

    Checked before anything else, so that no command run in the wrong folder writes
    ``public/`` or ``.media-pub/`` there, or publishes (and prunes) an empty build.
    """
    folder = folder.resolve()
    if not is_project(folder):
        raise ConfigError(f"not a media-pub project: it has no {CONFIG_FILE} and no {FEEDS_DIR}/ folder. "
                          "Run media-pub in your project folder (or pass --project DIR), "
                          "or start one with `media-pub init`", folder)
    return folder


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def slugify(stem: str) -> str:
    """File stem -> lower-case ASCII letters, digits and hyphens.

    Example:
        >>> slugify("Épisode 1: Ça va")
        'episode-1-ca-va'
    """
    if _SLUG.fullmatch(stem):
        return stem   # already a slug, as most file names are
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# --- typed field readers: each raises ConfigError naming file and field ---------------

_E = TypeVar("_E", bound=enum.Enum)


class _Table:
    """One TOML table of a file, read key by key; unknown keys are refused at the end."""

    def __init__(self, data: dict[str, Any], file: Path, prefix: str = ""):
        self.data, self.file, self.prefix = data, file, prefix
        self.seen: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, self.file, self.prefix + key)

    def missing(self, key: str, message: str = "is required") -> ConfigError:
        """``key`` is not there: a typo of it (``titel``) is the likelier story, so say that."""
        typos = [k for k in self.data if k not in self.seen and did_you_mean(k, [key])]
        if typos:
            return self.error(typos[0], f'unknown key "{typos[0]}" (did you mean "{key}"?)')
        return self.error(key, message)

    def get(self, key: str, kinds: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if required:
                raise self.missing(key)
            return default
        value = self.data[key]
        # bool is an int in Python: keep them apart in both directions.
        if (isinstance(value, bool) and bool not in _as_tuple(kinds)) or not isinstance(value, kinds):
            names = " or ".join(_type_name(k) for k in _as_tuple(kinds))
            raise self.error(key, f"must be {names}, not {_type_name(type(value))} ({value!r:.40})")
        return value

    # Overloads: a required key or a str default reads as str, an optional one as str | None.
    @overload
    def text(self, key: str, default: str, required: bool = False, limit: int | None = None) -> str: ...
    @overload
    def text(self, key: str, default: None = None, *, required: Literal[True], limit: int | None = None) -> str: ...
    @overload
    def text(self, key: str, default: None = None, required: bool = False,
             limit: int | None = None) -> str | None: ...

    def text(self, key: str, default: str | None = None, required: bool = False,
             limit: int | None = None) -> str | None:
        value = self.get(key, str, default, required)
        if value is None:
            return None
        value = clean_text(value)
        if required and not value:
            raise self.error(key, "must not be empty")
        if limit and len(value) > limit:
            raise self.error(key, f"is {len(value)} characters; at most {limit} allowed")
        return value

    def url(self, key: str, required: bool = False) -> str | None:
        """An absolute http(s) URL (SPEC 5.1: no javascript:, data:, file: links)."""
        return http_url(self.text(key, required=required), self.file, self.prefix + key)

    def choice(self, key: str, enum: type[_E], default: _E) -> _E:
        value = self.get(key, str, None)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise self.error(key, f"{value!r} is not one of: {allowed}") from None

    @overload
    def number(self, key: str, default: float, positive: bool = False) -> float: ...
    @overload
    def number(self, key: str, default: None = None, positive: bool = False) -> float | None: ...

    def number(self, key: str, default: float | None = None, positive: bool = False) -> float | None:
        value = self.get(key, (int, float), default)
        if value is not None and positive and value <= 0:
            raise self.error(key, "must be a positive number")
        return float(value) if value is not None else None

    @overload
    def integer(self, key: str, default: int, positive: bool = False) -> int: ...
    @overload
    def integer(self, key: str, default: None = None, positive: bool = False) -> int | None: ...

    def integer(self, key: str, default: int | None = None, positive: bool = False) -> int | None:
        value: int | None = self.get(key, int, default)
        if value is not None and positive and value <= 0:
            raise self.error(key, "must be a whole number above 0")
        return value

    def table(self, key: str) -> _Table | None:
        value = self.get(key, dict, None)
        return _Table(value, self.file, f"{self.prefix}{key}.") if value is not None else None

    def tables(self, key: str) -> list[_Table]:
        values = self.get(key, list, [])
        out = []
        # Numbered from 1 in messages: the volunteer counts "the third chapter", not index 2.
        for number, value in enumerate(values, 1):
            if not isinstance(value, dict):
                raise self.error(f"{key}[{number}]", "must be a table such as { name = \"...\" }")
            out.append(_Table(value, self.file, f"{self.prefix}{key}[{number}]."))
        return out

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            hint = did_you_mean(unknown[0], self.seen) or f" (known keys: {', '.join(sorted(self.seen))})"
            raise self.error(unknown[0], f'unknown key "{unknown[0]}"{hint}')


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _type_name(kind: type) -> str:
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false",
            list: "a list", dict: "a table", datetime: "a date-time"}.get(kind, kind.__name__)


def parse_datetime(value: Any, file: Path | None, field: str) -> datetime:
    """A timezone-aware datetime from TOML or text; dates without a zone are ambiguous."""
    example = "write it with a time and zone, e.g. 2026-11-20T09:00:00Z"
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise ConfigError(f"{value!r} is not a date-time; {example}", file, field) from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ConfigError(f"{value.isoformat()} has no time zone, so it is ambiguous; {example}", file, field)
        return value
    if isinstance(value, date | time):
        raise ConfigError(f"{value.isoformat()} has no time zone, so it is ambiguous; {example}", file, field)
    raise ConfigError(f"must be a date-time, not {_type_name(type(value))}; {example}", file, field)


def parse_timestamp(value: Any, file: Path | None, field: str) -> float:
    """Seconds from "HH:MM:SS(.mmm)", "MM:SS" or a number."""
    if isinstance(value, bool):
        raise ConfigError("must be a time such as \"00:12:30\" or seconds", file, field)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"(\d+:){0,2}\d+(\.\d+)?", value.strip()):
        seconds = 0.0
        for part in value.strip().split(":"):
            seconds = seconds * 60 + float(part)
    else:
        raise ConfigError(f"{value!r} is not a time such as \"00:12:30\" or seconds", file, field)
    if seconds < 0:
        raise ConfigError("must not be negative", file, field)
    return seconds


def safe_path(project: Path, base: Path, value: str, file: Path, field: str,
              extensions: Iterable[str] | None = None) -> Path:
    """A path from a project file: relative, inside the project (after symlinks), existing."""
    if not value.strip():
        raise ConfigError("must not be empty", file, field)
    candidate = Path(value)
    if candidate.is_absolute() or value.startswith(("~", "\\")) or re.match(r"^[A-Za-z]:", value):
        raise ConfigError(f"{value!r} is an absolute path; give a path relative to {file.name}", file, field)
    resolved = (base / candidate).resolve()
    if not resolved.is_relative_to(project):
        raise ConfigError(f"{value!r} points outside the project", file, field)
    if not resolved.exists():
        raise ConfigError(f"{value!r}: no such file", file, field)
    check_regular(resolved, project, file=file, field=field)   # a FIFO or device would block or never end
    if extensions is not None and resolved.suffix.lower() not in extensions:
        raise ConfigError(f"{value!r} must be one of {', '.join(extensions)}", file, field)
    return resolved


def image_path(project: Path, base: Path, value: str, file: Path, field: str) -> Path:
    """A safe path (see safe_path) to a readable JPEG or PNG.

    What delivery fixes (size, shape, colour) is left to build, which
    warns, and to ``validate`` (show artwork under 1400 px stays an error there); what
    cannot be delivered at all (not an image, another format, over 50 megapixels) stops
    the build here, before any output.
    """
    path = safe_path(project, base, value, file, field, IMAGE_EXTENSIONS)
    try:
        facts = images.inspect_file(path)
    except MediaError as error:
        raise ConfigError(f"{value!r}: {error.message}", file, field) from None
    expected = images.expected_extension(facts)
    if expected is None:
        raise ConfigError(f"{value!r} is a {facts.format} image; export it as JPEG or PNG", file, field)
    if path.suffix.lower() not in (expected, ".jpeg" if expected == ".jpg" else expected):
        raise ConfigError(f"{value!r} is a {facts.format} file, not {path.suffix[1:].upper()}; rename it to "
                          f"{path.stem}{expected} (or export it as the format its name says)", file, field)
    return path


# --- shows -----------------------------------------------------------------------------

def _persons(table: _Table, key: str, medium: Medium) -> tuple[Person, ...]:
    persons = []
    for item in table.tables(key):
        name = item.text("name", required=True, limit=128)
        role = (item.text("role") or "host").lower()
        if role not in ROLES:
            hint = did_you_mean(role, ROLES) or " (e.g. host, co-host, guest, producer, narrator)"
            raise item.error("role", f"{role!r} is not a Podcast Taxonomy role{hint}")
        group = (item.text("group") or group_for(role, video=medium.is_video)).lower()
        if group not in GROUPS:
            hint = did_you_mean(group, GROUPS) or f" (for {role}: {', '.join(groups_of(role))})"
            raise item.error("group", f"{group!r} is not a Podcast Taxonomy group{hint}")
        if group not in groups_of(role):
            raise item.error("group", f"{role!r} is not in the {group!r} group (it is in "
                             f"{', '.join(groups_of(role))}); leave group out and media-pub picks it")
        persons.append(Person(name=name, role=role, group=group,
                              img=http_url(item.text("img"), item.file, item.prefix + "img"),
                              href=http_url(item.text("href"), item.file, item.prefix + "href")))
        item.finish()
    return tuple(persons)


def _delivery(table: _Table | None, medium: Medium, project: Path, base: Path) -> Delivery:
    default_format = DeliveryFormat.MP4 if medium.is_video else DeliveryFormat.MP3
    if table is None:
        return Delivery(format=default_format)
    fmt = table.choice("format", DeliveryFormat, default_format)
    if medium.is_video != (fmt is DeliveryFormat.MP4):
        raise table.error("format", "video shows deliver mp4; audio shows mp3 or m4a")
    bitrate = table.get("bitrate", str, DEFAULT_DELIVERY.bitrate)
    if not re.fullmatch(r"\d{2,3}k", bitrate):
        raise table.error("bitrate", f"{bitrate!r} is not a bitrate such as \"128k\"")
    loudness = table.number("loudness", DEFAULT_DELIVERY.loudness)
    true_peak = table.number("true_peak", DEFAULT_DELIVERY.true_peak)
    if not -70 < loudness < 0:
        raise table.error("loudness", "must be an integrated loudness in LUFS, e.g. -16.0")
    if not -9 <= true_peak <= 0:
        raise table.error("true_peak", "must be a ceiling in dBTP between -9 and 0, e.g. -1.0")
    lra = table.number("lra", None)
    if lra is not None and not 1 <= lra <= 50:
        raise table.error("lra", "must be between 1 and 50 LU")
    channels = table.integer("channels", None)
    if channels not in (None, 1, 2):
        raise table.error("channels", "must be 1 (mono) or 2 (stereo)")
    sample_rate = table.integer("sample_rate", DEFAULT_DELIVERY.sample_rate)
    if sample_rate not in (22050, 24000, 32000, 44100, 48000):
        raise table.error("sample_rate", "must be 22050, 24000, 32000, 44100 or 48000")
    intro = table.get("intro", str)
    outro = table.get("outro", str)
    delivery = Delivery(
        loudness=loudness, true_peak=true_peak, lra=lra, format=fmt, bitrate=bitrate,
        channels=channels, sample_rate=sample_rate,
        intro=safe_path(project, base, intro, table.file, "delivery.intro", MEDIA_EXTENSIONS) if intro else None,
        outro=safe_path(project, base, outro, table.file, "delivery.outro", MEDIA_EXTENSIONS) if outro else None,
    )
    table.finish()
    return delivery


def _transcripts(table: _Table | None, base: Path) -> TranscriptSettings:
    """``[transcripts]``: the model directory may live anywhere (it is read, never published)."""
    if table is None:
        return TranscriptSettings()
    model = table.text("model")
    language = table.text("language")
    if language is not None and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        raise table.error("language", f"{language!r} is not a language code such as en")
    if model is not None and not model.strip():
        raise table.error("model", "must not be empty (leave it out for the bundled English model)")
    settings = TranscriptSettings(
        model=(base / Path(model).expanduser()).resolve() if model else None,
        language=language.split("-")[0].lower() if language else None,
        auto=table.get("auto", bool, False),
    )
    table.finish()
    return settings


def load_show(project: Path, path: Path) -> Show:
    data = _Table(read_toml(path, project), path)
    slug = slugify(path.stem)
    if not slug:
        raise ConfigError("the file name gives an empty slug; use letters or digits", path)
    medium = data.choice("medium", Medium, Medium.PODCAST)
    owner_table = data.table("owner")
    owner = None
    if owner_table:
        owner = Owner(owner_table.text("name", required=True), owner_table.text("email", required=True))
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", owner.email):
            raise owner_table.error("email", f"{owner.email!r} is not an email address")
        owner_table.finish()
    categories = data.get("categories", list, [])
    if not all(isinstance(c, str) and c.strip() for c in categories):
        raise data.error("categories", "must be a list of category names such as \"Society & Culture\"")
    artwork = data.get("artwork", str)
    language = data.text("language", "en")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        raise data.error("language", f"{language!r} is not a language code such as en or en-GB")
    guid = data.get("guid", str)
    if guid is not None and not _UUID.match(guid):
        raise data.error("guid", f"{guid!r} is not a UUID")
    link = http_url(data.text("link"), path, "link")
    show = Show(
        slug=slug,
        path=path,
        title=data.text("title", required=True, limit=255),
        description=data.get("description", str, required=True),
        author=data.text("author", required=True, limit=255),
        language=language,
        explicit=data.get("explicit", bool, False),
        owner=owner,
        categories=tuple(clean_text(c) for c in categories),
        type=data.choice("type", ShowType, ShowType.EPISODIC),
        medium=medium,
        artwork=image_path(project, path.parent, artwork, path, "artwork") if artwork else None,
        link=link,
        guid=guid,
        copyright=data.text("copyright"),
        locked=data.get("locked", bool, True),
        persons=_persons(data, "persons", medium),
        delivery=_delivery(data.table("delivery"), medium, project, path.parent),
        transcripts=_transcripts(data.table("transcripts"), path.parent),
        player=_player(data.table("player")),
        **_namespace(data),
    )
    if not notes_text(show.description):
        raise data.error("description", "must not be empty (it has no text once markup and control "
                         "characters are removed)")
    data.finish()
    return show


# The licences podcast:license names without a URL (podcast-namespace licenses.json).
LICENSES = ("ARR", "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-NC-ND-4.0", "POD-V4V-1.0")


def _license(data: _Table) -> License | None:
    value = data.get("license", (str, dict))
    if value is None:
        return None
    if isinstance(value, str):
        name = re.sub(r"[\s_]+", "-", value.strip()).upper()
        if name not in LICENSES:
            raise data.error("license", f"{value!r} is not in the namespace's licence list ({', '.join(LICENSES)}); "
                             "for any other licence write license = { name = \"...\", url = \"https://...\" }")
        return License(name)
    table = data.table("license")
    assert table is not None
    licence = License(table.text("name", required=True, limit=128) or "", table.url("url", required=True))
    table.finish()
    return licence


def _update_frequency(data: _Table) -> UpdateFrequency | None:
    table = data.table("update_frequency")
    if table is None:
        return None
    rrule = table.text("rrule")
    if rrule is not None and not re.fullmatch(r"(?:[A-Z-]+=[A-Za-z0-9,+-]+;?)+", rrule) or (
            rrule is not None and "FREQ=" not in rrule):
        raise table.error("rrule", f"{rrule!r} is not an RFC 5545 rule such as \"FREQ=WEEKLY;INTERVAL=2\"")
    dtstart_value = table.get("dtstart", (datetime, date, str))
    dtstart = parse_datetime(dtstart_value, table.file, "update_frequency.dtstart") if dtstart_value else None
    if rrule and "COUNT=" in rrule and dtstart is None:
        raise table.error("dtstart", "is required when rrule has COUNT")
    frequency = UpdateFrequency(table.text("text", required=True, limit=128) or "", rrule, dtstart)
    table.finish()
    return frequency


def _namespace(data: _Table) -> dict[str, Any]:
    """The show keys of SPEC 5.3 and the feed-moving and verification keys (README: show keys)."""
    funding = []
    for item in data.tables("funding"):
        funding.append(Funding(item.url("url", required=True) or "", item.text("title", required=True, limit=128)
                               or ""))
        item.finish()
    listen = data.table("listen")
    links: list[tuple[str, str]] = []
    if listen is not None:
        for app in sorted(listen.data):
            links.append((app, listen.url(app, required=True) or ""))
        listen.finish()
    txt = []
    for item in data.tables("txt"):
        purpose = item.text("purpose", limit=128)
        txt.append(Txt(item.text("text", required=True, limit=4000) or "", purpose))
        item.finish()
    prefix = data.url("analytics_prefix")
    if prefix is not None and not prefix.endswith("/"):
        raise data.error("analytics_prefix", f"{prefix!r} must end with / (e.g. \"https://op3.dev/e/\")")
    return {
        "funding": tuple(funding),
        "license": _license(data),
        "complete": data.get("complete", bool, False),
        "block": data.get("block", bool, False),
        "new_feed_url": data.url("new_feed_url"),
        "analytics_prefix": prefix,
        "listen": tuple(links),
        "websub_hub": data.url("websub_hub"),
        "txt": tuple(txt),
        "update_frequency": _update_frequency(data),
    }


def _player(table: _Table | None) -> PlayerStyle:
    """``[player] accent = "#RRGGBB"``: one colour, so the page's contrast stays checkable."""
    if table is None:
        return PlayerStyle()
    accent = table.text("accent")
    if accent is not None and not re.fullmatch(r"#[0-9A-Fa-f]{6}", accent):
        raise table.error("accent", f"{accent!r} is not a colour written as \"#RRGGBB\", e.g. \"#0B57D0\"")
    table.finish()
    return PlayerStyle(accent=accent.upper() if accent else None)


# --- episodes --------------------------------------------------------------------------

def _find_media(sidecar: Path) -> str | None:
    for ext in MEDIA_EXTENSIONS:
        if sidecar.with_suffix(ext).is_file():
            return sidecar.with_suffix(ext).name
    return None


def tag_datetime(value: str) -> datetime | None:
    """A date from a media tag. ID3 and MP4 dates carry no zone, so they are read as UTC;
    a year alone is not enough (the sidecar's ``published`` must say)."""
    text = value.strip().replace(" ", "T")
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def load_episode(project: Path, show: Show, path: Path, probe: Callable[[Path], MediaInfo]) -> Episode:
    data = _Table(read_toml(path, project), path)
    media_name = data.get("media", str) or _find_media(path)
    if media_name is None:
        raise data.missing("media", f"is required (no media file named {path.stem}.* beside the sidecar)")
    media = safe_path(project, path.parent, media_name, path, "media")
    try:
        info = probe(media)
    except MediaError as error:
        raise MediaError(error.message, media, None) from None
    if show.medium.is_video and not info.is_video:
        raise ConfigError(f"{media.name} has no video stream, but {show.slug} is a video show", path, "media")

    title = data.text("title", limit=255) or clean_text(info.tags.get("title", ""))
    if not title:
        raise data.missing("title", "is required (the media file has no title tag either)")
    if "published" in data.data:
        published = parse_datetime(data.get("published", (datetime, date, time, str)), path, "published")
    else:
        tagged = tag_datetime(info.tags.get("date", ""))
        if tagged is None:
            raise data.missing("published", "is required (the media file has no full date tag either); "
                               "e.g. published = 2026-11-20T09:00:00Z")
        published = tagged
    chapters = []
    for number, item in enumerate(data.tables("chapters"), 1):
        start = parse_timestamp(item.get("start", (str, int, float), required=True), path,
                                f"chapters[{number}].start")
        if start >= info.duration:
            raise item.error("start", f"is past the end of the media ({info.duration:.0f} s)")
        chapters.append(Chapter(start=start, title=item.text("title", required=True),
                                url=http_url(item.text("url"), path, item.prefix + "url"),
                                img=http_url(item.text("img"), path, item.prefix + "img"),
                                toc=item.get("toc", bool, True)))
        item.finish()
    if not chapters:
        chapters = list(info.chapters)
    guid = data.get("guid", str)
    if guid is not None and not guid.strip():
        raise data.error("guid", "must not be empty")
    image = data.get("image", str)
    transcript = data.get("transcript", str)
    link = http_url(data.text("link"), path, "link")
    episode = Episode(
        show=show.slug,
        slug=slugify(path.stem),
        path=path,
        title=title,
        media=media,
        published=published.astimezone(timezone.utc),
        info=info,
        draft=data.get("draft", bool, False),
        description=data.get("description", str, info.tags.get("comment", "")),
        season=data.integer("season", None, positive=True),
        episode=data.number("episode", None, positive=True),
        episode_type=data.choice("episode_type", EpisodeType, EpisodeType.FULL),
        explicit=data.get("explicit", bool, None),
        image=image_path(project, path.parent, image, path, "image") if image else None,
        transcript=(safe_path(project, path.parent, transcript, path, "transcript", TRANSCRIPT_EXTENSIONS)
                    if transcript else None),
        chapters=tuple(sorted(chapters, key=lambda c: c.start)),
        persons=_persons(data, "persons", show.medium),
        guid=guid.strip() if guid else None,
        link=link,
    )
    if len(episode.description.encode("utf-8")) > 100_000:
        raise data.error("description", "is over 100 KB; podcast apps allow about 4,000 bytes")
    if show.type is ShowType.SERIAL and episode.episode is None and episode.episode_type is EpisodeType.FULL:
        raise data.error("episode", f"is required: {show.slug} is a serial show")
    data.finish()
    return episode


def _toml_files(folder: Path) -> list[Path]:
    """The ``*.toml`` files of ``folder`` (none if it is not a folder), in name order.

    Names first, then one Path each: at 10,000 episodes ``Path.glob`` cost a sixth of a
    no-op build."""
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith(".toml"))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [folder / name for name in names]


def _unique_slugs(paths: list[Path], what: str) -> None:
    seen: dict[str, Path] = {}
    for path in paths:
        slug = slugify(path.stem)
        if not slug:
            raise ConfigError("the file name gives an empty slug; use letters or digits", path)
        if slug in seen:
            raise ConfigError(f"{what} slug {slug!r} is also the slug of {seen[slug].name}; rename one", path)
        seen[slug] = path


def _refuse_orphans(episodes_dir: Path, show_files: list[Path]) -> None:
    """Every episodes/<dir>/ with sidecars needs the show file feeds/<dir>.toml, exactly.

    Renaming feeds/my-show.toml (even to My-Show.toml: the slug is the same, the folder
    no longer matches on a case-sensitive disk) once built an empty feed and deleted the
    built media. Now the build stops before any output, naming both sides.
    """
    if not episodes_dir.is_dir():
        return
    stems = {path.stem for path in show_files}
    for folder in sorted(p for p in episodes_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name in stems or not any(folder.glob("*.toml")):
            continue
        existing = ", ".join(f"{FEEDS_DIR}/{path.name}" for path in show_files) or "none"
        raise ConfigError(f"these episodes belong to no show: there is no {FEEDS_DIR}/{folder.name}.toml "
                          f"(show files: {existing}). Name the show file after the folder, or the folder "
                          "after the show file", folder)


def untracked_media(project: Project) -> dict[str, tuple[Path, ...]]:
    """Recordings in ``episodes/<show>/`` that no sidecar names: build would never see them.

    Per show slug, sorted. Only the folder itself is looked at (``add`` puts recordings
    there; a sub-folder is the volunteer's own place, e.g. for raw takes), and files the
    show uses otherwise (its intro and outro) are not listed.
    """
    found: dict[str, tuple[Path, ...]] = {}
    for show in project.shows:
        folder = project.settings.project / EPISODES_DIR / show.path.stem
        if not folder.is_dir():
            continue
        named = [episode.media for episode in project.episodes[show.slug]]
        named += [path for path in (show.delivery.intro, show.delivery.outro) if path]
        as_named = {str(path) for path in named}
        used: set[str] | None = None
        resolved: set[Path] | None = None
        untracked = []
        # Path text first: at 10,000 episodes, resolve() of every recording took most
        # of a no-op build.
        for name in os.listdir(folder):
            if name.startswith(".") or not name.lower().endswith(MEDIA_EXTENSIONS):
                continue
            path = os.path.join(folder, name)
            if path in as_named:
                continue
            if used is None:
                used = {os.path.abspath(p) for p in named}
            if os.path.abspath(path) in used or not os.path.isfile(path):
                continue
            # Only a file no sidecar names by this path is looked at through symlinks.
            if resolved is None:
                resolved = {p.resolve() for p in named}
            if Path(path).resolve() not in resolved:
                untracked.append(Path(path))
        found[show.slug] = tuple(sorted(untracked))
    return {slug: paths for slug, paths in found.items() if paths}


def load_project(settings: Settings, shows: Iterable[str] = (), probe_cache: ProbeCache | None = None) -> Project:
    """Load every show (or only ``shows``) with its episodes, checking everything.

    Example:
        >>> project = load_project(config.load(Path("."), os.environ))
    """
    root = require_project(settings.project)
    feeds_dir = root / FEEDS_DIR
    show_files = sorted(feeds_dir.glob("*.toml"), key=str) if feeds_dir.is_dir() else []
    _unique_slugs(show_files, "show")
    by_slug = {slugify(p.stem): p for p in show_files}
    episodes_dir = root / EPISODES_DIR
    _refuse_orphans(episodes_dir, show_files)
    wanted = list(shows)
    for slug in wanted:
        if slug not in by_slug:
            known = ", ".join(by_slug) or "none"
            raise ConfigError(f"no such show {slug!r} (shows: {known})", feeds_dir)
    cache = probe_cache or ProbeCache(settings.state_dir)
    loaded = EpisodeCache(settings.state_dir)
    stamps: dict[Path, Stamp | None] = {}
    loaded_shows = []
    episodes: dict[str, tuple[Episode, ...]] = {}
    for slug, path in by_slug.items():
        if wanted and slug not in wanted:
            continue
        show = load_show(root, path)
        folder = episodes_dir / path.stem
        sidecars = _toml_files(folder)
        _unique_slugs(sidecars, "episode")
        show_stat = os.stat(path)
        show_stamp: Stamp = (str(path), show_stat.st_size, show_stat.st_mtime_ns)
        items = []
        for sidecar in sidecars:
            hit = loaded.get(show_stamp, sidecar)
            if hit is None:
                episode = load_episode(root, show, sidecar, cache.probe)
                stamps[episode.path] = loaded.put(show_stamp, episode)
            else:
                episode, stamps[episode.path] = hit
            items.append(episode)
        guids: dict[str, Path] = {}
        for item in items:
            if item.guid and item.guid in guids:
                raise ConfigError(f"{item.guid!r} is also the guid of {guids[item.guid].name}; "
                                  "every episode needs its own", item.path, "guid")
            if item.guid:
                guids[item.guid] = item.path
        items.sort(key=lambda e: (e.published, e.slug), reverse=True)
        loaded_shows.append(show)
        episodes[slug] = tuple(items)
    if probe_cache is None:
        cache.save()
    loaded.save()
    return Project(settings, tuple(loaded_shows), episodes, stamps)
