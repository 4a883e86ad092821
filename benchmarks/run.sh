#!/bin/sh
# Run netopt's benchmarks with the OpenBLAS kernel overrides removed for this command only.
# Usage: benchmarks/run.sh [--quick] [--threads N] [--only NAME,...] [--json FILE]
# (PYTHON=... picks the interpreter; default: the repository's .venv, else python3.)
here=$(dirname "$0")
python=${PYTHON:-"$here/../.venv/bin/python"}
[ -x "$python" ] || python=python3
was=""
for name in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    if eval "[ -n \"\${$name+set}\" ]"; then
        was="${was:+$was, }$name=$(eval "printf %s \"\$$name\"")"
    fi
done
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE NETOPT_BENCH_UNSET="$was" \
    "$python" "$here/run.py" "$@"
