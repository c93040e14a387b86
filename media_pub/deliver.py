"""Turn each episode's source media into its delivery file, through a content-addressed cache.

The build calls :func:`deliver_episodes` with one :class:`DeliveryJob` per live episode
and links the returned files into the output folder. The cache key covers everything that
shapes the output (source bytes, every Delivery setting, the tags, intro/outro bytes, the
ffmpeg build and media-pub's version), so a hit runs no ffmpeg at all, not even
``ffmpeg -version``. Outputs are encoded
under a temporary name and renamed into place: an interrupted build leaves no half file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import queue
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import media_pub
from media_pub.media import loudness as audio
from media_pub.media import ffmpeg
from media_pub.media import probe as metadata
from media_pub.media import tags as tagging
from media_pub.errors import EncodeError, FatalError, MediaError, MediaPubError
from media_pub.fsutil import pid_alive
from media_pub.model import Delivery, Loudness
from media_pub.progress import Progress
from media_pub.media.tags import DeliveryTags

__all__ = ["DeliveryJob", "DeliveryOutcome", "DeliveryTags", "Progress", "cache_key",
           "deliver_episodes", "file_digest"]

#: Bump when the encode recipe changes what it writes, so old cache entries are not reused.
RECIPE = "1"
_PART = re.compile(r"^\.[0-9a-f]{64}\.(\d+)\.\d+\.part")


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
    peaks_recorded: bool = False      # the cache's record beside ``path`` holds the peaks (not loaded)
    error: MediaPubError | None = None
    stat: os.stat_result | None = field(default=None, compare=False, repr=False)  # of ``path``, if just taken

    @property
    def peaks_record(self) -> Path | None:
        """Where the cached peaks can be read, when ``peaks`` is not loaded."""
        return self.path.with_suffix(".json") if self.peaks_recorded and self.path is not None else None


def file_digest(path: Path) -> str:
    """sha256 of a file, streamed in 1 MiB blocks."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as error:
        raise MediaError(f"cannot read: {error.strerror or error}", file=path, field="media") from error
    return digest.hexdigest()


