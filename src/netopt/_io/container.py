r"""The checkpoint container: safetensors arrays, a JSON manifest and a digest, in one file.

Layout (any file name; ``.safetensors`` is customary)::

    safetensors file
      tensors        one per array of the content, named by where it stood
      __metadata__   "netopt.manifest": JSON text   "netopt.sha256": hex digest

The manifest is the content in strict JSON (see :mod:`netopt._io.jsonio`), every array
replaced by ``{"__array__": "<tensor name>"}``; it carries a format tag and :data:`VERSION`.
The digest is SHA-256 over the manifest text and every tensor (name, dtype, shape, bytes).
Nothing is ever unpickled.

What the digest is for: it detects *corruption* (a flipped bit, a truncated copy), not
*tampering*: anyone who edits a file can recompute it. For checkpoints that travel, sign
them: ``key=b"..."`` (a secret shared by writer and reader) adds an HMAC-SHA256 of the same
bytes under ``"netopt.hmac-sha256"``, and a reader given the key refuses a file whose
signature is missing or differs. Either way the reader trusts nothing the file says: the
safetensors header is checked before use and read within the file's size
(:mod:`netopt._io.reader`, regular files only), and the manifest's structure is checked
(tags, types, nesting at most :data:`netopt._io.jsonio.MAX_DEPTH` deep), so a malformed or
forged file raises :class:`CheckpointError` naming what is wrong, never another error.

The file is written atomically (temporary file in the same folder,
``fsync``, ``os.replace``, ``fsync`` of the folder), so a writer killed mid-write leaves the
previous file loadable. Training checkpoints (:mod:`netopt.train.checkpoint`) and
``netopt.save`` (:mod:`netopt._io.objects`) use it with their own format tags.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import jsonio as _jsonio
from .atomic import atomic_write_bytes
from .reader import FormatError, parse, read_regular_file

VERSION = 1
_MANIFEST_KEY = "netopt.manifest"
_DIGEST_KEY = "netopt.sha256"
_SIGNATURE_KEY = "netopt.hmac-sha256"


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or does not match what it is loaded into."""


def _hash(h: Any, manifest_text: str, arrays: Mapping[str, np.ndarray]) -> str:
    """Feed the manifest and every tensor (name, dtype, shape, bytes) to ``h``; its hex."""
    h.update(manifest_text.encode("utf-8"))
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])  # no copy when already contiguous
        h.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode("utf-8"))
        h.update(memoryview(a.reshape(-1)).cast("B"))
    return h.hexdigest()


def _digest(manifest_text: str, arrays: Mapping[str, np.ndarray]) -> str:
    return _hash(hashlib.sha256(), manifest_text, arrays)


def _signature(key: bytes, manifest_text: str, arrays: Mapping[str, np.ndarray]) -> str:
    return _hash(hmac.new(key, digestmod="sha256"), manifest_text, arrays)


def _check_key(key: Any) -> bytes | None:
    if key is None:
        return None
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise TypeError(f"key must be non-empty bytes, got {type(key).__name__}")
    return bytes(key)


def write_container(
    path: str | os.PathLike[str], content: Mapping[str, Any], *, key: bytes | None = None
) -> Path:
    """Write ``content`` as a checkpoint container, atomically; return the path.

    The arrays in ``content`` go into safetensors tensors, the rest into the JSON manifest
    (``content`` must carry ``format`` and ``version``, which :func:`read` checks), and a
    SHA-256 digest of both into the header; with ``key`` (bytes), also an HMAC-SHA256
    signature. :func:`encode` gives the same bytes without a file.
    """
    return atomic_write_bytes(path, encode(content, key=key))


