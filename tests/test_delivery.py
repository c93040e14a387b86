"""deliver_episodes end to end with the real ffmpeg: tags, chapters, cache, failures, interrupts."""

from __future__ import annotations

import os
import stat
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from media_factory import FFMPEG, make_audio, make_image
from media_pub.deliver import DeliveryJob, DeliveryTags, deliver_episodes
from media_pub.errors import EncodeError, FatalError, MediaError
from media_pub.model import Chapter, Delivery, DeliveryFormat
from test_audio import meter, speechlike

CHAPTERS = (Chapter(0.0, "Introduction"), Chapter(2.0, "Trauma and harm"),
            Chapter(4.0, "Truth and reconciliation"))


def tags(tmp_path: Path, **extra) -> DeliveryTags:
    values = dict(title="If there is trauma, there will have been harm", artist="Locked Up Living",
                  album="Locked Up Living", date=datetime(2026, 11, 20, 9, tzinfo=timezone.utc),
                  comment="Gerard Drennan on trauma and harm",
                  artwork=make_image(tmp_path / "art.jpg", size=300), chapters=CHAPTERS)
    values.update(extra)
    return DeliveryTags(**values)


@pytest.fixture
def ffmpeg_log(tmp_path, monkeypatch):
    """Point MEDIA_PUB_FFMPEG at a wrapper that logs each invocation, then runs ffmpeg."""
    log = tmp_path / "ffmpeg-calls.log"
    wrapper = tmp_path / "ffmpeg-wrapper.sh"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{FFMPEG}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("MEDIA_PUB_FFMPEG", str(wrapper))
    log.write_text("")
    return log


