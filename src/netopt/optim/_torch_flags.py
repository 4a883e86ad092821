"""torch's implementation flags (``foreach``, ``fused``, ``capturable``, ``differentiable``).

netopt has one implementation per optimizer, so ``foreach`` (any value) and the False
defaults are accepted as no-ops. ``capturable=True`` (CUDA graphs) and
``differentiable=True`` (a step that autograd records) ask for something netopt does not
do and raise with the reason, rather than being ignored.
"""

from __future__ import annotations


def check_torch_flags(
    name: str, *, capturable: bool = False, differentiable: bool = False, fused: bool | None = None
) -> None:
    """Raise for a flag value netopt cannot honour; accept the rest.

    Raises
    ------
    ValueError
        ``capturable=True`` (netopt runs on the CPU: there is no CUDA graph to capture) or
        ``fused=True`` for an optimizer without a fused kernel.
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
    if fused:
        raise ValueError(f"`fused=True` is not supported for {name}; netopt has no fused kernel")
