"""The command's habits a volunteer relies on without thinking: -q/-v anywhere, quiet
pipes, a progress line that knows its total. Real processes where a terminal or a pipe
is the point (a pseudo-terminal for the progress line)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from project_factory import copy_project, make_episode, make_show, write_site
from terminal import read_terminal

from media_pub.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("habits") / "project"
    root.mkdir()
    write_site(root)
    make_show(root)
    for number in range(1, 5):
        make_episode(root, "demo", f"ep-{number}", title=f"Episode {number}", seconds=1.0,
                     published=f"2026-01-0{number}T09:00:00Z")
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    return copy_project(template, tmp_path)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "media_pub", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_quiet_and_verbose_work_after_the_command_too(project: Path):
    quiet = CliRunner().invoke(cli, ["--project", str(project), "build", "-q"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert (project / "public/feeds/demo.xml").is_file()

    loud = subprocess.run(command("--project", str(project), "status", "--verbose"), capture_output=True,
                          text=True, env=env(), timeout=120, check=False)   # a process of its own: its logging is fresh
    assert loud.returncode == 0
    assert "settings from: defaults" in loud.stderr

    traced = CliRunner().invoke(cli, ["--project", str(project), "build", "demo", "nosuch", "-v"])
    assert traced.exit_code == 1
    assert "Traceback" in traced.stderr and traced.stderr.rstrip().splitlines()[-1].startswith("Error: ")


def test_a_reader_that_goes_away_ends_the_command_quietly(project: Path):
    assert CliRunner().invoke(cli, ["--project", str(project), "build", "-q"]).exit_code == 0
    # The shell's way: `media-pub status | head -1`.
    piped = subprocess.run(["bash", "-c", f"{sys.executable} -m media_pub --project {project} status | head -1"],
                           capture_output=True, text=True, env=env(), timeout=120, check=False)
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout.startswith("built ")

    # And the certain way: the reader has gone before the first line is written.
    reader, writer = os.pipe()
    os.close(reader)
    try:
        gone = subprocess.run(command("--project", str(project), "status"), stdout=writer, stderr=subprocess.PIPE,
                              text=True, env=env(), timeout=120, check=False)
    finally:
        os.close(writer)
    assert gone.returncode in (0, 141)
    assert gone.stderr == ""


def test_the_progress_line_knows_its_total_from_the_start(project: Path):
    """On a terminal, every progress line of a build of 4 episodes says [n/4]."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(command("--project", str(project), "build", "--jobs", "1"), stdin=subprocess.DEVNULL,
                               stdout=secondary, stderr=secondary, env=env())
    os.close(secondary)
    output = read_terminal(main, process, 180)
    os.close(main)
    assert process.wait(timeout=60) == 0, output
    counters = re.findall(r"\[(\d+)/(\d+)\] demo/", output)
    assert counters, output
    assert {total for _, total in counters} == {"4"}
    assert counters[-1][0] in ("3", "4")