def test_mp3_carries_id3v23_tags_artwork_and_chapters(tmp_path):
    source = speechlike(tmp_path / "ep1.wav", 6)
    job = DeliveryJob("lul/ep1", source, Delivery(), tags(tmp_path))
    [outcome] = deliver_episodes([job], tmp_path / "cache")
    assert outcome.error is None and outcome.path.suffix == ".mp3"
    id3 = ID3(outcome.path)
    assert id3.version == (2, 3, 0)
    assert id3["TIT2"].text == ["If there is trauma, there will have been harm"]
    assert id3["TPE1"].text == ["Locked Up Living"] and id3["TALB"].text == ["Locked Up Living"]
    assert str(id3["TDRC"].text[0]).startswith("2026")
    assert id3.getall("COMM")[0].text == ["Gerard Drennan on trauma and harm"]
    assert id3["TCON"].text == ["Podcast"]
    apic = id3.getall("APIC")[0]
    assert apic.type == 3 and apic.mime == "image/jpeg" and apic.data == (tmp_path / "art.jpg").read_bytes()
    chaps = sorted(id3.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [(c.start_time, c.sub_frames["TIT2"].text[0]) for c in chaps] == [
        (0, "Introduction"), (2000, "Trauma and harm"), (4000, "Truth and reconciliation")]
    assert chaps[-1].end_time == pytest.approx(6000, abs=100)
    toc = id3.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert outcome.duration == pytest.approx(6.0, abs=0.1)
    integrated, peak = meter(outcome.path)
    assert integrated == pytest.approx(-16.0, abs=1.0) and peak <= -1.0
    assert outcome.loudness.integrated == pytest.approx(integrated, abs=0.15)
    assert outcome.normalization == "linear"


def test_m4a_carries_atoms_cover_and_chapters(tmp_path):
    source = speechlike(tmp_path / "ep2.wav", 6)
    job = DeliveryJob("lul/ep2", source, Delivery(format=DeliveryFormat.M4A), tags(tmp_path))
    [outcome] = deliver_episodes([job], tmp_path / "cache")
    assert outcome.error is None and outcome.path.suffix == ".m4a"
    mp4 = MP4(outcome.path)
    assert mp4.tags["\xa9nam"] == ["If there is trauma, there will have been harm"]
    assert mp4.tags["\xa9ART"] == ["Locked Up Living"] and mp4.tags["\xa9alb"] == ["Locked Up Living"]
    assert mp4.tags["\xa9day"][0].startswith("2026-11-20")
    assert mp4.tags["covr"][0] == (tmp_path / "art.jpg").read_bytes()
    assert [(round(c.start, 2), c.title) for c in mp4.chapters] == [
        (0.0, "Introduction"), (2.0, "Trauma and harm"), (4.0, "Truth and reconciliation")]
    data = outcome.path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")
    integrated, peak = meter(outcome.path)
    assert integrated == pytest.approx(-16.0, abs=1.0) and peak <= -1.0


def test_second_delivery_is_a_cache_hit_without_running_ffmpeg(tmp_path, ffmpeg_log):
    source = speechlike(tmp_path / "ep.wav", 4)
    job = DeliveryJob("lul/ep", source, Delivery(), tags(tmp_path))
    [first] = deliver_episodes([job], tmp_path / "cache")
    assert not first.cached and ffmpeg_log.read_text().strip()
    ffmpeg_log.write_text("")

    [second] = deliver_episodes([job], tmp_path / "cache")
    assert second.cached
    assert ffmpeg_log.read_text() == ""          # not even `ffmpeg -version`
    assert second.path == first.path and second.path.read_bytes() == first.path.read_bytes()
    assert (second.loudness, second.normalization, second.duration) == \
        (first.loudness, first.normalization, first.duration)
    assert second.peaks == first.peaks and len(first.peaks) > 10

    # Any setting that shapes the output is part of the key: a new title encodes again.
    renamed = DeliveryJob("lul/ep", source, Delivery(), tags(tmp_path, title="A new title"))
    [third] = deliver_episodes([renamed], tmp_path / "cache")
    assert not third.cached and third.path != first.path and first.path.exists()
    # ...yet a retag keeps the byte size, so a feed written before it stays truthful.
    assert third.path.stat().st_size == first.path.stat().st_size
    assert ID3(third.path)["TIT2"].text == ["A new title"]


def test_one_bad_episode_does_not_stop_the_others(tmp_path):
    good = speechlike(tmp_path / "good.wav", 3)
    silent = tmp_path / "silent.wav"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono",
                    "-t", "2", str(silent)], check=True)
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    cut = tmp_path / "cut.wav"
    whole = make_audio(tmp_path / "whole.wav", 3)
    cut.write_bytes(whole.read_bytes()[:20000])
    jobs = [DeliveryJob(f"s/{path.stem}", path, Delivery(), DeliveryTags(path.stem))
            for path in (silent, good, empty, cut)]
    outcomes = deliver_episodes(jobs, tmp_path / "cache", workers=2)
    assert [o.key for o in outcomes] == ["s/silent", "s/good", "s/empty", "s/cut"]
    by_key = {o.key: o for o in outcomes}
    assert by_key["s/good"].error is None and by_key["s/good"].path.is_file()
    for key, path, kind in (("s/silent", silent, EncodeError), ("s/empty", empty, MediaError),
                            ("s/cut", cut, EncodeError)):
        error = by_key[key].error
        assert isinstance(error, kind) and error.file == str(path), key
        assert by_key[key].path is None
    assert "silent" in str(by_key["s/silent"].error)
    assert "truncated" in str(by_key["s/cut"].error)
    leftovers = [p.name for p in (tmp_path / "cache").iterdir() if ".part" in p.name]
    assert leftovers == []


@pytest.mark.slow
def test_interrupted_encode_leaves_no_partial_file_and_next_build_recovers(tmp_path):
    # Long enough that ffmpeg reports progress before it finishes, even on an idle machine
    # (a 40 s clip could encode within one progress interval, jumping from 0.1 to 1.0).
    seconds = 240
    source = speechlike(tmp_path / "long.wav", seconds)
    cache = tmp_path / "cache"
    job = DeliveryJob("lul/long", source, Delivery(), DeliveryTags("Long"))
    seen = []

    def ctrl_c(key, fraction):
        seen.append(fraction)
        if fraction > 0.3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deliver_episodes([job], cache, progress=ctrl_c)
    assert seen and max(seen) < 1.0
    assert list(cache.iterdir()) == []      # no half-written media, no record
    children = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True)
    assert children.stdout.strip() == ""    # no ffmpeg left running

    [outcome] = deliver_episodes([job], cache)
    assert outcome.error is None and not outcome.cached
    assert outcome.duration == pytest.approx(seconds, abs=0.2)


