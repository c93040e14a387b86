"""The README's install commands are the ones CI runs, and they use a virtual environment."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _sh_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)]


def test_the_first_two_commands_create_a_venv_and_use_it():
    publish, tests = _sh_blocks()[:2]
    for command in (publish, tests):
        assert "\n" not in command, "one line a volunteer can paste"
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
        assert "python3 -m pip" not in command     # externally-managed-environment on Debian
    assert publish.endswith(".venv/bin/media-pub publish")
    assert "'.[test" in tests and tests.endswith(".venv/bin/python -m pytest -q")


def test_ci_runs_the_readme_test_command_exactly():
    tests = _sh_blocks()[1]
    ci = (REPO / ".ci/run").read_text("utf-8").splitlines()
    assert ci.count(tests) == 1, f"the last step of .ci/run must be the README's test command: {tests}"
    assert ci[-1] == tests


def test_the_system_packages_the_tests_need_are_named_and_installed_by_ci():
    packages = _sh_blocks()[2]
    ci = (REPO / ".ci/run").read_text("utf-8")
    for package in ("python3-venv", "chromium", "npm"):
        assert package in packages and f"missing+=({package})" in ci, package
