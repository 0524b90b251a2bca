"""Simulate other CPUs on this one: the reference runs under settings that change machine code.

The model promises the same numbers for the same seed on every CPU (README, Reproducibility).
One machine can imitate others by changing which code its libraries pick for its CPU:

* ``NPY_DISABLE_CPU_FEATURES``: numpy's ufuncs and sorts as on a CPU without AVX-512 or AVX2
  (one setting for each dispatch level the host has above numpy's baseline);
* ``NUMBA_CPU_NAME=generic`` with an empty ``NUMBA_CACHE_DIR``: the model's compiled passes
  rebuilt for a generic x86-64, without FMA, AVX or anything newer;
* ``GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F``: glibc's libm (``exp``, ``log``,
  ``pow``, ``sin``...) takes its plain SSE2 variants instead of its FMA ones;
* ``OPENBLAS_CORETYPE``: numpy's OpenBLAS uses another CPU's kernels (an AVX2 Haswell's, an
  SSE3 Prescott's);
* all of these at once but numba's, as on an old CPU.

Each setting runs ``benchmarks/reference_runs.py``'s runs in a fresh subprocess, and reports
what it observed of the setting (numpy's CPU features, numba's target, OpenBLAS's kernels),
so that a setting the host ignores is reported as not applied, with the reason, never as
passed. ``python benchmarks/simulated_cpus.py`` prints a table; ``tests/reference/
test_cpu_independence.py`` asserts that every applied setting gives the host's fingerprints.

The numba setting, which compiles everything afresh, also lists every call to a libm
function (exp, log, pow...) and every fused or fast-math floating-point instruction in the
model's compiled code: there must be none (``sim.detmath`` replaces them).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import importlib
import json
import os
import pkgutil
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Environment variables that change which machine code a library runs; each subprocess
#: starts without any of them, then gets its setting's.
CPU_VARIABLES = (
    "NPY_DISABLE_CPU_FEATURES",
    "NPY_ENABLE_CPU_FEATURES",
    "NUMBA_CPU_NAME",
    "NUMBA_CPU_FEATURES",
    "NUMBA_CACHE_DIR",
    "GLIBC_TUNABLES",
    "OPENBLAS_CORETYPE",
    "MKL_ENABLE_INSTRUCTIONS",
)

#: glibc's names (2.33 and later, x86) of the CPU features its libm variants need.
GLIBC_HIDDEN = "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F"

#: OpenBLAS kernel sets to try: an AVX2 machine's and an SSE3 one's.
OPENBLAS_CORES = ("Haswell", "Prescott")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One simulated CPU.

    Attributes:
        name: Short id (the test's parameter).
        what: What it imitates, in words.
        env: Environment variables to set.
        skip: Why the host cannot apply it ('' when it can).
        numpy_off: numpy CPU features the subprocess must report as off.
        numba_cpu: The CPU name numba must report compiling for ('' = any).
        openblas: The host's own OpenBLAS kernel set, which the subprocess must report
            changed ('' = not checked). (OpenBLAS may map a requested set to a close one:
            Prescott to Katmai, say.)
        fresh_numba_cache: Compile the model's passes afresh, in an empty cache.
    """

    name: str
    what: str
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    skip: str = ""
    numpy_off: tuple[str, ...] = ()
    numba_cpu: str = ""
    openblas: str = ""
    fresh_numba_cache: bool = False


@dataclasses.dataclass
class Outcome:
    """What a setting's subprocess gave.

    Attributes:
        setting: The setting.
        fingerprints: Run name -> fingerprint (empty when skipped or failed).
        skipped: Why the setting was not applied ('' when it was).
        error: The subprocess's error output when it failed ('' when it did not).
        compiled_math: Libm calls and fused or fast-math instructions found in the model's
            compiled code (only for a fresh numba cache).
    """

    setting: Setting
    fingerprints: dict[str, str] = dataclasses.field(default_factory=dict)
    skipped: str = ""
    error: str = ""
    compiled_math: list[str] = dataclasses.field(default_factory=list)


