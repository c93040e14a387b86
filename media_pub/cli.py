"""The command-line interface: a thin Click layer over the library.

Each command parses its options, makes one library call and prints the result. Human
messages go to stderr; stdout carries only data (``--json``). Every ``MediaPubError``
becomes one line naming the file and field, and a non-zero exit; tracebacks only with -v.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

import click

import media_pub
from media_pub import config
from media_pub.errors import ExitStatus, MediaPubError
from media_pub.model import Settings

log = logging.getLogger("media_pub")


class Context:
    """What the group hands every command: where the project is, and how chatty to be."""

    def __init__(self, project: Path, verbose: int, quiet: bool):
        self.project = project
        self.verbose = verbose
        self.quiet = quiet

    def settings(self, **overrides) -> Settings:
        settings = config.load(self.project, os.environ, overrides)
        log.debug("settings from: %s", ", ".join(settings.sources))
        return settings


def say(message: str) -> None:
    """A human message on stderr (silenced by -q)."""
    ctx = click.get_current_context().find_object(Context)
    if not (ctx and ctx.quiet):
        click.echo(message, err=True)


def handle_errors(command):
    """Turn library errors into one clear line and an exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context().find_object(Context)
        verbose = bool(ctx and ctx.verbose)
        try:
            return command(*args, **kwargs)
        except MediaPubError as error:
            if verbose:
                log.exception("traceback")
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_status)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-written was left behind.", err=True)
            sys.exit(ExitStatus.INTERRUPTED)
        except OSError as error:
            if verbose:
                log.exception("traceback")
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"Error: {where}{error.strerror or error}", err=True)
            sys.exit(ExitStatus.ERROR)

    return wrapper


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(media_pub.__version__, prog_name="media-pub")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The project folder (holds media-pub.toml, feeds/, episodes/).")
@click.option("-v", "--verbose", count=True, help="Say more; -v also shows tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(click_ctx: click.Context, project: Path, verbose: int, quiet: bool) -> None:
    """Publish podcasts and short film series.

    Put a recording and a few lines of TOML into the project, then run
    `media-pub publish`: media is normalised, uploaded, and the podcast feeds and
    embeddable players are written.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    click_ctx.obj = Context(project, verbose, quiet)


def main() -> None:
    cli(prog_name="media-pub")


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@pass_context
@handle_errors
def serve(ctx: Context, port: int) -> None:
    """Serve the build directory on 127.0.0.1 to preview players and feeds.

    Answers HEAD and byte-range requests like the storage does. Stop with Ctrl-C.

    Example: media-pub build && media-pub serve --port 0
    """
    from media_pub.serve import make_server

    settings = ctx.settings()
    server = make_server(settings.out_dir, port, log=log.debug)
    say(f"Serving {settings.out_dir} at {server.url} (Ctrl-C to stop)")
    say(f"Players: {server.url}embed/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("Stopped.")
    finally:
        server.server_close()
