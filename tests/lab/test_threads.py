"""The lab's one BLAS-thread limit (netopt.lab._threads)."""

import pytest

from netopt.lab._threads import blas_thread_limit


def test_none_leaves_the_threads_alone():
    with blas_thread_limit(None) as what:
        assert what == "BLAS threads unchanged"


def test_one_thread_inside_the_block_only():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    with blas_thread_limit(1) as what:
        inside = threadpoolctl.threadpool_info()
        assert what == "1 BLAS thread"
        assert all(p["num_threads"] == 1 for p in inside if p["user_api"] == "blas")
    after = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    assert after == before
