"""The project's data, as frozen dataclasses. No I/O here: loaders live in config/project."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from media_pub import site


class Medium(StrEnum):
    """podcast:medium values (Podcasting 2.0). ``video`` is a series, ``film`` one film."""

    PODCAST = "podcast"
    MUSIC = "music"
    VIDEO = "video"
    FILM = "film"
    AUDIOBOOK = "audiobook"
    NEWSLETTER = "newsletter"
    BLOG = "blog"
    COURSE = "course"

    @property
    def is_video(self) -> bool:
        return self in (Medium.VIDEO, Medium.FILM)


class ShowType(StrEnum):
    EPISODIC = "episodic"
    SERIAL = "serial"


class EpisodeType(StrEnum):
    FULL = "full"
    TRAILER = "trailer"
    BONUS = "bonus"


class DeliveryFormat(StrEnum):
    MP3 = "mp3"
    M4A = "m4a"
    MP4 = "mp4"

    @property
    def mime_type(self) -> str:
        return site.media_type_of_suffix("." + self.value)


@dataclass(frozen=True)
class StorageSettings:
    """Where ``publish`` puts the build: a folder, or ``s3://bucket/prefix``."""

    target: str = "public"
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    acl: str | None = None            # e.g. "public-read" for providers that need it
    addressing_style: str | None = None  # "path" or "virtual"; None: path with an endpoint


@dataclass(frozen=True)
class Settings:
    """Site-wide settings after layering defaults < media-pub.toml < env < flags."""

    project: Path
    base_url: str = "http://127.0.0.1:8000/"
    out: Path = Path("public")
    storage: StorageSettings = field(default_factory=StorageSettings)
    base_url_configured: bool = False   # False while base_url is still the local default
    sources: tuple[str, ...] = ()       # what was read, for -v

    @property
    def out_dir(self) -> Path:
        return self.out if self.out.is_absolute() else self.project / self.out

    @property
    def state_dir(self) -> Path:
        """media-pub's own caches (probe results, encoded media); never published."""
        return self.project / ".media-pub"

    def url(self, key: str) -> str:
        """The public URL of an output key such as ``media/show/ep.mp3``."""
        return site.url(self.base_url, key)


@dataclass(frozen=True)
class Delivery:
    """How a show's media is delivered: loudness targets and codec."""

    loudness: float = -16.0
    true_peak: float = -1.0
    lra: float | None = None
    format: DeliveryFormat = DeliveryFormat.MP3
    bitrate: str = "128k"
    channels: int | None = None     # 1: downmix to mono for speech; None: keep (max 2)
    sample_rate: int = 44100
    intro: Path | None = None
    outro: Path | None = None

    @property
    def extension(self) -> str:
        return "." + self.format.value

    @property
    def mime_type(self) -> str:
        return self.format.mime_type


#: Every delivery default, written once (the fields above): the loader, the scaffold and
#: the docs read them from here.
DEFAULT_DELIVERY = Delivery()


@dataclass(frozen=True)
class Owner:
    name: str
    email: str


@dataclass(frozen=True)
class Person:
    """A podcast:person: role and group from the Podcast Taxonomy."""

    name: str
    role: str = "host"
    group: str = "cast"
    img: str | None = None
    href: str | None = None


@dataclass(frozen=True)
class Funding:
    """podcast:funding: where listeners can support the show."""

    url: str
    title: str


@dataclass(frozen=True)
class License:
    """podcast:license: an identifier from the namespace's list, or a named licence with its URL."""

    name: str
    url: str | None = None


@dataclass(frozen=True)
class Txt:
    """podcast:txt: free text for a purpose (``applepodcastsverify``: Apple's ownership check)."""

    text: str
    purpose: str | None = None


@dataclass(frozen=True)
class UpdateFrequency:
    """podcast:updateFrequency: the show's schedule, in words and as an RFC 5545 rule."""

    text: str
    rrule: str | None = None
    dtstart: datetime | None = None


@dataclass(frozen=True)
class Chapter:
    start: float                  # seconds
    title: str
    end: float | None = None
    url: str | None = None
    img: str | None = None
    toc: bool = True


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    fps: float | None = None
    pix_fmt: str | None = None


@dataclass(frozen=True)
class Artwork:
    """An embedded picture in a media file."""

    mime_type: str
    size: int


@dataclass(frozen=True)
class MediaInfo:
    """What media-pub reads from a media file (metadata.probe)."""

    path: Path
    size: int
    duration: float               # seconds
    container: str                # mp3 | mp4 | wav | flac | ogg
    codec: str                    # audio codec: mp3, aac, pcm_s16le, flac, opus, vorbis
    channels: int
    sample_rate: int
    bitrate: int                  # bits per second
    mime_type: str
    tags: dict[str, str] = field(default_factory=dict)   # title, artist, album, date, comment, genre
    chapters: tuple[Chapter, ...] = ()
    artwork: Artwork | None = None
    video: VideoInfo | None = None

    @property
    def is_video(self) -> bool:
        return self.video is not None


