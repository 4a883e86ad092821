"""The playground's speed: frames per second, change-to-frame latency, and 20 tabs at once.

    python benchmarks/playground_bench.py [--quick]

1. **Frames per second, one core, in process**: a 2-[8,8]-1 tanh net on 500 training
   points (batch 10, so 50 optimizer steps a frame) with a 100x100 output grid: one frame is
   one epoch of training plus everything the page is sent (grid, gradient norms,
   saturation, weights), JSON-encoded. BLAS pinned to one thread, the process to one CPU.
2. **Through the WebSocket**: a real server (``netopt playground``, pinned to one CPU) and
   one client: frames per second delivered while playing (the server caps a tab at 30),
   and the latency from sending a changed setting to receiving the first frame of the new
   run (median and 95th percentile of 40 changes).
3. **Load**: 20 tabs connect at once and play for a bounded time (``--seconds``, default
   10); frames per tab, and the latency of a setting change made in one tab meanwhile.

Timings, not verdicts: nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

BENCH = {"hidden": [8, 8], "n": 1000, "train_ratio": 0.5, "batch": 10, "grid": 100}


def in_process_fps(frames: int) -> float:
    """Frames per second of the frame pipeline in this process, on one core."""
    from threadpoolctl import threadpool_limits

    from netopt.playground.config import validate_config
    from netopt.playground.session import Session

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    session = Session(send=None)
    with threadpool_limits(1):
        from netopt.playground.trainer import Trainer

        session.trainer = Trainer(validate_config(BENCH))
        json.dumps(session._frame())  # warm up
        start = time.perf_counter()
        for _ in range(frames):
            session.trainer.train_epoch()
            json.dumps(session._frame(), allow_nan=False)
        return frames / (time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, int]:
    """``netopt playground`` on a free port, pinned to one CPU, one BLAS thread."""
    port = _free_port()
    cpu = min(os.sched_getaffinity(0))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "netopt", "playground", "--no-browser", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _frames(ws, until_epoch=None, count=None):
    """Read messages until a frame satisfies the condition; return it."""
    seen = 0
    while True:
        msg = json.loads(ws.recv(timeout=120))
        if msg["type"] != "frame":
            continue
        seen += 1
        if until_epoch is not None and msg["epoch"] >= until_epoch:
            return msg
        if count is not None and seen >= count:
            return msg


def _drain(ws) -> None:
    """Read whatever the server still had in flight (frames of a paused play loop)."""
    try:
        while True:
            ws.recv(timeout=0.5)
    except TimeoutError:
        pass


def websocket_numbers(port: int, frames: int, changes: int) -> dict:
    """Delivered frames per second while playing, and change -> first-frame latency."""
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{port}/ws", max_size=2**22) as ws:
        ws.send(json.dumps({"type": "config", "config": BENCH}))
        _frames(ws, count=1)
        ws.send(json.dumps({"type": "play"}))
        _frames(ws, count=3)
        start = time.perf_counter()
        _frames(ws, count=frames)
        fps = frames / (time.perf_counter() - start)
        ws.send(json.dumps({"type": "pause"}))
        _drain(ws)
        latencies = []
        for k in range(changes):
            config = {**BENCH, "lr": 0.01 + 0.001 * k}
            t0 = time.perf_counter()
            ws.send(json.dumps({"type": "config", "config": config}))
            while json.loads(ws.recv(timeout=120))["type"] != "reset":
                pass
            _frames(ws, count=1)  # the first frame of the new run
            latencies.append(1000 * (time.perf_counter() - t0))
            time.sleep(0.1)  # a person's pace, and under the 40 messages/s limit
    return {"fps": fps, "latency_ms": latencies}


def load_test(port: int, tabs: int, seconds: float) -> dict:
    """``tabs`` sessions play for ``seconds``; one more measures change latency meanwhile."""
    from websockets.sync.client import connect

    counts: dict[int, int] = {}
    errors: list[str] = []
    stop = threading.Event()

    def tab(k: int) -> None:
        try:
            with connect(f"ws://127.0.0.1:{port}/ws", max_size=2**22) as ws:
                ws.send(json.dumps({"type": "config", "config": {"seed": k, "grid": 50}}))
                ws.send(json.dumps({"type": "play"}))
                counts[k] = 0
                while not stop.is_set():
                    if json.loads(ws.recv(timeout=60))["type"] == "frame":
                        counts[k] += 1
                ws.send(json.dumps({"type": "pause"}))
        except Exception as exc:  # counted and shown, not raised
            errors.append(f"tab {k}: {exc!r}")

    threads = [threading.Thread(target=tab, args=(k,), daemon=True) for k in range(tabs)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    latencies = websocket_numbers(port, frames=5, changes=10)["latency_ms"]
    time.sleep(max(0.0, seconds - 1.0))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    per_tab = [counts.get(k, 0) / seconds for k in range(tabs)]
    return {"per_tab_fps": per_tab, "errors": errors, "latency_ms": latencies}


def main() -> int:
    """Run the three measurements and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and changes")
    parser.add_argument("--seconds", type=float, default=10.0, help="load-test duration")
    args = parser.parse_args()
    frames = 40 if args.quick else 200
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(
        f"1. in process, one core: {in_process_fps(frames):.1f} frames/s "
        "(2-[8,8]-1, 500 training points, batch 10, 100x100 grid)"
    )
    proc, port = start_server()
    try:
        ws = websocket_numbers(port, frames=frames // 2, changes=10 if args.quick else 40)
        lat = sorted(ws["latency_ms"])
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(
            f"2. through the WebSocket: {ws['fps']:.1f} frames/s delivered (cap 30); "
            f"setting change -> first new frame: median {statistics.median(lat):.1f} ms, "
            f"p95 {p95:.1f} ms, max {lat[-1]:.1f} ms"
        )
        load = load_test(port, tabs=20, seconds=args.seconds)
        fps = load["per_tab_fps"]
        lat = sorted(load["latency_ms"])
        print(
            f"3. 20 tabs for {args.seconds:.0f} s (50x50 grids): per tab min "
            f"{min(fps):.1f}, median {statistics.median(fps):.1f} frames/s, total "
            f"{sum(fps):.0f} frames/s; a 21st tab's change -> frame: median "
            f"{statistics.median(lat):.0f} ms, max {lat[-1]:.0f} ms; errors: "
            f"{len(load['errors'])}"
        )
        for line in load["errors"][:5]:
            print("   ", line)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
