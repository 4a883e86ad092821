r"""``netopt.save`` / ``netopt.load``: state dicts in a file, without pickle.

``torch.save(model.state_dict(), path)`` pickles; netopt stores the same nests of dicts,
lists, arrays and tensors in the container of :mod:`netopt._io.container`
(safetensors arrays, a JSON manifest, a SHA-256 digest, written atomically), tagged
:data:`OBJECT_FORMAT`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._version import __version__
from .container import VERSION, CheckpointError, decode, encode, read_bytes, write_container

#: The first bytes of the files ``torch.save`` writes: a zip archive, or a bare pickle.
_TORCH_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def _refuse_pickles(head: bytes, where: str) -> None:
    """CheckpointError with the reason when ``head`` starts like a torch/pickle file."""
    if bytes(head[:4]).startswith(_TORCH_MAGIC):
        raise CheckpointError(
            f"{where} looks like a torch.save file (a zip archive or a pickle); netopt.load "
            "reads only files written by netopt.save and never unpickles (weights_only=False "
            "does not change that): load it with torch and save its state dict with netopt"
        )


#: The format tag of a file written by :func:`save_object` (``netopt.save``).
OBJECT_FORMAT = "netopt.object"


def save_object(obj: Any, path: Any, *, key: bytes | None = None) -> Path | None:
    r"""Save a state dict (or any nest of them) to one file, atomically: ``netopt.save``.

    What ``torch.save(model.state_dict(), path)`` is for, without pickle: ``obj`` may hold
    dicts (any JSON-able keys), lists, tuples, None, bools, ints, floats (NaN and infinities
    included), strings, NumPy arrays and tensors (values and ``requires_grad``). The file is
    a container of :mod:`netopt._io.container` tagged :data:`OBJECT_FORMAT`; it needs the
    ``io`` extra (safetensors). With ``key`` (secret bytes) the file is also signed with
    HMAC-SHA256, for files that travel: the SHA-256 digest alone detects corruption, not
    tampering.

    ``path`` may also be a binary file object with ``write`` (``io.BytesIO``, an open file),
    as ``torch.save(obj, f)``: the same bytes are written to it (not atomically: the caller
    owns the file).

    Returns
    -------
    pathlib.Path, or None for a file object

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
    if hasattr(path, "write"):
        path.write(encode(content, key=key))
        return None
    return write_container(path, content, key=key)


def load_object(path: Any, *, key: bytes | None = None, weights_only: bool | None = None) -> Any:
    r"""Load what :func:`save_object` saved (``netopt.load``); nothing is unpickled.

    With ``key``, the file must carry a matching HMAC-SHA256 signature. ``path`` may be a
    binary file object with ``read`` (as ``torch.load(f)``). ``weights_only`` is accepted
    for torch's signature and changes nothing: a netopt file holds only data, and any other
    file (a torch pickle or zip archive included) is refused with the reason, whatever
    ``weights_only`` says, because netopt never unpickles.

    Raises
    ------
    CheckpointError
        If the file is missing, not a regular file, damaged (the digest is checked),
        malformed, unsigned or wrongly signed (with ``key``), or not a saved object.
    """
    if weights_only not in (None, True, False):
        raise TypeError(f"weights_only must be a bool or None, got {weights_only!r}")
    if hasattr(path, "read"):
        buf = path.read()
        where = repr(getattr(path, "name", type(path).__name__))
        _refuse_pickles(buf, where)
        manifest, _ = decode(buf, where, kind=OBJECT_FORMAT, key=key)
    else:
        buf, where = read_bytes(path)  # regular files only: a FIFO must not block
        _refuse_pickles(buf, where)
        manifest, _ = decode(buf, where, kind=OBJECT_FORMAT, key=key)
    if "object" not in manifest:
        raise CheckpointError(f"{str(path)!r} has no 'object' entry")
    return manifest["object"]