def cache_key(job: DeliveryJob, source_digest: str | None = None) -> str:
    """The content address of a job's output: sha256 over everything that shapes its bytes."""
    settings = dataclasses.asdict(job.delivery)
    for jingle in ("intro", "outro"):
        path = getattr(job.delivery, jingle)
        settings[jingle] = file_digest(path) if path else None
    settings["format"] = job.delivery.format.value
    tags = job.tags
    material = {
        "source": source_digest or file_digest(job.source),
        "delivery": settings,
        "tags": {
            "title": tags.title, "artist": tags.artist, "album": tags.album,
            "date": tags.date.isoformat() if tags.date else None, "comment": tags.comment,
            "genre": tags.genre, "artwork": file_digest(tags.artwork) if tags.artwork else None,
            "chapters": [[c.start, c.end, c.title] for c in tags.chapters],
        },
        "ffmpeg": ffmpeg.fingerprint(),
        "media_pub": media_pub.__version__,
        "recipe": RECIPE,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class _Cancelled(BaseException):
    """Raised inside a worker when the build is being stopped (Ctrl-C, a raising callback)."""


def _load_hit(key: str, media: Path, record: Path) -> DeliveryOutcome | None:
    if not (media.is_file() and record.is_file()):
        return None
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        loudness = Loudness(**data["loudness"]) if data.get("loudness") else None
        return DeliveryOutcome(key, media, cached=True, duration=data["duration"],
                               loudness=loudness, normalization=data["normalization"],
                               peaks=tuple(data.get("peaks", ())))
    except (ValueError, KeyError, TypeError, OSError):
        return None   # a damaged record: encode again


def _deliver(job: DeliveryJob, cache_dir: Path, report: Callable[[float], None]) -> DeliveryOutcome:
    if not job.source.is_file():
        raise MediaError("media file not found", file=job.source, field="media")
    key = cache_key(job)
    ext = job.delivery.extension
    media, record = cache_dir / f"{key}{ext}", cache_dir / f"{key}.json"
    if hit := _load_hit(job.key, media, record):
        report(1.0)
        return hit
    part = cache_dir / f".{key}.{os.getpid()}.{threading.get_ident()}.part{ext}"
    try:
        result = audio.encode(job.source, part, job.delivery, progress=report)
        tagging.write_tags(part, job.delivery.format, job.tags, duration=result.decoded_seconds,
                           chapter_offset=result.chapter_offset)
        # The delivered duration as the rest of media-pub (and podcast apps) read it.
        duration = metadata.probe(part).duration
        os.replace(part, media)
        data = {"duration": duration, "loudness": dataclasses.asdict(result.loudness),
                "normalization": result.normalization, "peaks": list(result.peaks)}
        record_part = record.with_name(part.name + ".json")
        record_part.write_text(json.dumps(data), encoding="utf-8")
        os.replace(record_part, record)
    except OSError as error:
        raise EncodeError(f"cannot write the delivery file: {error.strerror or error}",
                          file=job.source, field="media") from error
    finally:
        for leftover in (part, part.with_name(part.name + ".json")):
            if leftover.exists():
                leftover.unlink()
    report(1.0)
    return DeliveryOutcome(job.key, media, cached=False, duration=duration,
                           loudness=result.loudness, normalization=result.normalization,
                           peaks=result.peaks)


def _remove_stale_parts(cache_dir: Path) -> None:
    """Temporary files left by a build that was killed outright (SIGKILL, power loss)."""
    for name in os.listdir(cache_dir):
        match = _PART.match(name) if name.startswith(".") else None
        if match and not pid_alive(int(match.group(1))):
            (cache_dir / name).unlink(missing_ok=True)


def deliver_episodes(
    jobs: Sequence[DeliveryJob],
    cache_dir: Path,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> list[DeliveryOutcome]:
    """Deliver every job, ``workers`` at a time; outcomes come back in the jobs' order.

    One failure (corrupt, truncated, silent or empty media) is recorded on its outcome as a
    MediaPubError naming the file, and the other jobs go on. If ``progress`` raises, or
    Ctrl-C arrives, every running ffmpeg is stopped, temporary files are removed and the
    exception propagates; finished outputs stay in the cache for the next build.

    Example::

        outcomes = deliver_episodes([DeliveryJob("show/ep1", src, Delivery(), DeliveryTags("Ep 1"))],
                                    settings.state_dir / "media", workers=2)
    """
    if not jobs:
        return []   # nothing to encode: a no-op build does not list the cache
    cache_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(cache_dir)
    events: queue.SimpleQueue[tuple[str, float]] = queue.SimpleQueue()
    cancel = threading.Event()

    def reporter(key: str) -> Callable[[float], None]:
        last = [-1.0]

        def report(fraction: float) -> None:
            if cancel.is_set():
                raise _Cancelled()
            if fraction >= last[0] + 0.005 or fraction >= 1.0:   # monotonic, not chatty
                last[0] = fraction
                events.put((key, fraction))
        return report

    def work(job: DeliveryJob) -> DeliveryOutcome:
        try:
            return _deliver(job, cache_dir, reporter(job.key))
        except FatalError:
            raise                      # no ffmpeg, no disk: nothing else can succeed either
        except MediaPubError as error:
            return DeliveryOutcome(job.key, error=error)

    def drain() -> None:
        while True:
            try:
                key, fraction = events.get_nowait()
            except queue.Empty:
                return
            if progress:
                progress(key, fraction)

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="deliver")
    futures: list[Future[DeliveryOutcome]] = []
    try:
        futures = [pool.submit(work, job) for job in jobs]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            drain()
        drain()
        return [future.result() for future in futures]
    except BaseException:
        cancel.set()
        for future in futures:
            future.cancel()
        wait(futures)
        raise
    finally:
        pool.shutdown(wait=True)
