"""Feed build at scale: a show of 10,000 episodes, media-pub against raw feedgen.

In one run, each phase in its own fresh Python process (so peak memory is its own):
  build      media-pub's full first build (probe, GUID write-back, delivery, feeds)
  feed       media-pub's feed step alone (RSS for the loaded, delivered show)
  feedgen    raw feedgen writing the same RSS (same items, enclosures and itunes tags)
  noop       a second build with nothing changed

Usage: python benchmarks/feed_scale.py [--episodes 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))


def make_project(root: Path, episodes: int) -> None:
    from media_factory import make_audio, make_image

    root.mkdir(parents=True, exist_ok=True)
    (root / "media-pub.toml").write_text('base_url = "https://media.example.org/"\n')
    (root / "feeds").mkdir(parents=True)
    make_image(root / "feeds" / "big.jpg")
    (root / "feeds" / "big.toml").write_text(
        'title = "Big Show"\ndescription = "A show with a long back catalogue."\nauthor = "Bench"\n'
        'owner = { name = "Bench", email = "bench@example.org" }\nlanguage = "en"\n'
        'categories = ["Society & Culture"]\nexplicit = false\nartwork = "big.jpg"\n')
    folder = root / "episodes" / "big"
    folder.mkdir(parents=True)
    seed = make_audio(root / "seed.mp3", 0.3, channels=1)
    start = datetime(2000, 1, 1, tzinfo=timezone.utc)
    for n in range(episodes):
        stem = f"ep-{n:05d}"
        shutil.copyfile(seed, folder / f"{stem}.mp3")
        published = (start + timedelta(hours=n)).isoformat().replace("+00:00", "Z")
        (folder / f"{stem}.toml").write_text(
            f'title = "Episode {n}: a conversation about things"\npublished = {published}\n'
            f'description = "Notes for episode {n}. We talk about restorative justice, harm and repair, '
            f'and what a good conversation needs."\nseason = {n // 100 + 1}\nepisode = {n + 1}\n')


def phase(name: str, root: Path) -> dict:
    from media_pub import config
    from media_pub.build import build

    settings = config.load(root, {})
    started = time.perf_counter()
    result: dict = {}
    if name in ("build", "noop"):
        report = build(settings, jobs=2)
        result = {"encoded": report.encoded, "cached": report.cached, "written": len(report.written)}
        assert not report.failed, report.failed
    elif name in ("feed", "feedgen"):
        built = _built_show(settings)
        started = time.perf_counter()
        if name == "feed":
            from media_pub.feed import rss_feed
            data = rss_feed(settings, built)
        else:
            data = _raw_feedgen(settings, built)
        result = {"bytes": len(data), "items": data.count(b"<item>")}
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _built_show(settings):
    """The show as the build hands it to the feed step (from the build already made)."""
    from media_pub.build import build
    report = build(settings, jobs=2)
    return report.shows[0]


def _raw_feedgen(settings, built) -> bytes:
    """What a user writing feedgen by hand would do for the same feed."""
    from feedgen.feed import FeedGenerator

    show = built.show
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(show.title)
    fg.link(href=settings.url(show.feed_key), rel="self")
    fg.link(href=show.link or settings.base_url, rel="alternate")
    fg.description(show.description)
    fg.language(show.language)
    fg.image(url=settings.url(built.artwork_key), title=show.title, link=settings.base_url)
    fg.podcast.itunes_image(settings.url(built.artwork_key))
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_owner(name=show.owner.name, email=show.owner.email)
    fg.podcast.itunes_category("Society & Culture")
    fg.podcast.itunes_explicit("no")
    for d in built.episodes:
        e = d.episode
        entry = fg.add_entry(order="append")
        entry.title(e.title)
        entry.link(href=settings.url(f"embed/{e.show}/{e.slug}.html"))
        entry.guid(e.guid, permalink=False)
        entry.published(e.published)
        entry.content(f"<p>{e.description}</p>", type="CDATA")
        entry.enclosure(settings.url(d.media_key), str(d.media_bytes), d.media_type)
        entry.podcast.itunes_duration(round(d.duration))
        entry.podcast.itunes_season(e.season)
        entry.podcast.itunes_episode(int(e.episode))
        entry.podcast.itunes_explicit("no")
    return fg.rss_str(pretty=True)


def run_phase(name: str, root: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--root", str(root)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="make the project here and keep it")
    parser.add_argument("--phase")
    parser.add_argument("--root", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.root)))
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="feed-scale-"))
    started = time.perf_counter()
    make_project(root, args.episodes)
    print(f"project: {args.episodes} episodes made in {time.perf_counter() - started:.1f}s")
    results = {name: run_phase(name, root) for name in ("build", "feed", "feedgen", "noop")}
    for name, r in results.items():
        extra = {k: v for k, v in r.items() if k not in ("seconds", "peak_mb")}
        print(f"{name:<8} {r['seconds']:7.2f} s   peak {r['peak_mb']:7.1f} MB   {extra}")
    ratio = results["feed"]["seconds"] / results["feedgen"]["seconds"]
    print(f"feed step / raw feedgen: {ratio:.2f}x (goal <= 1.2x)")
    print(f"no-op rebuild: {results['noop']['seconds']:.2f} s (goal < 3 s), "
          f"{results['noop']['written']} files written")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
