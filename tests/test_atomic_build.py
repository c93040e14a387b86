"""A build interrupted at any file operation leaves the previous outputs intact and valid.

The previous build is real; the next one (an episode drafted, one added, the show
retitled) is interrupted with KeyboardInterrupt, as Ctrl-C would, before its 1st, 2nd,
3rd... file operation (placing media, writing a file, deleting a stale one), until a run
gets through. After every interruption the feeds in the build folder must parse and
pass validate, and neither they nor the embed index may point at a file that is not there.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from project_factory import make_episode, make_show, write_site

from media_pub import build as build_module
from media_pub import config
from media_pub.cli import cli
from media_pub.checks import Severity, check_build


class Stop:
    """Raise KeyboardInterrupt at the ``at``-th counted call."""

    def __init__(self, at: int):
        self.at, self.calls = at, 0

    def wrap(self, function):
        def counted(*args, **kwargs):
            self.calls += 1
            if self.calls == self.at:
                raise KeyboardInterrupt
            return function(*args, **kwargs)
        return counted


@pytest.fixture(scope="module")
def changed_template(tmp_path_factory) -> Path:
    """A built project, then changed: episode 'old' drafted, 'new' added, show retitled."""
    root = tmp_path_factory.mktemp("atomic") / "project"
    root.mkdir()
    write_site(root)
    make_show(root)
    make_episode(root, "demo", "old", title="Old", published="2026-01-01T09:00:00Z")
    make_episode(root, "demo", "kept", title="Kept", published="2026-01-02T09:00:00Z", media_suffix=".m4a")
    assert CliRunner().invoke(cli, ["--project", str(root), "build"]).exit_code == 0
    sidecar = root / "episodes/demo/old.toml"
    sidecar.write_text(sidecar.read_text() + "draft = true\n")
    make_episode(root, "demo", "new", title="New", published="2026-01-03T09:00:00Z")
    show = root / "feeds/demo.toml"
    show.write_text(show.read_text().replace('title = "Demo Show"', 'title = "Demo Show, renamed"'))
    return root


def feeds_are_valid(root: Path) -> None:
    settings = config.load(root, {})
    errors = [f.line() for f in check_build(settings) if f.severity is Severity.ERROR]
    assert errors == []
    parsed = feedparser.parse((root / "public/feeds/demo.xml").read_bytes())
    assert not parsed.bozo
    for entry in parsed.entries:
        for enclosure in entry.enclosures:
            assert (root / "public" / enclosure.href.removeprefix(settings.base_url)).is_file()
    index = json.loads((root / "public/embed/index.json").read_bytes())      # players too
    for show in index["shows"]:
        for episode in show["episodes"]:
            assert (root / "public" / episode["media_url"].removeprefix(settings.base_url)).is_file()
            assert (root / "public" / episode["player_url"].removeprefix(settings.base_url)).is_file()


def test_interrupted_at_every_step_leaves_valid_feeds(changed_template: Path, tmp_path: Path, monkeypatch):
    interrupted_at = []
    for at in range(1, 60):
        root = tmp_path / f"run{at}"
        shutil.copytree(changed_template, root)
        stop = Stop(at)
        with monkeypatch.context() as patch:
            patch.setattr(build_module, "place_file", stop.wrap(build_module.place_file))
            patch.setattr(build_module, "write_atomic", stop.wrap(build_module.write_atomic))
            patch.setattr(Path, "unlink", stop.wrap(Path.unlink))
            try:
                build_module.build(config.load(root, {}))
            except KeyboardInterrupt:
                interrupted_at.append(at)
            else:
                break
        feeds_are_valid(root)
    assert len(interrupted_at) >= 8, interrupted_at        # it really was cut at several points
    titles = [e.title for e in feedparser.parse((root / "public/feeds/demo.xml").read_bytes()).entries]
    assert titles == ["New", "Kept"]                         # the run that got through is complete


def test_ctrl_c_in_the_cli_is_one_line_and_exit_130(changed_template: Path, tmp_path: Path, monkeypatch):
    root = tmp_path / "project"
    shutil.copytree(changed_template, root)
    before = (root / "public/feeds/demo.xml").read_bytes()
    monkeypatch.setattr(build_module, "write_atomic", Stop(1).wrap(build_module.write_atomic))
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines()[-1] == "Interrupted; nothing half-written was left behind."
    assert "Traceback" not in result.output
    assert (root / "public/feeds/demo.xml").read_bytes() == before
    feeds_are_valid(root)
