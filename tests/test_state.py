"""media-pub's state under .media-pub/: versioned JSON, atomic, rebuilt when damaged, and
the ownership record the sweep relies on. Real builds of real generated media."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from media_pub import config, release
from media_pub.build import build
from media_pub.project.load import load_project
from media_pub.state import BuildState, EpisodeCache
from project_factory import make_episode, make_show, write_site

STATE_FILES = ("build.json", "probe.json", "episodes.json")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_site(tmp_path)
    make_show(tmp_path, "demo")
    (tmp_path / "episodes/demo").mkdir(parents=True)
    (tmp_path / "episodes/demo/notes.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "utf-8")
    make_episode(tmp_path, "demo", "001-first", title="First: ünïcode & <marks>",
                 extra='chapters = [ { start = "00:00:00", title = "Start" }, { start = 1, title = "Later" } ]\n'
                       'persons = [ { name = "Ann Host", role = "host" } ]\n'
                       'season = 1\nepisode = 1.5\nexplicit = true\nepisode_type = "bonus"\n'
                       'transcript = "notes.vtt"\n')
    make_episode(tmp_path, "demo", "002-second", title="Second", published="2026-02-01T09:00:00Z",
                 media_suffix=".m4a", seconds=2.0)
    return tmp_path


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_cached_episodes_are_the_episodes_a_fresh_load_gives(project: Path):
    settings = config.load(project, {})
    fresh = load_project(settings)
    cached = load_project(settings)                   # from episodes.json this time
    assert cached.episodes == fresh.episodes and cached.stamps == fresh.stamps
    stored = json.loads((settings.state_dir / "episodes.json").read_text("utf-8"))
    assert stored["state"] == "episodes" and len(stored["entries"]) == 2
    assert not (settings.state_dir / "episodes.pickle").exists()

    sidecar = project / "episodes/demo/002-second.toml"
    sidecar.write_text(sidecar.read_text("utf-8").replace("Second", "Second, retitled"), "utf-8")
    os.utime(sidecar, ns=(sidecar.stat().st_mtime_ns + 10**9,) * 2)
    edited = load_project(settings)
    assert [e.title for e in edited.episodes["demo"]] == ["Second, retitled", "First: ünïcode & <marks>"]


@pytest.mark.slow
def test_a_second_command_line_build_of_public_renders_and_records_nothing(project: Path):
    """`media-pub build` builds public/ in a staging copy and swaps it in. The copy stands
    for public/: a rebuild with nothing changed finds the feeds and players as they were,
    and leaves the build state untouched (it once recorded, and re-rendered, every time)."""
    settings = config.load(project, {})
    assert release.is_in_place(settings)
    command = [sys.executable, "-m", "media_pub", "--project", str(project), "build"]
    subprocess.run(command, check=True, capture_output=True)
    record = settings.state_dir / "build.json"
    before = record.stat().st_mtime_ns, record.read_bytes()
    again = subprocess.run(command, check=True, capture_output=True, text=True)   # another process
    assert "0 encoded, 2 cached" in again.stderr and "0 file(s) written, 0 removed" in again.stderr
    assert (record.stat().st_mtime_ns, record.read_bytes()) == before


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage {", '{"state": "build", "version": 1, "entries": {}}', "[]", ""])
def test_damaged_or_old_state_is_rebuilt_without_re_encoding(project: Path, damage: str):
    settings = config.load(project, {})
    first = build(settings)
    assert first.encoded == 2 and not first.failed
    outputs = {p: p.read_bytes() for p in (project / "public").rglob("*") if p.is_file()}
    for name in STATE_FILES:
        (settings.state_dir / name).write_text(damage, "utf-8")
    again = build(settings)
    assert not again.failed and again.encoded == 0 and again.cached == 2   # the encode cache still has them
    assert {p: p.read_bytes() for p in (project / "public").rglob("*") if p.is_file()} == outputs
    for name in STATE_FILES:                          # each file is whole, current JSON again
        assert json.loads((settings.state_dir / name).read_text("utf-8"))["version"]
    assert not [p for p in settings.state_dir.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_a_build_owns_what_it_wrote_and_nothing_else(project: Path, tmp_path_factory: pytest.TempPathFactory):
    settings = config.load(project, {})
    out = project / "public"
    build(settings)
    assert BuildState(settings.state_dir).owned_keys(out) == files_under(out)

    (out / "media/demo/mine.mp3").write_bytes(b"the volunteer's own file")
    before = {name: (settings.state_dir / name).stat().st_mtime_ns for name in STATE_FILES}
    noop = build(settings)
    assert not noop.written
    assert {name: (settings.state_dir / name).stat().st_mtime_ns for name in STATE_FILES} == before
    assert "media/demo/mine.mp3" not in BuildState(settings.state_dir).owned_keys(out)

    (project / "episodes/demo/002-second.toml").write_text(
        (project / "episodes/demo/002-second.toml").read_text("utf-8") + "draft = true\n", "utf-8")
    dropped = build(settings)
    assert "media/demo/002-second.mp3" in dropped.removed
    owned = BuildState(settings.state_dir).owned_keys(out)
    assert "media/demo/002-second.mp3" not in owned and "media/demo/001-first.mp3" in owned

    other = tmp_path_factory.mktemp("elsewhere")
    build(settings, out=other)
    state = BuildState(settings.state_dir)
    assert state.owned_keys(other) == files_under(other)
    assert state.owned_keys(out) == owned             # each build folder keeps its own record


def test_episode_cache_is_not_reused_across_model_shapes(project: Path):
    settings = config.load(project, {})
    load_project(settings)
    file = settings.state_dir / "episodes.json"
    stored = json.loads(file.read_text("utf-8"))
    assert stored["version"] == EpisodeCache.version()
    stored["version"] = stored["version"].replace('"title"', '"name"')    # another model's shape
    file.write_text(json.dumps(stored), "utf-8")
    assert EpisodeCache(settings.state_dir).entries == {}


@pytest.mark.slow
def test_a_transcript_is_converted_once_and_an_edit_or_a_damaged_cache_still_delivers(project: Path):
    """The three delivered formats are cached by the source's content: an unchanged
    transcript is not converted again, an edited one is, and a damaged entry is ignored."""
    settings = config.load(project, {})
    assert not build(settings).failed
    srt = project / "public/transcripts/demo/001-first.srt"
    delivered = srt.read_bytes()
    assert b"Hello" in delivered
    entries = list((settings.state_dir / "transcripts").iterdir())
    assert len(entries) == 1

    entries[0].write_text('{".srt": "1\\n00:00:00,000 --> 00:00:01,000\\nNot what the source says\\n"', "utf-8")
    assert not build(settings).failed
    assert srt.read_bytes() == delivered

    source = project / "episodes/demo/notes.vtt"
    source.write_text(source.read_text("utf-8").replace("Hello", "Hello again"), "utf-8")
    assert not build(settings).failed
    assert b"Hello again" in srt.read_bytes()
    assert len(list((settings.state_dir / "transcripts").iterdir())) == 2