# -- what the host has -------------------------------------------------------------------------


def numpy_levels() -> tuple[list[str], dict[str, bool]]:
    """numpy's dispatch targets above its baseline, lowest first, and which the host has."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # numpy 1.x
        from numpy.core import _multiarray_umath as umath
    return list(umath.__cpu_dispatch__), {k: bool(v) for k, v in umath.__cpu_features__.items()}


def openblas_core() -> tuple[str, str]:
    """numpy's OpenBLAS kernel set, or ('', why it cannot be told)."""
    try:
        import threadpoolctl
    except ImportError:
        return "", "threadpoolctl is not installed, so OpenBLAS's kernel set cannot be read"
    import numpy  # noqa: F401  (loads numpy's BLAS so that threadpoolctl sees it)

    for info in threadpoolctl.threadpool_info():
        if info.get("internal_api") == "openblas" and "numpy" in info.get("filepath", ""):
            return str(info.get("architecture") or ""), ""
    return "", "numpy does not use OpenBLAS here"


def _loader() -> str:
    """The dynamic loader (ld.so) of this Python, or ''."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split()[-1]
                if re.search(r"/ld-linux[^/]*\.so", path):
                    return path
    except OSError:
        pass
    return ""


def _glibc_features(loader: str, env: dict[str, str]) -> list[str] | None:
    run = subprocess.run(
        [loader, "--list-diagnostics"], capture_output=True, text=True, env=env, check=False
    )
    if run.returncode != 0:
        return None
    return [
        line
        for line in run.stdout.splitlines()
        if line.startswith("x86.cpu_features.features[") and ".active[" in line
    ]


def glibc_skip_reason() -> str:
    """Why glibc's libm variants cannot be switched here ('' when they can and it shows)."""
    libc, libc_version = platform.libc_ver()
    if libc != "glibc":
        return f"the C library is not glibc ({libc or 'unknown'}); its libm has no such variants"
    if platform.machine() not in ("x86_64", "AMD64"):
        return f"glibc's FMA/AVX2 libm variants are x86's; this is {platform.machine()}"
    loader = _loader()
    if not loader:
        return "the dynamic loader could not be found to check the tunable"
    base = {k: v for k, v in os.environ.items() if k not in CPU_VARIABLES}
    before = _glibc_features(loader, base)
    if before is None:
        return (
            f"glibc {libc_version} cannot list its CPU features (ld.so --list-diagnostics "
            "needs 2.33), so whether it applied the tunable cannot be checked"
        )
    after = _glibc_features(loader, {**base, "GLIBC_TUNABLES": GLIBC_HIDDEN})
    if after == before:
        return (
            f"GLIBC_TUNABLES={GLIBC_HIDDEN} changed nothing in glibc {libc_version}: the host "
            "has none of FMA, AVX2, AVX-512, so libm already runs its plain variants"
        )
    return ""


# -- the settings ------------------------------------------------------------------------------


