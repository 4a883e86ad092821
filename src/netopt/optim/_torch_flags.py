"""torch's implementation flags (``foreach``, ``fused``, ``capturable``, ``differentiable``).

``foreach`` (any value) and the False defaults are accepted as no-ops. ``fused`` (on SGD,
Adam, AdamW and Adagrad, as in torch) is kept in each parameter group and picks the kernel
(:func:`netopt.optim._fused.choose`): None compiles large groups' updates when numba is
installed, True compiles every size, False never; all three give the same bits.
``capturable=True`` (CUDA graphs) and ``differentiable=True`` (a step that autograd
records) ask for something netopt does not do and raise with the reason, rather than being
ignored.
"""

from __future__ import annotations

from ._fused import available


def check_torch_flags(
    name: str,
    *,
    capturable: bool = False,
    differentiable: bool = False,
    fused: bool | None = None,
    foreach: bool | None = None,
) -> None:
    """Raise for a flag value netopt cannot honour; accept the rest.

    Raises
    ------
    ValueError
        ``capturable=True`` (netopt runs on the CPU: there is no CUDA graph to capture).
    RuntimeError
        ``fused=True`` with ``foreach=True`` (torch's message), or without numba.
    NotImplementedError
        ``differentiable=True`` (netopt's steps are not recorded by autograd).
    """
    if capturable:
        raise ValueError(
            f"{name}(capturable=True): capturable is for CUDA graphs; netopt runs on the CPU"
        )
    if differentiable:
        raise NotImplementedError(
            f"{name}(differentiable=True): netopt's optimizer steps are not recorded by "
            "autograd, so the step cannot be differentiated"
        )
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if fused and not available():
        raise RuntimeError(
            f"{name}(fused=True) needs numba, which is not installed: pip install 'netopt[fast]'"
        )
