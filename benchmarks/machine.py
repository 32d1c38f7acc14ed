"""The machine a benchmark ran on, in one line: results mean little without it."""

from __future__ import annotations

import os
import platform


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{_cpu_model()} · {os.cpu_count()} cores · {mem_gib:.0f} GiB · "
        f"{platform.system()} {platform.release()} · Python {platform.python_version()}"
    )
