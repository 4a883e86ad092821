"""One browser tab's session: message checking, dispatch, the play loop and its limits.

A :class:`Session` owns a :class:`~netopt.playground.trainer.Trainer` and talks to its
tab through an ``async send(dict)`` callable. Every incoming message is size-checked,
parsed as JSON, checked against its schema and answered; a bad one gets
``{"type": "error", "message": ...}`` and the session carries on. The protocol:

=========================  ==================================================
browser -> server          server -> browser
=========================  ==================================================
``config`` + ``config``    ``reset`` (points, lr preview), then a ``frame``
``play`` / ``pause``       a ``frame`` per epoch while playing / ``paused``
``step``                   one epoch, one ``frame``
``reset``                  the same settings rebuilt: ``reset`` + ``frame``
``script``                 ``script`` with the netopt code of the run so far
``race`` + race fields     ``race`` (contours, trajectories, step counts)
=========================  ==================================================

Limits per session (:data:`LIMITS`): message size, messages per second, frames per second
and optimizer steps per second, so twenty tabs on two cores all keep moving. The training
work of every session runs in one worker thread (:data:`COMPUTE`), so the event loop keeps
serving the tabs while a frame is computed. One thread, not a pool: a training step of
these small nets is mostly Python holding the GIL, so a second thread would gain little,
and one queue lets a tab's own action go before other tabs' play-loop epochs.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import heapq
import itertools
import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np

from .config import validate_config
from .findings import WINDOW, epoch_record, live_findings
from .race import SURFACES, check_race, contours, run_race, stable_lr
from .script import python_script
from .trainer import Trainer, lr_preview

#: Per-session limits.
LIMITS = {
    "max_message_bytes": 16_384,
    "messages_per_second": 40,
    "frames_per_second": 30,
    "steps_per_second": 20_000,
    "max_epochs": 100_000,
}
#: The one thread that runs every session's netopt work.
COMPUTE = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="netopt-pg")
UNIT_RES = 16  # the per-unit heat maps of the network diagram
FINDINGS_EVERY = 5  # epochs between two runs of netopt.diagnose
RACE_RES = 200  # contour grid of the race panel
MESSAGE_TYPES = ("config", "play", "pause", "step", "reset", "script", "race")


class _Turns:
    """Hands out the compute thread one job at a time: answers to a tab's action (priority
    0) go before the play loops' epochs (priority 1), first come first served within a
    priority, so a setting change is not queued behind every other tab's frame."""

    def __init__(self) -> None:
        self.busy = False
        self.waiting: list[tuple[int, int, asyncio.Future]] = []
        self.order = itertools.count()

    async def run(self, priority: int, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        if self.busy:
            turn = loop.create_future()
            heapq.heappush(self.waiting, (priority, next(self.order), turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():  # handed the turn, then cancelled
                    self._release()
                raise
        self.busy = True
        try:
            return await loop.run_in_executor(COMPUTE, fn, *args)
        finally:
            self._release()

    def _release(self) -> None:
        while self.waiting:
            turn = heapq.heappop(self.waiting)[2]
            if not turn.done():
                turn.set_result(None)  # the thread passes straight to that job
                return
        self.busy = False


_TURNS = _Turns()


async def compute(fn: Callable[..., Any], *args: Any, priority: int = 0) -> Any:
    """Run ``fn(*args)`` in the compute thread when its turn comes, and wait for it."""
    return await _TURNS.run(priority, fn, *args)


def _finite(value: float) -> float | None:
    """A float for JSON, or None when it is not finite."""
    return value if math.isfinite(value) else None


class Session:
    """The state of one WebSocket connection.

    Parameters
    ----------
    send : async callable
        Sends one JSON-able dict to the browser.
    """

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.send = send
        self.trainer: Trainer | None = None
        self.playing = False
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.window_start = time.monotonic()
        self.window_count = 0
        self.loop_task: asyncio.Task | None = None
        self.records: list[dict[str, Any]] = []
        self.next_allowed = 0.0  # monotonic time before which this tab may not train

    def start(self) -> None:
        """Start the play loop (call from inside the event loop)."""
        self.loop_task = asyncio.create_task(self._play_loop())

    async def close(self) -> None:
        """Stop the play loop."""
        if self.loop_task is not None:
            self.loop_task.cancel()
            try:
                await self.loop_task
            except (asyncio.CancelledError, Exception):  # a send to a closed socket, say
                pass

    def _rate_ok(self) -> bool:
        """Count a message in the current one-second window; False when over the limit."""
        now = time.monotonic()
        if now - self.window_start >= 1.0:
            self.window_start, self.window_count = now, 0
        self.window_count += 1
        return self.window_count <= LIMITS["messages_per_second"]

    async def error(self, message: str) -> None:
        """Tell the browser what was wrong with its message."""
        await self.send({"type": "error", "message": message})

    async def handle(self, text: str) -> None:
        """Check and dispatch one message; errors are answered, never raised."""
        if not self._rate_ok():
            await self.error(
                f"too many messages: at most {LIMITS['messages_per_second']} per second"
            )
            return
        if len(text) > LIMITS["max_message_bytes"]:
            await self.error(
                f"message too large: {len(text)} bytes, at most {LIMITS['max_message_bytes']}"
            )
            return
        try:
            message = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            await self.error(f"message is not valid JSON: {exc}")
            return
        if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
            kind = message.get("type") if isinstance(message, dict) else None
            await self.error(
                f"unknown message type {kind!r}; expected one of {', '.join(MESSAGE_TYPES)}"
            )
            return
        try:
            await getattr(self, f"_on_{message['type']}")(message)
        except ValueError as exc:
            await self.error(str(exc))
        except (ArithmeticError, RuntimeError, TypeError) as exc:  # netopt refused the run
            self.playing = False
            await self.error(f"{type(exc).__name__}: {exc}")

    async def _on_config(self, message: dict[str, Any]) -> None:
        config = validate_config(message.get("config", {}))
        await self._rebuild(config)

    async def _rebuild(self, config: dict[str, Any]) -> None:
        async with self.lock:
            self.trainer, reset, frame = await compute(self._build, config)
        await self.send(reset)
        await self.send(frame)

    async def _on_reset(self, message: dict[str, Any]) -> None:
        if self.trainer is None:
            raise ValueError("send a config before reset")
        await self._rebuild(self.trainer.config)

    async def _on_play(self, message: dict[str, Any]) -> None:
        if self.trainer is None:
            raise ValueError("send a config before play")
        self.playing = True
        self.wake.set()

    async def _on_pause(self, message: dict[str, Any]) -> None:
        self.playing = False
        await self.send({"type": "paused"})

    async def _on_step(self, message: dict[str, Any]) -> None:
        if self.trainer is None:
            raise ValueError("send a config before step")
        self.playing = False
        await self._advance()

    async def _on_script(self, message: dict[str, Any]) -> None:
        if self.trainer is None:
            raise ValueError("send a config before script")
        async with self.lock:
            code = python_script(self.trainer.config, self.trainer.epoch)
            epoch = self.trainer.epoch
        await self.send({"type": "script", "code": code, "epochs": epoch})

    async def _on_race(self, message: dict[str, Any]) -> None:
        race = check_race(message)
        results, levels = await compute(
            lambda: (
                run_race(race),
                contours(race["surface"], tuple(race["eigenvalues"]), RACE_RES),
            )
        )
        _, box, minima, default_start = SURFACES[race["surface"]]
        quadratic = {"ravine": (0.2, 4.0), "quadratic": tuple(race["eigenvalues"])}
        lam = quadratic.get(race["surface"])
        await self.send(
            {
                "type": "race",
                "surface": race["surface"],
                "box": box,
                "minima": minima,
                "default_start": default_start,
                "start": race["start"],
                "res": RACE_RES,
                "contours": base64.b64encode(levels.tobytes()).decode("ascii"),
                "stable_lr": stable_lr(lam) if lam else None,
                "results": results,
            }
        )

    async def _advance(self, priority: int = 0) -> bool:
        """Train one epoch and send its frame; False when the run stopped (diverged or at
        the epoch limit)."""
        wait = self.next_allowed - time.monotonic()
        if wait > 0:  # the optimizer-step budget of this tab, for Step and Play alike
            await asyncio.sleep(wait)
        async with self.lock:
            trainer = self.trainer
            if trainer is None or trainer.epoch >= LIMITS["max_epochs"]:
                return False
            before = trainer.steps
            frame = await compute(self._epoch_frame, priority=priority)
            cost = (trainer.steps - before) / LIMITS["steps_per_second"]
        self.next_allowed = max(time.monotonic(), self.next_allowed) + cost
        await self.send(frame)
        return not frame["diverged"]

    async def _play_loop(self) -> None:
        """While playing: an epoch, a frame, then wait out the frame and step budgets."""
        while True:
            if not self.playing:
                self.wake.clear()
                await self.wake.wait()
                continue
            began = time.monotonic()
            try:
                going = await self._advance(priority=1)
            except (ArithmeticError, RuntimeError, TypeError) as exc:
                await self.error(f"{type(exc).__name__}: {exc}")
                going = False
            if not going:
                self.playing = False
                await self.send({"type": "paused"})
                continue
            frame_time = 1.0 / LIMITS["frames_per_second"]
            await asyncio.sleep(max(0.0, frame_time - (time.monotonic() - began)))

    def _build(self, config: dict[str, Any]) -> tuple[Trainer, dict, dict]:
        """A new run, its reset message and its first frame (one compute job)."""
        self.trainer = Trainer(config)
        return self.trainer, self._reset_message(), self._frame()

    def _epoch_frame(self) -> dict[str, Any]:
        """One epoch, then its frame (one job for the compute thread)."""
        self.trainer.train_epoch()
        return self._frame()

    def _reset_message(self) -> dict[str, Any]:
        """The data points and the schedule preview of a freshly built run."""
        t = self.trainer
        points = {
            part: {"xy": np.round(xy, 4).tolist(), "y": np.round(y, 4).tolist()}
            for part, (xy, y) in t.points.items()
        }
        return {
            "type": "reset",
            "config": t.config,
            "points": points,
            "classify": t.classify,
            "lr_preview": lr_preview(t.config),
        }

    def _frame(self) -> dict[str, Any]:
        """The current state: losses, the output grid, gradient norms, saturation, unit
        maps, and (every :data:`FINDINGS_EVERY` epochs) ``netopt.diagnose``'s findings."""
        t = self.trainer
        train, test = t.losses
        diverged = not (math.isfinite(train) and math.isfinite(test))
        probe = t.probe()
        scores = t.scores()
        if t.epoch >= 1 and (not self.records or self.records[-1]["epoch"] < t.epoch):
            self.records.append(epoch_record(t.epoch, t.losses, scores, probe, t.classify))
            del self.records[:-WINDOW]
        elif t.epoch == 0:
            self.records = []
        frame = {
            "type": "frame",
            "epoch": t.epoch,
            "steps": t.steps,
            "train_loss": _finite(train),
            "test_loss": _finite(test),
            "diverged": diverged,
            "scores": [_finite(v) for v in scores],
            "lr": float(t.optimizer.param_groups[0]["lr"]),
            "lr_history": t.lr_history[-1:],
            "res": t.config["grid"],
            "grid": base64.b64encode(t.surface().tobytes()).decode("ascii"),
            "units": t.unit_maps(UNIT_RES),
            "unit_res": UNIT_RES,
            "grad_norms": probe["grad_norms"],
            "saturation": probe["saturation"],
            "weights": probe["weights"],
        }
        if diverged or t.epoch % FINDINGS_EVERY == 0:
            frame["findings"] = live_findings(self.records, t.classify)
        return frame