def settings() -> list[Setting]:
    """Every simulated CPU for this host, with a reason for each that cannot be applied."""
    out = [Setting("host", "this machine as it is")]
    levels, found = numpy_levels()
    present = [level for level in levels if found.get(level)]
    for i, level in enumerate(levels):
        name = f"numpy-without-{level}"
        if not found.get(level):
            out.append(
                Setting(
                    name,
                    f"numpy on a CPU without {level}",
                    skip=(
                        f"the host has no {level}: numpy never runs its {level} code here (a machine "
                        "with it runs that code natively; the lower levels are simulated)"
                    ),
                )
            )
            continue
        off = tuple(x for x in levels[i:] if found.get(x))
        out.append(
            Setting(
                name,
                f"numpy on a CPU without {level} (and anything above)",
                env={"NPY_DISABLE_CPU_FEATURES": " ".join(off)},
                numpy_off=off,
            )
        )
    out.append(
        Setting(
            "numba-generic",
            "the compiled passes built for a generic x86-64",
            env={"NUMBA_CPU_NAME": "generic"},
            numba_cpu="generic",
            fresh_numba_cache=True,
        )
    )
    glibc_skip = glibc_skip_reason()
    out.append(
        Setting(
            "glibc-without-fma-avx2",
            "glibc's libm on a CPU without FMA and AVX2",
            env={"GLIBC_TUNABLES": GLIBC_HIDDEN},
            skip=glibc_skip,
        )
    )
    core, why = openblas_core()
    for wanted in OPENBLAS_CORES:
        skip = why or (
            f"the host's OpenBLAS already uses {core} kernels"
            if core.lower() == wanted.lower()
            else ""
        )
        out.append(
            Setting(
                f"openblas-{wanted.lower()}",
                f"OpenBLAS's {wanted} kernels",
                env={"OPENBLAS_CORETYPE": wanted},
                skip=skip,
                openblas=core,
            )
        )
    oldest = {"GLIBC_TUNABLES": GLIBC_HIDDEN} if not glibc_skip else {}
    if present:
        oldest["NPY_DISABLE_CPU_FEATURES"] = " ".join(present)
    if not why:
        oldest["OPENBLAS_CORETYPE"] = OPENBLAS_CORES[-1]
    out.append(
        Setting(
            "oldest",
            "all of the above at once but numba's: an old x86-64",
            env=oldest,
            numpy_off=tuple(present),
            openblas=core if not why else "",
            skip="" if oldest else "none of the settings applies on this host",
        )
    )
    return out


# -- running one setting -----------------------------------------------------------------------

# The subprocess: observe the setting, run the reference runs, print one JSON line.
_CHILD = r"""
import importlib.util, json, sys
sys.path.insert(0, {bench!r})
import simulated_cpus as harness
import reference_runs
report = {{"observed": harness.observe()}}
report["fingerprints"] = reference_runs.fingerprints({steps})
if {scan}:
    report["compiled_math"] = harness.compiled_math()
print("RESULT " + json.dumps(report))
"""


def observe() -> dict:
    """What this process sees of the CPU settings (called in the subprocess)."""
    import llvmlite.binding
    import numba

    _, found = numpy_levels()
    core, _why = openblas_core()
    return {
        "numpy": found,
        "openblas": core,
        "numba_cpu": numba.config.CPU_NAME or llvmlite.binding.get_host_cpu_name(),
    }


#: Callees in compiled code whose results may depend on the CPU or the C library: libm's
#: transcendental functions, as plain calls or LLVM intrinsics, and fused multiply-adds.
_LIBM = re.compile(
    r'^"?(?:llvm\.)?(?:exp|exp2|exp10|expm1|log|log2|log10|log1p|pow|powi|sin|cos|tan|sincos|'
    r"asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|erf|erfc|lgamma|tgamma|cbrt|"
    r'hypot|fma|fmuladd)(?:f|l|\.[\w.]+)?"?$|^"?numba_(?:gamma|lgamma|erf|erfc)'
)
#: Floating-point instructions with fast-math flags (numba's ``fastmath``).
_FAST = re.compile(
    r"\b(?:fadd|fsub|fmul|fdiv|frem|fneg|fcmp|call)\s+"
    r"(?:fast|reassoc|nnan|ninf|nsz|arcp|contract|afn)\b"
)
_CALL = re.compile(r'(?:call|invoke)[^@\n]*@("?[\w.$]+"?)\(')


def model_modules() -> list[str]:
    """The model layer's modules (what decides results), as in tests/test_layers.py."""
    import sim

    studies = (
        "sim.experiments",
        "sim.sweeps",
        "sim.ema",
        "sim.validation",
        "sim.costs",
        "sim.ui",
        "sim.__main__",
    )
    return [
        m.name
        for m in pkgutil.walk_packages(sim.__path__, "sim.")
        if not any(m.name == s or m.name.startswith(s + ".") for s in studies)
    ]


