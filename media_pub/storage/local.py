"""A folder as a publish target: atomic replaces (temp file + os.replace), an flock lock."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from media_pub.errors import StorageError
from media_pub.fsutil import remove_dead_temps, temp_beside
from media_pub.storage.base import LOCK_KEY, BytesCallback, RemoteObject, Upload

_CHUNK = 1 << 20


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


class LocalStorage:
    """Publish into ``root``; each file appears whole or not at all."""

    def __init__(self, root: Path, jobs: int = 4):
        self.root = root.resolve()
        self.description = str(root)
        self.jobs = jobs

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise StorageError("key escapes the target folder", self.root, key)
        return path

    def is_folder(self, path: Path) -> bool:
        return self.root == path.resolve()

    def list(self, start_after: str | None = None) -> dict[str, RemoteObject]:
        objects: dict[str, RemoteObject] = {}
        if not self.root.is_dir():
            return objects
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith("."):
                    continue
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                stat = path.stat()
                # Any rewrite changes mtime_ns: enough to notice out-of-band edits.
                objects[key] = RemoteObject(key, stat.st_size, f"{stat.st_mtime_ns:x}-{stat.st_size:x}")
        return objects

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(f"cannot read: {error.strerror}", self._path(key)) from None

    def _write(self, key: str, write: Callable[[IO[bytes]], object]) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = temp_beside(target)
        try:
            with part.open("wb") as handle:
                write(handle)
            os.chmod(part, 0o644)
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)   # ours alone (temp_beside)
            raise

    def put_bytes(self, key: str, data: bytes, content_type: str, cache_control: str) -> None:
        try:
            self._write(key, lambda handle: handle.write(data))
        except OSError as error:
            raise StorageError(f"cannot write: {error.strerror}", self._path(key)) from None

    def _copy(self, upload: Upload, progress: BytesCallback | None) -> None:
        def write(handle: IO[bytes]) -> None:
            with upload.path.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    handle.write(chunk)
                    if progress:
                        progress(len(chunk))

        self._write(upload.key, write)

    def upload(self, uploads: Sequence[Upload], progress: BytesCallback | None = None) -> Mapping[str, str]:
        failures: dict[str, str] = {}

        def one(upload: Upload) -> None:
            try:
                self._copy(upload, progress)
            except OSError as error:
                failures[upload.key] = f"cannot write {self._path(upload.key)}: {error.strerror or error}"

        with ThreadPoolExecutor(self.jobs) as pool:
            list(pool.map(one, uploads))
        return failures

    def delete(self, keys: Iterable[str]) -> Mapping[str, str]:
        failures: dict[str, str] = {}
        for key in keys:
            path = self._path(key)
            try:
                path.unlink(missing_ok=True)
                # Leave no empty folders behind (never the root itself).
                parent = path.parent
                while parent != self.root and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent
            except OSError as error:
                failures[key] = f"cannot delete {path}: {error.strerror}"
        return failures

    def abort_stale_uploads(self, keys: Collection[str]) -> int:
        """Remove the temp files a killed publish left beside ``keys`` (fsutil.temp_beside: named
        by media-pub, with the PID of a process that is gone); nobody else's file is touched."""
        by_folder: dict[Path, set[str]] = {}
        for key in keys:
            target = self._path(key)
            by_folder.setdefault(target.parent, set()).add(target.name)
        return sum(remove_dead_temps(folder, names) for folder, names in by_folder.items())

    @contextmanager
    def lock(self, owner: str) -> Iterator[None]:
        path = self._path(LOCK_KEY)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StorageError(f"cannot create the publish lock: {error.strerror}", path) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "another process"
                raise StorageError(f"another publish to this folder is running ({holder}); "
                                   "try again when it has finished", path) from None
            # The kernel drops an flock when its holder dies, so a stale lock cannot linger.
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"owner": owner, "since": time.time()}).encode(), 0)
            yield
        finally:
            os.close(fd)
