"""The allocator setting that keeps freed memory for reuse (sim.memory)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHECK = "import sim.memory as m; print(m.retain_freed_memory(), m.retain_freed_memory())"


def _run(**env: str) -> str:
    full = {k: v for k, v in os.environ.items() if k != "MSE_SIM_SYSTEM_MALLOC"} | env
    return subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, env=full, check=True
    ).stdout.split()


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's"
)
def test_glibc_keeps_freed_memory_once_per_process():
    assert _run() == ["True", "True"]


def test_the_environment_variable_leaves_malloc_alone():
    assert _run(MSE_SIM_SYSTEM_MALLOC="1") == ["False", "False"]
