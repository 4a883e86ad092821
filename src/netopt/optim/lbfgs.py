r"""L-BFGS with PyTorch's algorithm and arguments: :class:`LBFGS` and its strong-Wolfe search.

L-BFGS is a quasi-Newton method: it keeps the last ``history_size`` pairs
:math:`s_k = \theta_{k+1} - \theta_k`, :math:`y_k = g_{k+1} - g_k` and applies the
inverse-Hessian approximation they define to the gradient by the two-loop recursion
(Nocedal & Wright, Algorithm 7.4), starting from :math:`H_0 = \frac{s^\top y}{y^\top y} I`.
Unlike the first-order optimizers it needs the loss at several points per step, so its
:meth:`LBFGS.step` takes a ``closure``. The code follows ``torch/optim/lbfgs.py`` step for
step (itself a port of minFunc and of torch7's ``lswolfe.lua``), so iterates, function
counts and stopping decisions agree with torch's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .._validate import is_int
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ..autograd.version import mark_all_modified
from ._common import _nonnegative
from ._line_search import strong_wolfe
from .optimizer import Optimizer


def _float(loss: Any) -> float:
    return float(loss.item() if isinstance(loss, Tensor) else loss)


class LBFGS(Optimizer):
    r"""L-BFGS, PyTorch's ``torch.optim.LBFGS``: quasi-Newton steps from a limited history.

    One :meth:`step` runs up to ``max_iter`` iterations. Iteration :math:`k` computes the
    direction :math:`d_k = -H_k g_k` by the two-loop recursion over the stored pairs
    :math:`(s_i, y_i)` with :math:`\rho_i = 1/(y_i^\top s_i)` and
    :math:`H_0 = \frac{s^\top y}{y^\top y} I` (a pair is stored only when
    :math:`y^\top s > 10^{-10}`), then moves :math:`\theta \leftarrow \theta + t_k d_k` with
    :math:`t_k` = ``lr`` (the very first step is :math:`\min(1, 1/\lVert g\rVert_1)` ``lr``),
    or with the step that the strong-Wolfe line search
    (:func:`~netopt.optim._line_search.strong_wolfe`) finds.

    Parameters
    ----------
    params : iterable of Tensor
        One group only (torch's restriction).
    lr : float, default 1
    max_iter : int, default 20
        Iterations per :meth:`step`.
    max_eval : int, optional
        Loss evaluations per :meth:`step`; default ``max_iter * 5 // 4``.
    tolerance_grad : float, default 1e-7
        Stop when :math:`\max_i |g_i| \le` ``tolerance_grad``.
    tolerance_change : float, default 1e-9
        Stop when the step or the change of the loss is smaller than this.
    history_size : int, default 100
        Pairs :math:`(s, y)` kept.
    line_search_fn : {None, "strong_wolfe"}, default None

    Raises
    ------
    ValueError
        ``"Invalid learning rate: {lr}"`` (torch's message); for more than one parameter
        group, torch's ``"LBFGS doesn't support per-parameter options (parameter groups)"``;
        for a ``line_search_fn`` other than None or ``"strong_wolfe"``, a non-positive
        ``max_iter``/``max_eval``/``history_size``.

    Notes
    -----
    Differences from torch, all failing earlier: an unknown ``line_search_fn`` raises
    ValueError at construction (torch raises RuntimeError at the first step), and the
    integer arguments are checked. All state is kept, as torch does, in the state of the
    first parameter: ``func_evals`` and ``n_iter`` (totals over all steps), the last
    direction ``d`` and step ``t``, the history ``old_dirs`` (:math:`y`), ``old_stps``
    (:math:`s`), ``ro`` (:math:`\rho`), ``H_diag``, ``al``, ``prev_flat_grad`` and
    ``prev_loss``.

    References
    ----------
    Nocedal & Wright, *Numerical Optimization*, 2nd ed., ch. 3 and 7. PyTorch,
    ``torch/optim/lbfgs.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.nn import Parameter
    >>> w = Parameter(np.array([3.0, -1.0]))
    >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> np.round(w.data, 6)
    array([1., 1.])
    """

    _checks = ((_nonnegative("lr"), "Invalid learning rate: {lr}"),)
    _state_keys = frozenset(
        {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag"}
        | {"prev_flat_grad", "prev_loss", "al"}
    )

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None and is_int(max_iter):
            max_eval = max_iter * 5 // 4
        for name, value in (
            ("max_iter", max_iter),
            ("max_eval", max_eval),
            ("history_size", history_size),
        ):
            if not is_int(value) or value < 1:
                raise ValueError(f"Invalid {name} value: {value}")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"Invalid line_search_fn value: {line_search_fn!r}; only 'strong_wolfe' "
                "(or None) is supported"
            )
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # ------------------------------------------------------------ flat views
    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate(
            [
                np.zeros(p._data.size, p._data.dtype) if p._grad is None else np.ravel(p._grad)
                for p in self._params
            ]
        )

    def _add_grad(self, step_size: float, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += (step_size * update[offset : offset + n]).reshape(p._data.shape)
            offset += n
        mark_all_modified(self._params)  # in-place writes, as torch's p.add_ (autograd.version)

    def _clone_param(self) -> list[np.ndarray]:
        return [p._data.copy() for p in self._params]

    def _set_param(self, values: list[np.ndarray]) -> None:
        for p, value in zip(self._params, values, strict=True):
            p._data[...] = value
        mark_all_modified(self._params)

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: list[np.ndarray], t: float, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        self._add_grad(t, d)
        with enable_grad():
            loss = _float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; return the closure's first loss.

        Parameters
        ----------
        closure : callable
            Zeroes the gradients, evaluates the model, calls ``backward`` and returns the
            loss; called with gradients enabled, possibly several times.
        """
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = _float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                al = state.setdefault("al", [None] * history_size)
                # two-loop recursion: q = -g through the newest pairs, then back up
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]

            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x_init = self._clone_param()

                def obj(x: list[np.ndarray], step: float, direction: np.ndarray) -> Any:
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # re-evaluate, except after the last iteration (torch's choice)
                    with enable_grad():
                        loss = _float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(
            d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
            prev_flat_grad=prev_flat_grad, prev_loss=prev_loss,
        )  # fmt: skip
        return orig_loss

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Return the state (history lists included) as deep copies, in torch's layout."""
        out = super().state_dict()
        out["state"] = copy.deepcopy(out["state"])
        return out

    def _load_entry(self, key: Any, param: Tensor, entry: Any) -> dict[str, Any]:
        if not isinstance(entry, Mapping):
            raise ValueError(f"loaded state for parameter {key!r} is not a dict")
        unknown = sorted(set(entry) - self._state_keys)
        if unknown:
            raise ValueError(
                f"loaded state for parameter {key!r} has unknown entries {unknown}; "
                f"LBFGS keeps {sorted(self._state_keys)}"
            )
        return copy.deepcopy(dict(entry))
