"""Publish targets: a local folder or an S3-compatible bucket, behind one Protocol."""

from __future__ import annotations

from pathlib import Path

from media_pub.model import Settings
from media_pub.storage.base import LOCK_KEY, MANIFEST_KEY, STATE_PREFIX, RemoteObject, Storage, Upload, default_owner
from media_pub.storage.local import LocalStorage


def open_target(settings: Settings, target: str | None = None) -> Storage:
    """The storage for ``target`` (default ``settings.storage.target``).

    ``s3://bucket/prefix`` opens a bucket with the [storage] settings; anything else is a
    folder, relative to the project.
    """
    target = target or settings.storage.target
    if target.startswith("s3://"):
        from media_pub.storage.s3 import S3Storage  # boto3 loads only when a bucket is used

        storage = settings.storage
        return S3Storage(target, endpoint_url=storage.endpoint_url, region=storage.region,
                         profile=storage.profile, acl=storage.acl, addressing_style=storage.addressing_style)
    path = Path(target).expanduser()
    return LocalStorage(path if path.is_absolute() else settings.project / path)


__all__ = ["LOCK_KEY", "MANIFEST_KEY", "STATE_PREFIX", "LocalStorage", "RemoteObject", "Storage", "Upload",
           "default_owner", "open_target"]
