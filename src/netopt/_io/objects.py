r"""``netopt.save`` / ``netopt.load``: state dicts in a file, without pickle.

``torch.save(model.state_dict(), path)`` pickles; netopt stores the same nests of dicts,
lists, arrays and tensors in the container of :mod:`netopt._io.container`
(safetensors arrays, a JSON manifest, a SHA-256 digest, written atomically), tagged
:data:`OBJECT_FORMAT`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._version import __version__
from .container import VERSION, CheckpointError, read, write_container

#: The format tag of a file written by :func:`save_object` (``netopt.save``).
OBJECT_FORMAT = "netopt.object"


def save_object(obj: Any, path: str | os.PathLike[str], *, key: bytes | None = None) -> Path:
    r"""Save a state dict (or any nest of them) to one file, atomically: ``netopt.save``.

    What ``torch.save(model.state_dict(), path)`` is for, without pickle: ``obj`` may hold
    dicts (any JSON-able keys), lists, tuples, None, bools, ints, floats (NaN and infinities
    included), strings, NumPy arrays and tensors (values and ``requires_grad``). The file is
    a container of :mod:`netopt._io.container` tagged :data:`OBJECT_FORMAT`; it needs the
    ``io`` extra (safetensors). With ``key`` (secret bytes) the file is also signed with
    HMAC-SHA256, for files that travel: the SHA-256 digest alone detects corruption, not
    tampering.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError
        If ``obj`` holds anything else (a module, a function...), naming where.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from netopt import nn
    >>> net = nn.Linear(2, 1)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = save_object(net.state_dict(), pathlib.Path(d) / "net.safetensors")
    ...     fresh = nn.Linear(2, 1)
    ...     fresh.load_state_dict(load_object(path))
    <All keys matched successfully>
    >>> bool((fresh.weight.data == net.weight.data).all())
    True
    """
    content = {
        "format": OBJECT_FORMAT,
        "version": VERSION,
        "netopt_version": __version__,
        "object": obj,
    }
    return write_container(path, content, key=key)


def load_object(path: str | os.PathLike[str], *, key: bytes | None = None) -> Any:
    r"""Load what :func:`save_object` saved (``netopt.load``); nothing is unpickled.

    With ``key``, the file must carry a matching HMAC-SHA256 signature.

    Raises
    ------
    CheckpointError
        If the file is missing, not a regular file, damaged (the digest is checked),
        malformed, unsigned or wrongly signed (with ``key``), or not a saved object.
    """
    manifest, _ = read(path, kind=OBJECT_FORMAT, key=key)
    if "object" not in manifest:
        raise CheckpointError(f"{str(path)!r} has no 'object' entry")
    return manifest["object"]
