"""Turn each episode's source media into its delivery file, through a content-addressed cache.

The build calls :func:`deliver_episodes` with one :class:`DeliveryJob` per live episode
and links the returned files into the output folder. A job whose cached output exists is
not measured or encoded again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from media_pub.errors import MediaPubError
from media_pub.model import Chapter, Delivery, Loudness

#: progress(job key, fraction done 0..1); the CLI draws it, the library never prints.
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class DeliveryTags:
    """Metadata written into the delivered file (ID3v2 for MP3, MP4 atoms for M4A/MP4)."""

    title: str
    artist: str = ""
    album: str = ""
    date: datetime | None = None
    comment: str = ""
    artwork: Path | None = None
    chapters: tuple[Chapter, ...] = ()
    genre: str = "Podcast"


@dataclass(frozen=True)
class DeliveryJob:
    key: str              # "<show>/<episode>", for progress and errors
    source: Path
    delivery: Delivery
    tags: DeliveryTags


@dataclass(frozen=True)
class DeliveryOutcome:
    key: str
    path: Path | None = None          # the delivered file, inside the cache
    cached: bool = False              # True: nothing was measured or encoded
    duration: float | None = None
    loudness: Loudness | None = None  # of the delivered file
    normalization: str | None = None  # linear | dynamic | copy
    peaks: tuple[float, ...] = field(default=(), repr=False)  # 0..1 waveform for the player
    error: MediaPubError | None = None


def file_digest(path: Path) -> str:
    """sha256 of a file, streamed in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def deliver_episodes(
    jobs: Sequence[DeliveryJob],
    cache_dir: Path,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> list[DeliveryOutcome]:
    """Deliver every job; one failure is recorded on its outcome and the rest go on.

    Until loudness normalisation lands this delivers the source as it is.
    """
    outcomes = []
    cache_dir.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        try:
            target = cache_dir / (file_digest(job.source) + job.source.suffix.lower())
            cached = target.exists()
            if not cached:
                tmp = target.with_name(target.name + ".part")
                shutil.copyfile(job.source, tmp)
                os.replace(tmp, target)
            outcomes.append(DeliveryOutcome(job.key, target, cached=cached, normalization="copy"))
        except MediaPubError as error:
            outcomes.append(DeliveryOutcome(job.key, error=error))
        if progress:
            progress(job.key, 1.0)
    return outcomes
