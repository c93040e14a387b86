"""Publish targets: a local folder or an S3-compatible bucket, behind one Protocol."""

from __future__ import annotations

from dataclasses import replace

from media_pub.model import Settings
from media_pub.storage.base import LOCK_KEY, MANIFEST_KEY, STATE_PREFIX, RemoteObject, Storage, Upload, default_owner
from media_pub.storage.local import LocalStorage
from media_pub.storage.targets import Target, check_places, parse_target


def open_target(settings: Settings, target: str | None = None) -> Storage:
    """The storage for ``target`` (default ``settings.storage.target``).

    ``s3://bucket/prefix`` opens a bucket with the [storage] settings; anything else is a
    folder, relative to the project.
    """
    if target is not None and target != settings.storage.target:
        settings = replace(settings, storage=replace(settings.storage, target=target))
    checked = check_places(settings)     # the one target rule (storage/targets.py)
    if checked.is_s3:
        from media_pub.storage.s3 import S3Storage  # boto3 loads only when a bucket is used

        storage = settings.storage
        return S3Storage(storage.target, endpoint_url=storage.endpoint_url, region=storage.region,
                         profile=storage.profile, acl=storage.acl, addressing_style=storage.addressing_style)
    assert checked.folder is not None
    return LocalStorage(checked.folder)


__all__ = ["LOCK_KEY", "MANIFEST_KEY", "STATE_PREFIX", "LocalStorage", "RemoteObject", "Storage", "Target", "Upload",
           "check_places", "default_owner", "open_target", "parse_target"]
