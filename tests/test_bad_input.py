"""Each kind of bad input: one clear line naming file and field, exit 1, no output, nothing lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from media_pub.cli import cli
from project_factory import make_episode, make_show, write_site, source_snapshot as snapshot


def base(tmp_path: Path) -> Path:
    tmp_path.mkdir(exist_ok=True)
    write_site(tmp_path)
    make_show(tmp_path)
    make_episode(tmp_path, "demo", "good", title="Good")
    return tmp_path


def sidecar_with(text: str):
    def setup(root: Path) -> tuple[str, str]:
        make_episode(root, "demo", "bad", title="Bad", media=True)
        path = root / "episodes/demo/bad.toml"
        path.write_text(path.read_text() + text)
        return "episodes/demo/bad.toml", ""
    return setup


def replace_in_sidecar(old: str, new: str):
    def setup(root: Path) -> tuple[str, str]:
        make_episode(root, "demo", "bad", title="Bad")
        path = root / "episodes/demo/bad.toml"
        path.write_text(path.read_text().replace(old, new))
        return "episodes/demo/bad.toml", ""
    return setup


def invalid_toml(root: Path):
    (root / "episodes/demo/bad.toml").write_text('title = "unclosed\n')
    return "episodes/demo/bad.toml", "invalid TOML"


def duplicate_slugs(root: Path):
    make_episode(root, "demo", "Ep-1", title="A")
    make_episode(root, "demo", "ep_1", title="B", media_suffix=".m4a")
    return "episodes/demo/ep_1.toml", "slug 'ep-1'"


def duplicate_guids(root: Path):
    make_episode(root, "demo", "a", title="A", extra='guid = "same"\n')
    make_episode(root, "demo", "b", title="B", extra='guid = "same"\n')
    return "episodes/demo/b.toml: guid", "also the guid"


def symlink_escape(root: Path):
    outside = root.parent / f"{root.name}-outside.mp3"
    outside.write_bytes((root / "episodes/demo/good.mp3").read_bytes())
    os.symlink(outside, root / "episodes/demo/link.mp3")
    (root / "episodes/demo/link.toml").write_text('title = "L"\nmedia = "link.mp3"\npublished = 2026-01-01T00:00:00Z\n')
    return "episodes/demo/link.toml: media", "outside the project"


def empty_media(root: Path):
    make_episode(root, "demo", "bad", title="Bad", media=False)
    (root / "episodes/demo/bad.mp3").write_bytes(b"")
    return "episodes/demo/bad.mp3", "empty"


def text_as_mp3(root: Path):
    make_episode(root, "demo", "bad", title="Bad", media=False)
    (root / "episodes/demo/bad.mp3").write_text("this is not audio\n" * 50)
    return "episodes/demo/bad.mp3", ""


def mislabelled(root: Path):
    make_episode(root, "demo", "bad", title="Bad", media_suffix=".m4a")
    (root / "episodes/demo/bad.m4a").rename(root / "episodes/demo/bad.mp3")
    (root / "episodes/demo/bad.toml").write_text(
        (root / "episodes/demo/bad.toml").read_text().replace("bad.m4a", "bad.mp3"))
    return "episodes/demo/bad.mp3", "rename the file"


def unknown_show_key(root: Path):
    path = root / "feeds/demo.toml"
    path.write_text("colour = 'blue'\n" + path.read_text())
    return "feeds/demo.toml: colour", "unknown key"


def site_secret(root: Path):
    (root / "media-pub.toml").write_text('[storage]\naws_secret_access_key = "hunter2"\n')
    return "media-pub.toml: storage.aws_secret_access_key", "credentials never live in this file"


CASES = {
    "unknown key": (sidecar_with('colour = "blue"\n'), "episodes/demo/bad.toml: colour", "unknown key"),
    "wrong type": (sidecar_with("season = \"one\"\n"), "episodes/demo/bad.toml: season", "must be a whole number"),
    "bool as number": (sidecar_with("episode = true\n"), "episodes/demo/bad.toml: episode", "must be"),
    "bad date": (replace_in_sidecar("published = 2026-01-01T09:00:00Z", 'published = "next tuesday"'),
                 "episodes/demo/bad.toml: published", "not a date-time"),
    "ambiguous date (no zone)": (replace_in_sidecar("2026-01-01T09:00:00Z", "2026-01-01T09:00:00"),
                                 "episodes/demo/bad.toml: published", "ambiguous"),
    "ambiguous date (day only)": (replace_in_sidecar("2026-01-01T09:00:00Z", "2026-01-01"),
                                  "episodes/demo/bad.toml: published", "ambiguous"),
    "missing media": (replace_in_sidecar('media = "bad.mp3"', 'media = "gone.mp3"'),
                      "episodes/demo/bad.toml: media", "no such file"),
    "path traversal": (replace_in_sidecar('media = "bad.mp3"', 'media = "../../../etc/passwd"'),
                       "episodes/demo/bad.toml: media", "outside the project"),
    "absolute path": (replace_in_sidecar('media = "bad.mp3"', 'media = "/etc/passwd"'),
                      "episodes/demo/bad.toml: media", "absolute path"),
    "image traversal": (sidecar_with('image = "../../../../x.jpg"\n'), "episodes/demo/bad.toml: image", "outside"),
    "transcript absolute": (sidecar_with('transcript = "/tmp/x.vtt"\n'),
                            "episodes/demo/bad.toml: transcript", "absolute"),
    "bad episode type": (sidecar_with('episode_type = "special"\n'),
                         "episodes/demo/bad.toml: episode_type", "not one of: full, trailer, bonus"),
    "chapter past the end": (sidecar_with('chapters = [ { start = "01:00:00", title = "Late" } ]\n'),
                             "episodes/demo/bad.toml: chapters[1].start", "past the end"),
    "invalid toml": (invalid_toml, "", ""),
    "duplicate slugs": (duplicate_slugs, "", ""),
    "duplicate guids": (duplicate_guids, "", ""),
    "symlink escaping the project": (symlink_escape, "", ""),
    "empty media": (empty_media, "", ""),
    "text renamed .mp3": (text_as_mp3, "", "not a"),
    "mislabelled media": (mislabelled, "", ""),
    "unknown show key": (unknown_show_key, "", ""),
    "credentials in the site file": (site_secret, "", ""),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_one_clear_error(tmp_path: Path, name: str):
    root = base(tmp_path / "project")
    setup, where, words = CASES[name]
    found_where, found_words = setup(root)
    where, words = where or found_where, words or found_words
    before = snapshot(root)
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.rstrip().splitlines()
    if name == "invalid toml":   # one message, then the line at fault with a caret under the spot
        assert lines[1:] == ['    title = "unclosed', "    " + " " * 17 + "^"], result.stderr
        lines = lines[:1]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith((f"Error: {root}/{where}", f"Error: {root.resolve()}/{where}")), lines[0]
    assert words in lines[0]
    assert "Traceback" not in result.output
    assert "hunter2" not in result.output
    assert not (root / "public").exists()        # no partial output
    assert snapshot(root) == before              # sources untouched


def test_verbose_shows_the_traceback(tmp_path: Path):
    root = base(tmp_path)
    (root / "episodes/demo/good.toml").write_text("nope = 1\n")
    result = CliRunner().invoke(cli, ["--project", str(root), "-v", "build"])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
