r"""The checkpoint container: safetensors arrays, a JSON manifest and a digest, in one file.

Layout (any file name; ``.safetensors`` is customary)::

    safetensors file
      tensors        one per array of the content, named by where it stood
      __metadata__   "netopt.manifest": JSON text   "netopt.sha256": hex digest

The manifest is the content in strict JSON (see :mod:`netopt._io.jsonio`), every array
replaced by ``{"__array__": "<tensor name>"}``; it carries a format tag and :data:`VERSION`.
The digest is SHA-256 over the manifest text and every tensor (name, dtype, shape, bytes).
Nothing is ever unpickled. The file is written atomically (temporary file in the same folder,
``fsync``, ``os.replace``, ``fsync`` of the folder), so a writer killed mid-write leaves the
previous file loadable. Training checkpoints (:mod:`netopt.train.checkpoint`) and
``netopt.save`` (:mod:`netopt._io.objects`) use it with their own format tags.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import jsonio as _jsonio
from .atomic import atomic_write_bytes

VERSION = 1
_MANIFEST_KEY = "netopt.manifest"
_DIGEST_KEY = "netopt.sha256"


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or does not match what it is loaded into."""


def _digest(manifest_text: str, arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256(manifest_text.encode("utf-8"))
    for name in sorted(arrays):
        a = np.asarray(arrays[name], order="C")
        h.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode("utf-8"))
        h.update(a.tobytes())
    return h.hexdigest()


def write_container(path: str | os.PathLike[str], content: Mapping[str, Any]) -> Path:
    """Write ``content`` as a checkpoint container, atomically; return the path.

    The arrays in ``content`` go into safetensors tensors, the rest into the JSON manifest
    (``content`` must carry ``format`` and ``version``, which :func:`read` checks), and a
    SHA-256 digest of both into the header.
    """
    arrays: dict[str, np.ndarray] = {}
    plain = _jsonio.to_plain(content, (), arrays)
    manifest_text = json.dumps(plain, allow_nan=False)
    from safetensors.numpy import save as st_save

    metadata = {_MANIFEST_KEY: manifest_text, _DIGEST_KEY: _digest(manifest_text, arrays)}
    try:
        data = st_save(arrays, metadata=metadata)
    except Exception as err:  # safetensors raises its own error types
        bad = [f"{k} ({a.dtype})" for k, a in arrays.items() if a.dtype.kind not in "biuf"]
        raise TypeError(f"cannot store arrays {bad or list(arrays)} in safetensors: {err}") from err
    return atomic_write_bytes(path, data)


def read(
    path: str | os.PathLike[str], *, kind: str
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    r"""Read and verify a container file; return the decoded manifest and its arrays.

    ``kind`` is the format tag the manifest must carry.

    Raises
    ------
    CheckpointError
        If the file is missing, truncated, not safetensors, not a netopt checkpoint, of an
        unsupported version, or its digest does not match (the message names the path).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise CheckpointError(f"cannot read checkpoint {str(p)!r}: {err}") from err
    try:
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + n])
        metadata = header.get("__metadata__") or {}
        from safetensors.numpy import load as st_load

        arrays = st_load(data)
    except Exception as err:  # struct/json/safetensors errors: a damaged file
        raise CheckpointError(f"{str(p)!r} is not a readable safetensors file: {err}") from err
    text = metadata.get(_MANIFEST_KEY)
    if text is None:
        raise CheckpointError(f"{str(p)!r} is a safetensors file without a netopt manifest")
    if _digest(text, arrays) != metadata.get(_DIGEST_KEY):
        raise CheckpointError(f"checkpoint {str(p)!r} is corrupt: its SHA-256 digest differs")
    try:
        manifest = _jsonio.from_plain(json.loads(text), arrays)
    except ValueError as err:
        raise CheckpointError(f"checkpoint {str(p)!r} has a bad manifest: {err}") from err
    if manifest.get("format") != kind or manifest.get("version") != VERSION:
        raise CheckpointError(
            f"{str(p)!r} is format {manifest.get('format')!r} version "
            f"{manifest.get('version')!r}; expected {kind!r} version {VERSION}"
        )
    return manifest, arrays