def test_progress_is_reported_per_job_up_to_done(tmp_path):
    sources = [speechlike(tmp_path / f"ep{n}.wav", 3) for n in range(2)]
    jobs = [DeliveryJob(f"s/ep{n}", src, Delivery(), DeliveryTags(f"Ep {n}"))
            for n, src in enumerate(sources)]
    events = []
    outcomes = deliver_episodes(jobs, tmp_path / "cache", workers=2,
                                progress=lambda key, fraction: events.append((key, fraction)))
    assert all(o.error is None for o in outcomes)
    for job in jobs:
        fractions = [f for key, f in events if key == job.key]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_intro_and_outro_are_stitched_levelled_and_shift_chapters(tmp_path):
    intro = make_audio(tmp_path / "intro.wav", 2, frequency=660, volume_db=-6)
    outro = make_audio(tmp_path / "outro.wav", 2, frequency=550, volume_db=-30)
    source = speechlike(tmp_path / "ep.wav", 6)
    delivery = Delivery(intro=intro, outro=outro)
    job = DeliveryJob("s/ep", source, delivery, DeliveryTags("Ep", chapters=CHAPTERS))
    [outcome] = deliver_episodes([job], tmp_path / "cache")
    assert outcome.error is None
    # 2 s intro + 6 s episode + 2 s outro, less two 0.5 s crossfades.
    assert outcome.duration == pytest.approx(9.0, abs=0.15)
    integrated, peak = meter(outcome.path)
    assert integrated == pytest.approx(-16.0, abs=1.0) and peak <= -1.0
    starts = sorted(frame.start_time for frame in ID3(outcome.path).getall("CHAP"))
    assert starts == [1500, 3500, 5500]


def test_missing_source_and_missing_ffmpeg_are_clear(tmp_path, monkeypatch):
    job = DeliveryJob("s/gone", tmp_path / "gone.wav", Delivery(), DeliveryTags("Gone"))
    [outcome] = deliver_episodes([job], tmp_path / "cache")
    assert isinstance(outcome.error, MediaError) and "gone.wav" in str(outcome.error)

    # No ffmpeg is fatal for the whole build, not one episode's failure.
    source = make_audio(tmp_path / "ep.wav", 1)
    monkeypatch.setenv("MEDIA_PUB_FFMPEG", str(tmp_path / "no-such-ffmpeg"))
    with pytest.raises(FatalError, match="MEDIA_PUB_FFMPEG"):
        deliver_episodes([DeliveryJob("s/ep", source, Delivery(), DeliveryTags("Ep"))],
                         tmp_path / "cache")


@pytest.mark.parametrize("fmt", [DeliveryFormat.MP3, DeliveryFormat.M4A])
def test_every_tag_in_the_table_is_read_back_as_written(tmp_path, fmt):
    """One TAGS table drives writing and probing: each field comes back under its own name."""
    from media_pub.media.probe import probe
    from media_pub.media.tags import TAGS, write_tags

    path = make_audio(tmp_path / f"ep.{fmt.value}", 1.0)
    written = tags(tmp_path, chapters=(), genre="Education")
    write_tags(path, fmt, written, duration=1.0)
    read = probe(path).tags
    assert {field.name for field in TAGS} <= set(read)
    assert {name: read[name] for name in ("title", "artist", "album", "comment", "genre")} == {
        "title": written.title, "artist": written.artist, "album": written.album,
        "comment": written.comment, "genre": "Education"}
    assert read["date"].startswith("2026-11-20")