def compiled_math() -> list[str]:
    """Libm calls and fast-math instructions in the model's compiled passes (as compiled now).

    Only functions compiled in this process have their LLVM IR at hand, so this is called
    after a run in an empty numba cache.
    """
    from numba.core.registry import CPUDispatcher

    found = set()
    for name in model_modules():
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if not isinstance(obj, CPUDispatcher) or obj.py_func.__module__ != name:
                continue
            for ir_text in obj.inspect_llvm().values():
                for callee in _CALL.findall(ir_text):
                    if _LIBM.match(callee):
                        found.add(f"{name}.{attr} calls {callee.strip(chr(34))}")
                for flag in _FAST.findall(ir_text):
                    found.add(f"{name}.{attr} has a fast-math instruction: {flag}")
    return sorted(found)


def run_setting(setting: Setting, steps: int = 120, timeout: float = 900.0) -> Outcome:
    """Run the reference runs under one setting, in a subprocess."""
    outcome = Outcome(setting)
    if setting.skip:
        outcome.skipped = setting.skip
        return outcome
    env = {k: v for k, v in os.environ.items() if k not in CPU_VARIABLES}
    env.update(setting.env)
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        if setting.fresh_numba_cache:
            env["NUMBA_CACHE_DIR"] = cache
        code = _CHILD.format(
            bench=str(ROOT / "benchmarks"), steps=int(steps), scan=setting.fresh_numba_cache
        )
        try:
            run = subprocess.run(
                [sys.executable, "-c", code],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            outcome.error = f"timed out after {timeout:.0f} s"
            return outcome
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    if run.returncode != 0 or not lines:
        outcome.error = (run.stderr or run.stdout)[-3000:]
        return outcome
    report = json.loads(lines[-1][len("RESULT ") :])
    seen = report["observed"]
    still_on = [f for f in setting.numpy_off if seen["numpy"].get(f)]
    if still_on:
        outcome.skipped = f"numpy ignored NPY_DISABLE_CPU_FEATURES: {', '.join(still_on)} still on"
    elif setting.numba_cpu and seen["numba_cpu"] != setting.numba_cpu:
        outcome.skipped = f"numba compiled for {seen['numba_cpu']}, not {setting.numba_cpu}"
    elif setting.openblas and seen["openblas"].lower() == setting.openblas.lower():
        outcome.skipped = (
            f"OpenBLAS kept the host's {setting.openblas} kernels "
            f"(OPENBLAS_CORETYPE={setting.env.get('OPENBLAS_CORETYPE')} not "
            "applied)"
        )
    if not outcome.skipped:
        outcome.fingerprints = report["fingerprints"]
        outcome.compiled_math = report.get("compiled_math", [])
    return outcome


def run_all(
    chosen: list[Setting],
    steps: int = 120,
    jobs: int | None = None,
) -> dict[str, Outcome]:
    """Run several settings, ``jobs`` at a time (the longest, a fresh compile, first)."""
    jobs = jobs or max(1, min(len(chosen), os.cpu_count() or 1))
    order = sorted(chosen, key=lambda s: not s.fresh_numba_cache)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {s.name: pool.submit(run_setting, s, steps) for s in order}
    return {s.name: futures[s.name].result() for s in chosen}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=120, help="months per reference run")
    parser.add_argument("--jobs", type=int, default=None, help="settings run at once")
    parser.add_argument("--only", nargs="*", default=None, help="setting names to run")
    args = parser.parse_args()
    chosen = [s for s in settings() if args.only is None or s.name in args.only or s.name == "host"]
    outcomes = run_all(chosen, args.steps, args.jobs)
    host = outcomes["host"].fingerprints
    same = True
    for name, o in outcomes.items():
        if o.skipped:
            print(f"{name:<28} skipped: {o.skipped}")
            continue
        if o.error:
            same = False
            print(f"{name:<28} FAILED: {o.error.strip().splitlines()[-1]}")
            continue
        differ = [run for run, fp in o.fingerprints.items() if host.get(run) != fp]
        same &= not differ and not o.compiled_math
        verdict = f"DIFFERENT ({', '.join(differ)})" if differ else "identical to host"
        print(f"{name:<28} {verdict:<40} {' '.join(fp[:10] for fp in o.fingerprints.values())}")
        for line in o.compiled_math:
            print(f"{'':<28} {line}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
