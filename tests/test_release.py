"""The release policy (build -> refuse a failed build -> gate -> publish), staging, dry runs
and the --json summaries, through the library and through the command.

S3 cases run against moto's server over HTTP on loopback (tests/s3_server.py); folder
targets are real folders. Every project is generated with real media.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from media_factory import make_audio, make_image
from project_factory import copy_project, make_episode, make_show, write_site

import media_pub
from media_pub import config
from media_pub.cli import cli
from media_pub.errors import BuildFailedError, ExitStatus, FeedError

sys.path.insert(0, str(Path(__file__).parent))
from s3_server import aws_env, bucket, s3_endpoint  # noqa: F401

PUBLIC_URL = "https://podcasts.lockeduplivingradio.net/"


def tree(root: Path) -> dict[str, str]:
    """sha256 of every file under root (the live site, byte for byte)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run(project: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(cli, ["--project", str(project), *args])


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Two live episodes, one draft, one scheduled for 2099; a real public base_url."""
    root = tmp_path_factory.mktemp("release") / "project"
    root.mkdir()
    write_site(root, PUBLIC_URL)
    show = make_show(root)
    make_image(root / "feeds/art/demo.jpg", size=3000)   # directory-ready: Apple asks for 3000 px
    show.write_text(show.read_text().replace("owner@example.org", "producer@lockeduplivingradio.net")
                    .replace("https://example.org/demo", "https://lockeduplivingradio.net/demo"))
    notes = 'description = "Notes for the episode."\n'
    make_episode(root, "demo", "one", title="One", published="2026-01-01T09:00:00Z", extra=notes)
    make_episode(root, "demo", "two", title="Two", published="2026-01-02T09:00:00Z", extra=notes)
    make_episode(root, "demo", "idea", title="Idea", extra="draft = true\n")
    make_episode(root, "demo", "later", title="Later", published="2099-01-01T09:00:00Z", extra=notes)
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    return copy_project(template, tmp_path)


def new_artwork(project: Path, size: int) -> None:
    """Save a new show artwork as an editor does: a new file renamed over the old one."""
    fresh = project / "feeds/art/.new.jpg"
    make_image(fresh, size=size)
    fresh.replace(project / "feeds/art/demo.jpg")


def retitle(project: Path, title: str = "Demo Show, renamed") -> None:
    show = project / "feeds/demo.toml"
    show.write_text(show.read_text().replace('title = "Demo Show"', f'title = "{title}"'))


# -- the library gets the command's policy ---------------------------------------------------

def test_library_publish_refuses_an_invalid_feed_exactly_like_the_command(project: Path, tmp_path: Path):
    new_artwork(project, 600)          # too small for Apple
    target = tmp_path / "site"
    with pytest.raises(FeedError) as refused:
        media_pub.release.publish(config.load(project, {}), target=str(target))
    assert "apple.artwork.size" in str(refused.value) and "nothing was uploaded" in str(refused.value)
    assert not target.exists()

    result = run(project, "publish", "--to", str(target))
    assert result.exit_code == refused.value.exit_status == ExitStatus.ERROR
    assert result.stderr.strip().splitlines()[-1] == f"Error: {refused.value}"
    assert not target.exists()

    forced = media_pub.release.publish(config.load(project, {}), target=str(target), force=True)
    assert forced.forced and forced.exit_code == ExitStatus.OK
    assert any("apple.artwork.size" in line for line in forced.warnings)
    assert (target / "feeds/demo.xml").is_file()


def test_a_library_caller_follows_a_whole_release_with_one_progress_callback(project: Path, tmp_path: Path):
    """media_pub.progress: the build's episodes and the upload report the same way,
    ``progress(item, fraction)``, the upload as one item, rising to done."""
    from media_pub.progress import UPLOAD

    make_episode(project, "demo", "three", title="Three", published="2026-01-03T09:00:00Z")   # to encode
    events: list[tuple[str, float]] = []
    report = media_pub.release.publish(config.load(project, {}), target=str(tmp_path / "site"),
                                       build_progress=lambda item, done: events.append((item, done)),
                                       upload_progress=lambda item, done: events.append((item, done)))
    assert report.exit_code == ExitStatus.OK
    built = [done for item, done in events if item == "demo/three"]
    sent = [done for item, done in events if item == UPLOAD]
    assert {item for item, _ in events} == {"demo/one", "demo/two", "demo/three", UPLOAD}
    assert built[-1] == 1.0 and sent and sent == sorted(sent) and 0 < sent[0] and sent[-1] == 1.0


def test_library_check_counts_what_validate_prints(project: Path):
    report = media_pub.check(config.load(project, {}), ["demo"])
    assert (report.checked, len(report.errors), report.exit_code) == (2, 0, ExitStatus.OK)
    result = run(project, "validate", "demo", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {**report.as_json(), "findings": json.loads(result.stdout)["findings"]}
    assert result.stderr.strip().splitlines()[-1] == report.summary == "2 feed(s) checked: 0 error(s), 0 warning(s)"


# -- staging: the in-place target changes only when the gate passed --------------------------

def test_in_place_publish_swaps_in_only_after_the_gate_passes(project: Path):
    assert run(project, "publish").exit_code == 0
    live = project / "public"
    before = tree(live)

    retitle(project)
    new_artwork(project, 600)          # the gate will refuse
    refused = run(project, "publish")
    assert refused.exit_code == ExitStatus.ERROR
    assert "apple.artwork.size" in refused.stderr
    assert f"{live}/feeds/demo.xml" in refused.stderr              # the live file, not a staging copy
    assert tree(live) == before                                     # the live site did not change
    assert [p.name for p in (project / ".media-pub").glob(".staging*")] == []

    new_artwork(project, 1400)
    done = run(project, "publish")
    assert done.exit_code == 0, done.stderr
    assert b"Demo Show, renamed" in (live / "feeds/demo.xml").read_bytes()


def test_a_refused_publish_leaves_no_trace_in_the_next_build(project: Path):
    """The staging build's state is discarded with it: a later build rewrites the feeds."""
    assert run(project, "build").exit_code == 0
    retitle(project)
    new_artwork(project, 600)
    assert run(project, "publish").exit_code == ExitStatus.ERROR
    assert b"renamed" not in (project / "public/feeds/demo.xml").read_bytes()
    assert run(project, "build").exit_code == 0
    assert b"Demo Show, renamed" in (project / "public/feeds/demo.xml").read_bytes()


@pytest.mark.parametrize("command", ["build", "publish"])
def test_a_failed_build_leaves_no_mixed_site(project: Path, command: str):
    """A binary .vtt transcript: nothing of the live build changes, not even the feeds."""
    assert run(project, "build").exit_code == 0
    live = tree(project / "public")
    retitle(project)
    (project / "episodes/demo/one.vtt").write_bytes(bytes(range(256)) * 8)
    sidecar = project / "episodes/demo/one.toml"
    sidecar.write_text(sidecar.read_text() + 'transcript = "one.vtt"\n')

    result = run(project, command)
    assert result.exit_code != 0
    assert "one.vtt" in result.stderr or "one.toml" in result.stderr
    assert "Traceback" not in result.output
    assert tree(project / "public") == live


# -- dry run: a real build, and what it lists is what publish does ---------------------------

def _listed(output: str, kind: str = "upload") -> set[str]:
    return {line.split()[1] for line in output.splitlines() if line.startswith(kind + " ")}


def test_dry_run_after_a_title_change_lists_what_publish_then_uploads(project: Path, bucket):  # noqa: F811
    env = {"MEDIA_PUB_STORAGE_ENDPOINT_URL": bucket.proxy.url, "MEDIA_PUB_STORAGE_REGION": "us-east-1"}
    target = f"s3://{bucket.name}/site"
    assert run(project, "publish", "--to", target, env=env).exit_code == 0
    retitle(project)
    bucket.proxy.clear()

    dry = run(project, "publish", "--to", target, "--dry-run", env=env)
    assert dry.exit_code == 0, dry.stderr
    listed = _listed(dry.stdout)
    assert {"feeds/demo.xml", "feeds/demo.json", "embed/index.json"} <= listed
    assert bucket.proxy.writes() == []

    real = run(project, "publish", "--to", target, "--json", env=env)
    assert real.exit_code == 0, real.stderr
    summary = json.loads(real.stdout)
    assert {a["key"] for a in summary["publish"]["actions"] if a["kind"] == "upload"} == listed
    assert summary["uploaded"] == len(listed)


def test_in_place_dry_run_builds_aside_and_lists_what_publish_replaces(project: Path):
    assert run(project, "publish").exit_code == 0
    live = tree(project / "public")
    retitle(project)

    dry = run(project, "publish", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    listed = _listed(dry.stdout)
    assert {"feeds/demo.xml", "feeds/demo.json", "embed/index.json"} <= listed
    assert "Dry run: nothing was changed." in dry.stderr
    assert tree(project / "public") == live                      # nothing live changed

    real = media_pub.release.publish(config.load(project, {}))
    assert set(real.publish.uploaded) == listed
    assert b"Demo Show, renamed" in (project / "public/feeds/demo.xml").read_bytes()
    assert media_pub.release.publish(config.load(project, {}), dry_run=True).publish.uploaded == ()


# -- reports -------------------------------------------------------------------------------

def test_build_json_counts_and_the_summary_says_what_was_left_out(project: Path):
    result = run(project, "build", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("episodes", "live", "drafts", "scheduled", "encoded", "cached", "removed")} == {
        "episodes": 4, "live": 2, "drafts": 1, "scheduled": 1, "encoded": 2, "cached": 0, "removed": 0}
    assert summary["written"] > 0 and summary["warnings"] == [] and summary["exit_code"] == 0
    assert "4 episode(s) in the project, 2 live (1 draft, 1 scheduled left out)" in result.stderr

    # the delivered loudness, measured on the delivered file, and how it got there
    rows = {row["episode"]: row for row in summary["loudness"]}
    assert set(rows) == {"demo/one", "demo/two"}
    for key, row in rows.items():
        assert abs(row["lufs"] + 16) <= 1 and row["true_peak"] <= -1.0 and row["method"] in ("linear", "dynamic")
        assert f"Delivered {key}: {row['lufs']:.1f} LUFS, true peak {row['true_peak']:.1f} dBTP ({row['method']})" \
            in result.stderr

    again = json.loads(run(project, "build", "--json").stdout)
    assert (again["encoded"], again["cached"], again["written"]) == (0, 2, 0)


def test_publish_json_is_one_document_with_the_counts(project: Path, tmp_path: Path):
    result = run(project, "publish", "--to", str(tmp_path / "site"), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["episodes"] == 4 and summary["encoded"] == 2
    published = [p for p in (tmp_path / "site").rglob("*") if p.is_file() and ".media-pub" not in p.parts]
    assert summary["uploaded"] == len(published) > 0
    assert (summary["skipped"], summary["deleted"], summary["warnings"]) == (0, 0, [])
    again = json.loads(run(project, "publish", "--to", str(tmp_path / "site"), "--json").stdout)
    assert (again["uploaded"], again["skipped"], again["cached"]) == (0, summary["uploaded"], 2)


def test_a_failed_build_exits_with_the_reports_code_from_the_library_too(project: Path):
    from media_pub.release import build

    assert run(project, "build").exit_code == 0
    live = tree(project / "public")
    retitle(project)
    make_episode(project, "demo", "quiet", title="Quiet", published="2026-01-03T09:00:00Z", media_suffix=".wav")
    make_audio(project / "episodes/demo/quiet.wav", 1.5, volume_db=-200)     # silence: refused at delivery
    report = build(config.load(project, {}))
    assert report.exit_code == ExitStatus.PARTIAL and [key for key, _ in report.failed] == ["demo/quiet"]
    assert tree(project / "public") == live

    result = run(project, "build")
    assert result.exit_code == report.exit_code
    assert "Error: demo/quiet: " in result.stderr and "silent" in result.stderr
    with pytest.raises(BuildFailedError) as refused:
        media_pub.release.publish(config.load(project, {}))
    published = run(project, "publish")
    assert published.exit_code == refused.value.exit_status == ExitStatus.PARTIAL
    assert published.stderr.strip().splitlines()[-1] == f"Error: {refused.value}"
    assert tree(project / "public") == live


# -- next steps: the feed URL to submit ------------------------------------------------------

def test_publish_to_a_real_target_prints_the_feed_url_and_once_where_to_submit_it(project: Path, tmp_path: Path):
    first = run(project, "publish", "--to", str(tmp_path / "site"))
    assert first.exit_code == 0, first.stderr
    feed = f"{PUBLIC_URL}feeds/demo.xml"
    assert f"Feed of Demo Show: {feed}" in first.stderr
    assert "https://podcastsconnect.apple.com/" in first.stderr and "https://creators.spotify.com/" in first.stderr

    second = run(project, "publish", "--to", str(tmp_path / "site"))
    assert f"Feed of Demo Show: {feed}" in second.stderr
    assert "podcastsconnect" not in second.stderr

    status = run(project, "status")
    assert "feed       demo" in status.stdout and feed in status.stdout
    assert json.loads(run(project, "status", "--json").stdout)["feeds"] == [
        {"show": "demo", "title": "Demo Show", "url": feed}]


def test_no_submit_note_while_the_base_url_is_a_placeholder(project: Path, tmp_path: Path):
    write_site(project, "https://media.example.org/")
    result = run(project, "publish", "--to", str(tmp_path / "site"))
    assert result.exit_code == 0, result.stderr
    assert "Feed of" not in result.stderr and "podcastsconnect" not in result.stderr
    assert "(not public yet" in run(project, "status").stdout