def encode(content: Mapping[str, Any], *, key: bytes | None = None) -> bytes:
    """The bytes of :func:`write_container`'s file (for a file object, ``netopt.save(obj, f)``)."""
    key = _check_key(key)
    arrays: dict[str, np.ndarray] = {}
    plain = _jsonio.to_plain(content, (), arrays)
    manifest_text = json.dumps(plain, allow_nan=False)
    from safetensors.numpy import save as st_save

    metadata = {_MANIFEST_KEY: manifest_text, _DIGEST_KEY: _digest(manifest_text, arrays)}
    if key is not None:
        metadata[_SIGNATURE_KEY] = _signature(key, manifest_text, arrays)
    try:
        data = st_save(arrays, metadata=metadata)
    except Exception as err:  # safetensors raises its own error types
        bad = [f"{k} ({a.dtype})" for k, a in arrays.items() if a.dtype.kind not in "biuf"]
        raise TypeError(f"cannot store arrays {bad or list(arrays)} in safetensors: {err}") from err
    return data


def read(
    path: str | os.PathLike[str], *, kind: str, key: bytes | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    r"""Read and verify a container file; return the decoded manifest and its arrays.

    ``kind`` is the format tag the manifest must carry; with ``key``, the file must carry a
    matching HMAC-SHA256 signature.

    Raises
    ------
    CheckpointError
        If the file is missing, not a regular file, truncated, not safetensors, not a
        netopt checkpoint, of an unsupported version, unsigned or wrongly signed (with
        ``key``), its digest does not match, or its manifest is malformed (the message
        names the path and what is wrong).
    """
    buf, where = read_bytes(path)
    return decode(buf, where, kind=kind, key=key)


def read_bytes(path: str | os.PathLike[str]) -> tuple[bytearray, str]:
    """The bytes of the regular file ``path`` (see :mod:`netopt._io.reader`) and its name
    for messages; a FIFO, a device or a folder is refused without blocking.

    Raises
    ------
    CheckpointError
        If it cannot be read or is not a regular file.
    """
    p = Path(path)
    where = repr(str(p))
    try:
        return read_regular_file(p, "checkpoint"), where
    except OSError as err:
        raise CheckpointError(f"cannot read checkpoint {where}: {err}") from err
    except FormatError as err:
        raise CheckpointError(str(err)) from None


def decode(
    buf: bytes | bytearray, where: str, *, kind: str, key: bytes | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """:func:`read` on bytes already in memory (from a file object); ``where`` names the
    source in error messages."""
    key = _check_key(key)
    try:
        metadata, arrays = parse(buf)
    except FormatError as err:
        raise CheckpointError(f"{where} is not a readable safetensors file: {err}") from None
    text = metadata.get(_MANIFEST_KEY)
    if text is None:
        raise CheckpointError(f"{where} is a safetensors file without a netopt manifest")
    if not hmac.compare_digest(_digest(text, arrays), metadata.get(_DIGEST_KEY, "")):
        raise CheckpointError(f"checkpoint {where} is corrupt: its SHA-256 digest differs")
    if key is not None:
        signature = metadata.get(_SIGNATURE_KEY)
        if signature is None:
            raise CheckpointError(f"checkpoint {where} is not signed (no HMAC-SHA256)")
        if not hmac.compare_digest(_signature(key, text, arrays), signature):
            raise CheckpointError(
                f"checkpoint {where} has a wrong HMAC-SHA256 signature: another key "
                "signed it, or it was changed after signing"
            )
    try:
        manifest = _jsonio.from_plain(_jsonio.parse_strict(text), arrays)
    except ValueError as err:
        raise CheckpointError(f"checkpoint {where} has a bad manifest: {err}") from None
    if not isinstance(manifest, dict):
        raise CheckpointError(
            f"checkpoint {where} has a bad manifest: a {type(manifest).__name__}, not an object"
        )
    version = manifest.get("version")
    if manifest.get("format") != kind or type(version) is not int or version != VERSION:
        raise CheckpointError(
            f"{where} is format {manifest.get('format')!r} version "
            f"{manifest.get('version')!r}; expected {kind!r} version {VERSION}"
        )
    return manifest, arrays
