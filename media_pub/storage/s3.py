"""An S3-compatible bucket as a publish target. The only module that imports boto3.

Credentials come only from the standard AWS chain (environment, profile, instance role).
Every botocore failure becomes a StorageError naming the s3:// key; boto's own loggers are
held at WARNING so that ``-v`` never prints signed headers or credentials.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.loaders
import botocore.session
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)
from s3transfer.subscribers import BaseSubscriber

from media_pub.errors import StorageError
from media_pub.storage.base import LOCK_KEY, STATE_PREFIX, BytesCallback, RemoteObject, Upload

# Wire-level debug logs carry signed headers; media-pub's -v is about media-pub.
for _name in ("boto3", "botocore", "s3transfer", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

# botocore parses its large S3 model JSON once per loader; share it across targets.
_LOADER = botocore.loaders.create_loader()
MIB = 1 << 20
MULTIPART_CHUNK = 8 * MIB
LOCK_TTL = 2 * 3600        # seconds a lock is honoured if its holder never removes it
DEFAULT_ATTEMPTS = 5


def parse_target(target: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ("bucket", "some/prefix/")."""
    parts = urlsplit(target)
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageError("must look like s3://bucket/prefix", field="storage.target")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def is_aws(endpoint_url: str | None) -> bool:
    if not endpoint_url:
        return True
    host = urlsplit(endpoint_url).hostname or ""
    return host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn")


def client_config(endpoint_url: str | None, addressing_style: str | None, max_concurrency: int) -> Config:
    """Retries with backoff, explicit addressing, and checksums other providers accept."""
    attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_ATTEMPTS)
    options: dict[str, Any] = {
        "retries": {"mode": "standard", "total_max_attempts": attempts},
        "max_pool_connections": max_concurrency + 4,
        "connect_timeout": 10,
        "read_timeout": 120,
        # STANDARDS 7.8: say the style explicitly; path-style is what custom endpoints accept.
        "s3": {"addressing_style": addressing_style or ("path" if endpoint_url else "auto")},
    }
    if not is_aws(endpoint_url):
        # STANDARDS 7.8: R2, B2, MinIO... reject boto3 >= 1.36's default CRC trailers.
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return Config(**options)


class _Progress(BaseSubscriber):
    def __init__(self, callback: BytesCallback):
        self.callback = callback

    def on_progress(self, future: object, bytes_transferred: int, **kwargs: object) -> None:
        self.callback(bytes_transferred)


