"""Each episode's state: draft, scheduled, new, changed, built or published."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from media_pub import site
from media_pub.model import Settings
from media_pub.project.load import load_project, untracked_media
from media_pub.state import BuildState, PublishedRecord

# untracked: a recording in episodes/<show>/ with no sidecar, which build cannot see.
STATES = ("untracked", "draft", "scheduled", "new", "changed", "built", "published")


@dataclass(frozen=True)
class EpisodeStatus:
    show: str
    episode: str
    title: str
    state: str
    published: str
    media_key: str | None
    source: str | None = None      # untracked: the recording, relative to the project


def published_record(settings: Settings) -> dict[str, str | None]:
    """Keys publish last uploaded, with their sha256 (written by publish; may be absent)."""
    return PublishedRecord(settings.state_dir).objects


def project_status(settings: Settings, shows: Iterable[str] = (), now: datetime | None = None) -> list[EpisodeStatus]:
    """The state of every episode, newest first within each show."""
    now = now or datetime.now(timezone.utc)
    project = load_project(settings, shows)
    build_state = BuildState(settings.state_dir)
    published = published_record(settings)
    untracked = untracked_media(project)
    rows = []
    for show in project.shows:
        for path in untracked.get(show.slug, ()):
            rows.append(EpisodeStatus(show.slug, path.name, "", "untracked", "", None,
                                      path.relative_to(settings.project).as_posix()))
        show_part = build_state.show_part(show)
        for episode in project.episodes[show.slug]:
            key = f"{show.slug}/{episode.slug}"
            entry = build_state.delivered(key)
            # The delivered extension is the one the last build made (the show's format).
            suffix = entry.path.suffix if entry else show.delivery.extension
            media_key = site.media_key(show.slug, episode.slug, suffix)
            if episode.draft:
                state = "draft"
            elif episode.is_scheduled(now):
                state = "scheduled"
            else:
                built = (settings.out_dir / media_key).exists()
                if entry is None or not built:
                    state = "new"
                elif build_state.delivered(key, build_state.fingerprint(
                        show_part, project.stamps[episode.path])) is None:
                    state = "changed"
                elif media_key in published:
                    state = "published"
                else:
                    state = "built"
            rows.append(EpisodeStatus(show.slug, episode.slug, episode.title, state,
                                      episode.published.isoformat().replace("+00:00", "Z"), media_key))
    return rows