@dataclass(frozen=True)
class Loudness:
    """An EBU R128 measurement."""

    integrated: float             # LUFS
    true_peak: float              # dBTP
    lra: float                    # LU
    threshold: float              # LUFS


@dataclass(frozen=True)
class TranscriptSettings:
    """A show's ``[transcripts]`` table: how ``media-pub transcribe`` recognises its speech."""

    model: Path | None = None       # a faster-whisper model directory; None: the bundled one
    language: str | None = None     # e.g. "en"; None: the show's language
    auto: bool = False              # build transcribes episodes that have none (drafts need review)


@dataclass(frozen=True)
class PlayerStyle:
    """A show's ``[player]`` table: how its embedded players look on the charity's site."""

    accent: str | None = None     # "#RRGGBB": the play button, waveform and markers


@dataclass(frozen=True)
class Show:
    slug: str
    path: Path                    # feeds/<slug>.toml
    title: str
    description: str
    author: str
    language: str
    explicit: bool
    owner: Owner | None = None
    categories: tuple[str, ...] = ()
    type: ShowType = ShowType.EPISODIC
    medium: Medium = Medium.PODCAST
    artwork: Path | None = None
    link: str | None = None
    guid: str | None = None
    copyright: str | None = None
    locked: bool = True
    persons: tuple[Person, ...] = ()
    delivery: Delivery = field(default_factory=Delivery)
    transcripts: TranscriptSettings = field(default_factory=TranscriptSettings)
    funding: tuple[Funding, ...] = ()
    license: License | None = None
    complete: bool = False             # itunes:complete: a finished series
    block: bool = False                # itunes:block: hide the show from Apple's directory
    new_feed_url: str | None = None    # itunes:new-feed-url: the feed has moved there
    analytics_prefix: str | None = None   # prepended to enclosure URLs (OP3, Podtrac...)
    listen: tuple[tuple[str, str], ...] = ()   # (app, URL) where listeners find the show
    websub_hub: str | None = None      # atom:link rel="hub"; pinged after publish
    txt: tuple[Txt, ...] = ()
    update_frequency: UpdateFrequency | None = None
    player: PlayerStyle = field(default_factory=PlayerStyle)

    @property
    def feed_key(self) -> str:
        return site.feed_key(self.slug)

    @property
    def json_feed_key(self) -> str:
        return site.json_feed_key(self.slug)


@dataclass(frozen=True)
class Episode:
    show: str                     # the show's slug
    slug: str
    path: Path                    # the sidecar
    title: str
    media: Path
    published: datetime           # timezone-aware
    info: MediaInfo
    draft: bool = False
    description: str = ""         # Markdown or HTML show notes, as written
    season: int | None = None
    episode: float | None = None
    episode_type: EpisodeType = EpisodeType.FULL
    explicit: bool | None = None
    image: Path | None = None
    transcript: Path | None = None
    chapters: tuple[Chapter, ...] = ()
    persons: tuple[Person, ...] = ()
    guid: str | None = None
    link: str | None = None

    def is_scheduled(self, now: datetime) -> bool:
        return self.published > now

    def is_live(self, now: datetime) -> bool:
        """Built into feeds: not a draft and not scheduled for later."""
        return not self.draft and not self.is_scheduled(now)


@dataclass(frozen=True)
class Delivered:
    """One episode as built: the keys (paths under the output root) of what it shipped."""

    episode: Episode
    media_key: str
    media_bytes: int
    media_type: str
    duration: float
    image_key: str | None = None
    chapters_key: str | None = None
    transcript_key: str | None = None    # the main one: the VTT of a timed transcript, else the file
    transcript_type: str | None = None
    transcripts: tuple[tuple[str, str], ...] = ()   # (key, media type) of every delivered format
    loudness: Loudness | None = None
    normalization: str | None = None   # linear | dynamic | copy
    peaks_key: str | None = None       # waveform peaks for the player (audio only)
    image_renditions: tuple[tuple[int, str], ...] = ()   # (px, key) of the own image's small JPEGs

    def rendition(self, px: int) -> str | None:
        """The key of the smallest rendition of the episode's own image at least ``px`` wide."""
        return _rendition(self.image_renditions, px)


@dataclass(frozen=True)
class BuiltShow:
    show: Show
    artwork_key: str | None
    episodes: tuple[Delivered, ...]   # live episodes, newest first
    artwork_renditions: tuple[tuple[int, str], ...] = ()   # (px, key) of the show artwork's smaller copies
    image_versions: tuple[tuple[str, str], ...] = ()   # (key, first 8 hex of sha256) of each delivered image

    def rendition(self, px: int) -> str | None:
        """The key of the smallest rendition of the show artwork at least ``px`` wide."""
        return _rendition(self.artwork_renditions, px)

    def image_key(self, delivered: Delivered) -> str | None:
        """An episode's artwork: its own image, else the show's (every RSS item carries one)."""
        return delivered.image_key or self.artwork_key


def _rendition(renditions: tuple[tuple[int, str], ...], px: int) -> str | None:
    fitting = [key for size, key in sorted(renditions) if size >= px]
    return fitting[0] if fitting else (max(renditions)[1] if renditions else None)
