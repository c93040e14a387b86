"""``build``: turn the project into the output folder that mirrors the bucket.

Order of work: load and check every file (nothing is written if anything is wrong);
give new episodes their GUIDs; deliver media through the encode cache; then place media,
artwork, chapters and transcripts; write the feeds last. If any episode fails to deliver,
the feeds are left as they were, so they never point at a file that is not there.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import media_pub
from media_pub.outputs import feed
from media_pub.deliver import DeliveryJob, DeliveryOutcome, DeliveryTags, Progress, deliver_episodes
from media_pub.outputs.embed import write_embeds
from media_pub.outputs.site_pages import write_site
from media_pub.errors import ConfigError, MediaError
from media_pub.fsutil import place_file, write_atomic
from media_pub.gc_tuning import fewer_collections
from media_pub.project.placeholders import base_url_placeholder
from media_pub.project.writeback import ensure_episode_guid, ensure_show_guid
from media_pub.media import images
from media_pub.media.probe import extract_artwork
from media_pub import site
from media_pub.model import BuiltShow, Delivered, Episode, Settings, Show
from media_pub.outputs import transcripts
from media_pub.outputs.notes import notes_text
from media_pub.locks import project_lock
from media_pub.project.load import Project, load_project, require_project, untracked_media
from media_pub.report import BuildReport, BuildWarning
from media_pub.state import BuildState, DeliveryRecord, TranscriptCache
from media_pub.storage.targets import check_output_folder
from media_pub.transcribe import auto_transcribe





def delivery_job(show: Show, episode: Episode, cover: images.DeliveredImage | None = None) -> DeliveryJob:
    """What the encode cache is asked to deliver for ``episode``: its media, the show's
    delivery settings and the tags the delivered file carries (``cover``: the delivered
    image it embeds, the episode's own or else the show's)."""
    return DeliveryJob(f"{show.slug}/{episode.slug}", episode.media, show.delivery, _tags(show, episode, cover))


def _tags(show: Show, episode: Episode, artwork: images.DeliveredImage | None) -> DeliveryTags:
    return DeliveryTags(
        title=episode.title,
        artist=show.author,
        album=show.title,
        date=episode.published,
        comment=notes_text(episode.description)[:1000],
        artwork=artwork.path if artwork else None,   # the delivered image, as the feed shows it
        chapters=episode.chapters,
    )


def build(
    settings: Settings,
    shows: Iterable[str] = (),
    out: Path | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    stands_for: Path | None = None,
) -> BuildReport:
    """Build the named shows (all by default) into ``out`` (default: settings.out_dir).

    ``stands_for``: the build directory that ``out`` is a staging copy of (release.py
    builds the live ``public/`` aside, then swaps it in). Whatever is recorded per build
    directory (the report's folder, the keys a build owns there) is recorded for that one,
    since the staging copy becomes it.

    Example:
        >>> report = build(config.load(Path("."), os.environ))
        >>> report.exit_code
        0
    """
    require_project(settings.project)      # before the lock: it would create .media-pub/
    if out is not None:   # a staging copy (release.py) is checked as the folder it stands for
        check_output_folder(settings.project, stands_for or out, (None, "--out"), "build directory")
    # One build at a time per project: two at once could each write a new episode's GUID.
    with project_lock(settings.state_dir, "build"), fewer_collections():
        return _build(settings, shows, out, jobs, progress, now, stands_for)


def _build(settings: Settings, shows: Iterable[str], out: Path | None, jobs: int | None,
           progress: Progress | None, now: datetime | None, stands_for: Path | None) -> BuildReport:
    started = time.monotonic()
    now = now or datetime.now(timezone.utc)
    out_dir = (out if out is not None else settings.out_dir).resolve()
    build_dir = (stands_for or out_dir).resolve()   # the directory this build is for
    project = load_project(settings, shows)        # every check happens here, before output
    report = BuildReport(out_dir=build_dir)
    report.untracked = [(show, path) for show, paths in untracked_media(project).items() for path in paths]
    state = BuildState(settings.state_dir)
    # A guid made from a placeholder feed URL would be wrong for good: keep it unwritten.
    persist_show_guid = base_url_placeholder(settings) is None

    # [transcripts] auto = true: draft transcripts first, so this build delivers them.
    changed = any(show.transcripts.auto for show in project.shows) and auto_transcribe(
        settings, project, progress)
    if _write_back_guids(project, settings, persist_show_guid) or changed:
        project = load_project(settings, shows)    # re-read what was written back
    plans: list[tuple[Show, list[Episode]]] = []
    for show in project.shows:
        show = ensure_show_guid(show, settings.url(show.feed_key), persist=False)
        plans.append((show, [ep for ep in project.episodes[show.slug] if ep.is_live(now)]))
        for episode in project.episodes[show.slug]:
            report.total_episodes += 1
            report.drafts += episode.draft
            report.scheduled += not episode.draft and episode.is_scheduled(now)

    # Artwork first: a source that cannot be delivered stops the build before any output,
    # and the delivered images are what the media files embed as cover art.
    art = _deliver_artwork(settings, plans, report)
    texts = _deliver_transcripts(plans, TranscriptCache(settings.state_dir))
    outcomes: dict[str, DeliveryOutcome] = {}
    pending: list[tuple[DeliveryJob, str]] = []
    for show, live in plans:
        show_part = state.show_part(show)
        for episode in live:
            key = f"{show.slug}/{episode.slug}"
            fingerprint = state.fingerprint(show_part, project.stamps.get(episode.path))
            hit = state.delivered(key, fingerprint)
            if hit:
                outcomes[key] = DeliveryOutcome(key, hit.path, cached=True, duration=hit.duration,
                                                loudness=hit.loudness, normalization=hit.normalization,
                                                peaks_recorded=hit.has_peaks, stat=hit.stat)
            else:
                pending.append((delivery_job(show, episode, art.get(key) or art.get(show.slug)), fingerprint))
    if progress:   # every episode is announced (at 0) first, so a progress line knows its total
        for key in [*outcomes, *(job.key for job, _ in pending)]:
            progress(key, 0.0)
        for key in outcomes:
            progress(key, 1.0)
    fresh = deliver_episodes([job for job, _ in pending], settings.state_dir / "cache",
                             workers=jobs or os.cpu_count() or 1, progress=progress)
    for (job, fingerprint), outcome in zip(pending, fresh, strict=True):
        outcomes[job.key] = outcome
        if outcome.error is None and outcome.path is not None:
            state.record_delivery(job.key, fingerprint, DeliveryRecord(
                outcome.path, outcome.duration, outcome.loudness, outcome.normalization,
                has_peaks=bool(outcome.peaks or outcome.peaks_recorded)))
    for key, outcome in outcomes.items():
        if outcome.error is not None:
            report.failed.append((key, outcome.error))
        elif outcome.cached:
            report.cached += 1
        else:
            report.encoded += 1
            report.encoded_keys.append(key)

    kept: dict[str, set[str]] = {}
    fingerprints: dict[str, str] = {}
    owned = set(state.owned_keys(build_dir))   # a staged build sweeps what the live folder owns
    # The build dir's name in the state, for the fingerprint: a staging copy (a clone of
    # the live folder, swapped in after) is named as the live folder, or every command-line
    # build of public/ rendered every feed and player page again (45 s at 10,000 episodes).
    place = state.folder(build_dir)
    for show, live in plans:
        kept[show.slug] = set()
        built = _place_show(settings, out_dir, show, live, outcomes, art, texts, report, kept[show.slug])
        report.shows.append(built)
        if report.failed:
            continue   # keep the previous feeds: never point at media that is not there
        # Feeds are a pure function of the built show and the site URL: skip the work
        # when neither changed (a no-op rebuild of a long back catalogue stays fast).
        # The build directory is part of it: the state is per project, and a build into
        # another --out folder must not take that folder's old feeds for this build's.
        feeds_fingerprint = fingerprints[show.slug] = state.digest(repr((
            media_pub.__version__, place, settings.base_url, built.artwork_key, show.guid,
            built.image_versions, [d.image_key for d in built.episodes],
            [(project.stamps.get(d.episode.path), d.episode.guid, d.media_key, d.media_bytes, d.duration)
             for d in built.episodes])))
        feed_keys = (show.feed_key, show.json_feed_key)
        if not state.outputs_unchanged(show.feed_key, feeds_fingerprint, out_dir, feed_keys):
            _write(out_dir, show.feed_key, feed.rss_feed(settings, built), report)
            _write(out_dir, show.json_feed_key, feed.json_feed(settings, built), report)
            state.record_outputs(show.feed_key, feeds_fingerprint)
    if not report.failed:   # the index and players last, after everything they point at
        embed_fingerprint = state.digest(repr((fingerprints, _static_stamp(), _listing(out_dir / site.FEEDS))))
        if not state.outputs_unchanged(site.EMBED, embed_fingerprint, out_dir,
                                       (site.INDEX_KEY, site.SITE_INDEX_KEY)):
            report.written.extend(write_embeds(settings, report.shows, out_dir, now, owned=owned))
            report.written.extend(write_site(settings, report.shows, out_dir, now, owned=owned))
            state.record_outputs(site.EMBED, embed_fingerprint)
        # Stale files go only now: until the new feeds and players are written, the
        # previous ones may still point at them, and a crash or Ctrl-C must leave those whole.
        for slug, keep in kept.items():
            _remove_stale(out_dir, slug, keep, owned | set(report.written), report)
    # Ownership: every key this build wrote, placed or rendered into out_dir is media-pub's;
    # the sweep may delete only owned keys (BuildState.owned_keys).
    made = [key for keep in kept.values() for key in keep]
    if not report.failed:
        made += [key for show, _ in plans for key in (show.feed_key, show.json_feed_key)]
    state.record_written(build_dir, [*report.written, *made])   # for the live folder when staged
    state.forget_written(build_dir, report.removed)
    state.save()
    report.seconds = time.monotonic() - started
    return report


def _deliver_artwork(settings: Settings, plans: list[tuple[Show, list[Episode]]],
                     report: BuildReport) -> dict[str, images.DeliveredImage | None]:
    """Deliver each show's artwork (key: show slug) and episode image (key: show/episode).

    An episode without an ``image`` uses its media file's own cover art when it has one,
    else none (its feed item then shows the show's artwork).
    """
    cache = settings.state_dir / "art"
    art: dict[str, images.DeliveredImage | None] = {}
    for show, live in plans:
        art[show.slug] = _deliver_image(show.artwork, show.path, "artwork", cache, report, show_artwork=True)
        for episode in live:
            key = f"{show.slug}/{episode.slug}"
            if episode.image:
                art[key] = _deliver_image(episode.image, episode.path, "image", cache, report)
            elif episode.info.artwork:
                art[key] = _embedded_image(episode, cache, report)
    return art


def _deliver_transcripts(plans: list[tuple[Show, list[Episode]]],
                         cache: TranscriptCache) -> dict[str, dict[str, bytes]]:
    """Each live episode's delivered transcript files (key show/episode -> extension -> bytes):
    VTT first, then SRT and JSON, from any timed source (SPEC 5.4); read before any output.
    Timed conversions are cached by the source's content."""
    texts: dict[str, dict[str, bytes]] = {}
    for show, live in plans:
        for episode in live:
            if episode.transcript is None:
                continue
            source = episode.transcript
            suffix = source.suffix.lower()
            try:
                data = source.read_bytes()
                key = TranscriptCache.key(data, suffix, transcripts.RECIPE)
                delivered = cache.get(key) if suffix in transcripts.TIMED else None
                if delivered is None:
                    delivered = transcripts.deliver(data, suffix)
                    if suffix in transcripts.TIMED:
                        cache.put(key, delivered)
                texts[f"{show.slug}/{episode.slug}"] = delivered
            except OSError as error:
                raise ConfigError(f"cannot read {source.name}: {error.strerror or error}", episode.path,
                                  "transcript") from None
            except transcripts.TranscriptError as error:
                raise ConfigError(f"{source.name}: {error}", episode.path, "transcript") from None
    return texts


def _deliver_image(source: Path | None, file: Path, key: str, cache: Path, report: BuildReport, *,
                   show_artwork: bool = False) -> images.DeliveredImage | None:
    if source is None:
        return None
    try:
        delivered = images.deliver_image(source.read_bytes(), source, cache, show_artwork=show_artwork)
    except OSError as error:
        raise ConfigError(f"cannot read {source.name}: {error.strerror or error}", file, key) from None
    except MediaError as error:
        raise ConfigError(f"{source.name}: {error.message}", file, key) from None
    _art_warnings(delivered, source.name, file, key, report)
    return delivered


def _embedded_image(episode: Episode, cache: Path, report: BuildReport) -> images.DeliveredImage | None:
    """The media file's own cover art, delivered; unusable cover art is a warning, not a failure."""
    try:
        picture = extract_artwork(episode.media)
        delivered = images.deliver_image(picture[0], episode.media, cache, show_artwork=False) if picture else None
    except MediaError as error:
        report.warnings.append(BuildWarning(episode.path, "image", f"the cover art inside {episode.media.name} "
                                            f"is not used: {error.message}; name an image with image = \"...\""))
        return None
    if delivered:
        _art_warnings(delivered, f"the cover art inside {episode.media.name}", episode.path, "image", report)
    return delivered


def _art_warnings(delivered: images.DeliveredImage, what: str, file: Path, key: str, report: BuildReport) -> None:
    if delivered.changes or delivered.warnings:
        message = f"{what} was delivered {', '.join(delivered.changes) or 'as it is'}"
        if delivered.warnings:
            message += "; " + "; ".join(delivered.warnings)
        report.warnings.append(BuildWarning(file, key, message))


def _write_back_guids(project: Project, settings: Settings, persist_show_guid: bool) -> bool:
    """Give every show and non-draft episode its permanent GUID; True if a file was written."""
    wrote = False
    for show in project.shows:
        if not show.guid and persist_show_guid:
            ensure_show_guid(show, settings.url(show.feed_key), persist=True)
            wrote = True
        for episode in project.episodes[show.slug]:
            if not episode.draft and not episode.guid:
                ensure_episode_guid(episode)
                wrote = True
    return wrote


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.is_dir() else []


def _static_stamp() -> tuple[tuple[str, int], ...]:
    """The player's templates and assets: a change to them re-renders the pages."""
    package = Path(__file__).parent
    return tuple((p.name, p.stat().st_mtime_ns) for folder in ("templates", "static")
                 for p in sorted((package / folder).iterdir()))


def _write(out_dir: Path, key: str, data: bytes, report: BuildReport) -> None:
    if write_atomic(out_dir / key, data):
        report.written.append(key)


def _place(out_dir: Path, key: str, source: Path, report: BuildReport,
           source_stat: os.stat_result | None = None) -> None:
    if place_file(source, os.path.join(out_dir, key), source_stat):
        report.written.append(key)


def _place_image(out_dir: Path, image: images.DeliveredImage | None, report: BuildReport, keep: set[str],
                 key_for: Callable[[str], str], placed: list[tuple[str, images.DeliveredImage]],
                 ) -> tuple[str | None, tuple[tuple[int, str], ...]]:
    """Place a delivered image at ``key_for(extension)`` and its renditions beside it."""
    if image is None:
        return None, ()
    key = key_for(image.extension)
    _place(out_dir, key, image.path, report)
    placed.append((key, image))
    renditions = tuple((px, site.rendition_key(key, px)) for px in sorted(image.renditions))
    for px, small in renditions:
        _place(out_dir, small, image.renditions[px], report)
    keep.update([key, *(small for _, small in renditions)])
    return key, renditions


def _place_show(settings: Settings, out_dir: Path, show: Show, live: list[Episode],
                outcomes: dict[str, DeliveryOutcome], art: dict[str, images.DeliveredImage | None],
                texts: dict[str, dict[str, bytes]], report: BuildReport, keep: set[str]) -> BuiltShow:
    """Place the show's files; ``keep`` collects their keys (the rest is stale)."""
    placed: list[tuple[str, images.DeliveredImage]] = []
    artwork_key, artwork_renditions = _place_image(out_dir, art.get(show.slug), report, keep,
                                                   partial(site.artwork_key, show.slug), placed)
    delivered = []
    for episode in live:
        outcome = outcomes[f"{show.slug}/{episode.slug}"]
        if outcome.error is not None or outcome.path is None:
            continue
        media_key = site.media_key(show.slug, episode.slug, outcome.path.suffix)
        media_stat = outcome.stat or os.stat(outcome.path)
        _place(out_dir, media_key, outcome.path, report, media_stat)
        image_key, image_renditions = _place_image(
            out_dir, art.get(f"{show.slug}/{episode.slug}"), report, keep,
            partial(site.episode_image_key, show.slug, episode.slug), placed)
        chapters_key = None
        if episode.chapters:
            chapters_key = site.chapters_key(show.slug, episode.slug)
            _write(out_dir, chapters_key, feed.chapters_json(episode.title, show, episode.chapters), report)
        formats = []
        for extension, data in texts.get(f"{show.slug}/{episode.slug}", {}).items():
            key = site.transcript_key(show.slug, episode.slug, extension)
            _write(out_dir, key, data, report)
            formats.append((key, site.media_type_of_suffix(extension)))
        transcript_key, transcript_type = formats[0] if formats else (None, None)
        keep.update(key for key, _ in formats)
        peaks_key = _place_peaks(out_dir, site.peaks_key(show.slug, episode.slug), outcome, report)
        keep.update(k for k in (media_key, chapters_key, transcript_key, peaks_key) if k)
        delivered.append(Delivered(
            episode=episode,
            media_key=media_key,
            media_bytes=media_stat.st_size,
            media_type=site.media_type_of_suffix(outcome.path.suffix),
            duration=outcome.duration or episode.info.duration,
            image_key=image_key,
            chapters_key=chapters_key,
            transcript_key=transcript_key,
            transcript_type=transcript_type,
            transcripts=tuple(formats),
            loudness=outcome.loudness,
            normalization=outcome.normalization,
            peaks_key=peaks_key,
            image_renditions=image_renditions,
        ))
    versions = tuple((key, image.sha256[:8]) for key, image in placed)
    return BuiltShow(show=show, artwork_key=artwork_key, episodes=tuple(delivered),
                     artwork_renditions=artwork_renditions, image_versions=versions)


def _place_peaks(out_dir: Path, key: str, outcome: DeliveryOutcome, report: BuildReport) -> str | None:
    """The player's waveform: from a fresh encode, or (when missing) from the cache's record."""
    peaks = outcome.peaks
    if not peaks and outcome.peaks_recorded:
        if os.path.exists(os.path.join(out_dir, key)):
            return key
        record = outcome.peaks_record
        if record is None:
            return None
        try:
            peaks = tuple(json.loads(record.read_text("utf-8")).get("peaks", ()))
        except (OSError, ValueError):
            return None   # no waveform: the player works without one
    if not peaks:
        return None
    _write(out_dir, key, json.dumps([round(p, 3) for p in peaks]).encode(), report)
    return key


def _remove_stale(out_dir: Path, slug: str, keep: set[str], owned: set[str], report: BuildReport) -> None:
    """Delete a show's outputs that an earlier build made and this one did not (a removed
    or drafted episode). Files no build recorded writing are never touched.

    Only owned keys are candidates, so a rebuild that keeps everything looks at no folder
    (listing them cost a no-op build of 10,000 episodes a twentieth of its time)."""
    for key in sorted(owned - keep):
        folder, _, rest = key.partition("/")
        show, _, name = rest.partition("/")
        if show != slug or folder not in site.SHOW_FOLDERS or not name or "/" in name or name.startswith("."):
            continue   # another show's, or not a show folder's own file
        if folder == site.EMBED and not name.endswith(".peaks.json"):
            continue   # the player pages are the embed writer's to manage
        path = os.path.join(out_dir, key)
        if os.path.isfile(path):
            os.unlink(path)
            report.removed.append(key)