class S3Storage:
    """Publish under ``s3://bucket/prefix`` through one boto3 client and one transfer manager."""

    def __init__(self, target: str, *, endpoint_url: str | None = None, region: str | None = None,
                 profile: str | None = None, acl: str | None = None, addressing_style: str | None = None,
                 max_concurrency: int = 10):
        self.bucket, self.prefix = parse_target(target)
        self.description = f"s3://{self.bucket}/{self.prefix}"
        self.endpoint_url = endpoint_url
        self.acl = acl
        self.max_concurrency = max_concurrency
        try:
            core = botocore.session.Session(profile=profile)
            core.register_component("data_loader", _LOADER)
            # We never read LastModified: skip parsing a date per listed object (as awscli does).
            core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
            session = boto3.session.Session(botocore_session=core)
            self.client = session.client("s3", endpoint_url=endpoint_url, region_name=region,
                                         config=client_config(endpoint_url, addressing_style, max_concurrency))
        except ProfileNotFound:
            raise StorageError(f"AWS profile {profile!r} not found in the AWS config files",
                               field="storage.profile") from None
        except (BotoCoreError, ValueError) as error:
            raise StorageError(f"cannot set up the S3 client: {error}", self.description) from None

    # -- helpers ---------------------------------------------------------------------------
    def _url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def _error(self, error: Exception, key: str, action: str) -> StorageError:
        return StorageError(self._message(error, action), self._url(key))

    def _message(self, error: Exception, action: str) -> str:
        if isinstance(error, ClientError):
            info = error.response.get("Error", {})
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = info.get("Code") or status
            detail = info.get("Message") or ""
            return f"{action} failed: {code} (HTTP {status}){': ' + detail if detail else ''}"
        if isinstance(error, EndpointConnectionError):
            return f"{action} failed: cannot reach {self.endpoint_url or 'the S3 endpoint'}"
        if isinstance(error, NoCredentialsError):
            return (f"{action} failed: no AWS credentials found (set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or storage.profile)")
        if isinstance(error, PartialCredentialsError):
            return f"{action} failed: incomplete AWS credentials ({error})"
        if isinstance(error, (BotoCoreError, OSError)):
            return f"{action} failed: {error}"
        return f"{action} failed: {type(error).__name__}: {error}"

    @staticmethod
    def _missing(error: ClientError) -> bool:
        code = error.response.get("Error", {}).get("Code")
        return code in ("NoSuchKey", "404", "NotFound")

    def _extra(self, content_type: str, cache_control: str) -> dict[str, str]:
        extra = {"ContentType": content_type, "CacheControl": cache_control}
        if self.acl:
            extra["ACL"] = self.acl
        return extra

    # -- Storage ---------------------------------------------------------------------------
    def is_folder(self, path: Path) -> bool:
        return False

    def list(self, start_after: str | None = None) -> dict[str, RemoteObject]:
        args = {"Bucket": self.bucket, "Prefix": self.prefix}
        if start_after:
            args["StartAfter"] = self.prefix + start_after
        objects: dict[str, RemoteObject] = {}
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(**args):
                for item in page.get("Contents", ()):
                    key = item["Key"][len(self.prefix):]
                    if key.startswith(STATE_PREFIX):
                        continue
                    objects[key] = RemoteObject(key, item["Size"], item["ETag"].strip('"'))
        except Exception as error:
            raise self._error(error, "", "listing") from None
        return objects

    def get(self, key: str) -> bytes | None:
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
            return body
        except ClientError as error:
            if self._missing(error):
                return None
            raise self._error(error, key, "reading") from None
        except Exception as error:
            raise self._error(error, key, "reading") from None

    def put_bytes(self, key: str, data: bytes, content_type: str, cache_control: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                                   ContentType=content_type, CacheControl=cache_control)
        except Exception as error:
            raise self._error(error, key, "upload") from None

    def upload(self, uploads: Sequence[Upload], progress: BytesCallback | None = None) -> Mapping[str, str]:
        if not uploads:
            return {}
        config = TransferConfig(multipart_threshold=MULTIPART_CHUNK, multipart_chunksize=MULTIPART_CHUNK,
                                max_concurrency=self.max_concurrency, preferred_transfer_client="classic")
        subscribers = [_Progress(progress)] if progress else []
        failures: dict[str, str] = {}
        try:
            with create_transfer_manager(self.client, config) as manager:
                futures = [(upload, manager.upload(str(upload.path), self.bucket, self.prefix + upload.key,
                                                   extra_args=self._extra(upload.content_type, upload.cache_control),
                                                   subscribers=subscribers))
                           for upload in uploads]
                for upload, future in futures:
                    try:
                        future.result()
                    except Exception as error:
                        failures[upload.key] = f"{self._url(upload.key)}: {self._message(error, 'upload')}"
        except Exception as error:   # the manager itself failed (e.g. while shutting down)
            for upload in uploads:
                failures.setdefault(upload.key, f"{self._url(upload.key)}: {self._message(error, 'upload')}")
        return failures

    def delete(self, keys: Iterable[str]) -> Mapping[str, str]:
        keys = list(keys)
        failures: dict[str, str] = {}
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            try:
                answer = self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": self.prefix + key} for key in batch], "Quiet": True})
            except Exception as error:
                failures.update({key: f"{self._url(key)}: {self._message(error, 'delete')}" for key in batch})
                continue
            for item in answer.get("Errors", ()):
                key = item["Key"][len(self.prefix):]
                failures[key] = f"{self._url(key)}: delete failed: {item.get('Code')} {item.get('Message', '')}"
        return failures

    def _read_lock(self) -> dict[str, Any]:
        raw = self.get(LOCK_KEY)
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    @contextmanager
    def lock(self, owner: str) -> Iterator[None]:
        """A lock object created with a conditional PUT (If-None-Match: *).

        Only one writer can create it. Providers that ignore the condition still get a
        best-effort lock: the object is read back and must name us. A holder that died
        leaves it behind; it is honoured until its expiry (LOCK_TTL), then replaced.
        """
        now = time.time()
        body = json.dumps({"owner": owner, "since": now, "expires": now + LOCK_TTL}).encode()
        key = self.prefix + LOCK_KEY
        conditional = True
        for attempt in range(3):
            try:
                if conditional:
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*",
                                           ContentType="application/json", CacheControl="no-store")
                else:   # the provider refuses conditional writes: check, write, read back
                    held = self._read_lock()
                    if not held or held.get("expires", 0) < time.time():
                        self.client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                               ContentType="application/json", CacheControl="no-store")
                held = self._read_lock()
                if held.get("owner") == owner:
                    break
            except ClientError as error:
                status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if status == 501 and conditional:
                    conditional = False
                    continue
                if status not in (409, 412):
                    raise self._error(error, LOCK_KEY, "taking the publish lock") from None
                held = self._read_lock()
            except StorageError:
                raise
            except Exception as error:
                raise self._error(error, LOCK_KEY, "taking the publish lock") from None
            if attempt < 2 and held.get("expires", float("inf")) < time.time():
                self.client.delete_object(Bucket=self.bucket, Key=key)   # stale: its holder died
                continue
            since = datetime.fromtimestamp(held.get("since", now), UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            raise StorageError(f"another publish to this target is running ({held.get('owner', 'unknown')}, "
                               f"since {since}); try again when it has finished", self._url(LOCK_KEY))
        else:
            raise StorageError("could not take the publish lock; try again", self._url(LOCK_KEY))
        try:
            yield
        finally:
            try:
                if self._read_lock().get("owner") == owner:
                    self.client.delete_object(Bucket=self.bucket, Key=key)
            except Exception:
                pass   # an unreleased lock expires on its own; the publish itself is done
