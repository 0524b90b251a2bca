"""Same seed, same numbers on every CPU: the reference runs under simulated CPUs.

Each setting of ``benchmarks/simulated_cpus.py`` makes a library run the code it would run on
another CPU (numpy without its AVX-512 or AVX2 paths, numba's passes compiled for a generic
x86-64, glibc's libm without its FMA variants, OpenBLAS with other kernels, all at once). The
reference runs under each must give the fingerprints they give on this machine as it is. A
setting the host cannot apply is skipped with its reason, never passed.

Before sim.detmath (c8edf11), numpy without AVX-512 and OpenBLAS with Haswell's kernels each
changed all three fingerprints on this project's AVX-512 machine.

The settings run in subprocesses, two at a time, once per test session (shared between
pytest-xdist's workers); about a minute on two cores, most of it numba compiling the passes
afresh for the generic CPU.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _harness():
    spec = importlib.util.spec_from_file_location(
        "simulated_cpus", ROOT / "benchmarks" / "simulated_cpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


harness = _harness()
SETTINGS = harness.settings()
#: The settings compared with the host (the host's own run is what they are compared with).
SIMULATED = [s for s in SETTINGS if s.name != "host"]


def _run_all() -> dict:
    outcomes = harness.run_all(SETTINGS)
    return {name: dataclasses.asdict(o) for name, o in outcomes.items()}


@pytest.fixture(scope="session")
def outcomes(request, tmp_path_factory) -> dict:
    """Every setting's outcome, computed once per session even under pytest-xdist."""
    if not hasattr(request.config, "workerinput"):  # one process: nothing to share
        return _run_all()
    import fcntl  # POSIX; the settings simulate Linux x86 machines anyway

    shared = tmp_path_factory.getbasetemp().parent  # the session's, common to its workers
    result = shared / "simulated_cpus.json"
    with open(shared / "simulated_cpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait, leaving the cores to it
        if not result.exists():
            result.write_text(json.dumps(_run_all()), encoding="utf-8")
    return json.loads(result.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def host(outcomes) -> dict[str, str]:
    own = outcomes["host"]
    assert not own["error"], f"the reference runs failed on the host itself:\n{own['error']}"
    return own["fingerprints"]


@pytest.mark.parametrize("setting", SIMULATED, ids=[s.name for s in SIMULATED])
def test_reference_runs_do_not_depend_on_the_cpu(setting, outcomes, host):
    outcome = outcomes[setting.name]
    if outcome["skipped"]:
        pytest.skip(f"{setting.name} ({setting.what}) not applied: {outcome['skipped']}")
    assert not outcome["error"], f"{setting.name} failed:\n{outcome['error']}"
    differ = sorted(run for run, fp in outcome["fingerprints"].items() if host.get(run) != fp)
    env = " ".join(f"{k}={v!r}" for k, v in setting.env.items())
    assert not differ, (
        f"under {setting.name} ({setting.what}; {env}) the runs {', '.join(differ)} differ "
        "from this machine's: some floating-point result depends on the CPU. Compute it with "
        "sim.detmath (functions) or in a fixed order (sums), never with numpy's ufuncs, "
        "libm or BLAS"
    )


def test_compiled_passes_call_no_libm_and_fuse_nothing(outcomes):
    """The model's compiled code, built afresh, calls no exp/log/pow... and has no fast math."""
    outcome = outcomes["numba-generic"]
    if outcome["skipped"] or outcome["error"]:
        pytest.skip(
            "the fresh compile (numba-generic) did not run: "
            + (outcome["skipped"] or "it failed, see its own test")
        )
    assert outcome["compiled_math"] == [], (
        "the model's compiled passes compute with libm or fast math, whose results depend on "
        "the CPU; use sim.detmath:\n" + "\n".join(outcome["compiled_math"])
    )


def test_the_settings_cover_every_dispatch_level():
    """One numpy setting per dispatch level above the baseline, applied or skipped."""
    levels, found = harness.numpy_levels()
    numpy_settings = {s.name: s for s in SETTINGS if s.name.startswith("numpy-")}
    assert set(numpy_settings) == {f"numpy-without-{level}" for level in levels}
    for level in levels:
        setting = numpy_settings[f"numpy-without-{level}"]
        assert bool(setting.skip) != bool(found.get(level)), setting


# -- the same, read from the source: quick, and names the line ----------------------------------

#: Functions whose last bit depends on the CPU or the library's dispatch: numpy's ufuncs and
#: libm's (math) transcendental functions, and BLAS.
CPU_DEPENDENT = {
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "power",
    "float_power",
    "pow",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "asinh",
    "acosh",
    "atanh",
    "hypot",
    "cbrt",
    "erf",
    "erfc",
    "gamma",
    "lgamma",
    "logaddexp",
    "logaddexp2",
    "sinc",
    "dot",
    "vdot",
    "matmul",
    "inner",
    "einsum",
    "tensordot",
    "linalg",
}
#: The model's generator may only be asked for uniforms and integers (integer arithmetic);
#: its other distributions call libm (use sim.variates).
RNG_ALLOWED = {
    "random",
    "integers",
    "permutation",
    "permuted",
    "shuffle",
    "choice",
    "spawn",
    "bytes",
    "bit_generator",
}


def _model_files() -> list[Path]:
    studies = ("experiments", "sweeps", "ema", "validation", "costs", "ui")
    return [
        p
        for p in sorted((ROOT / "sim").rglob("*.py"))
        if p.relative_to(ROOT / "sim").parts[0].removesuffix(".py") not in studies
        and p.name != "__main__.py"
    ]


def _is_compiled(node) -> bool:
    return any(
        "njit" in ast.unparse(d) or "jit" in ast.unparse(d).split("(")[0]
        for d in getattr(node, "decorator_list", [])
    )


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    """The CPU-dependent operations in a source file, as 'file:line what: instead'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    compiled = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and _is_compiled(node):
            compiled.update(id(n) for n in ast.walk(node))
    where = path.relative_to(root)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("np", "numpy", "math")
            and node.attr in CPU_DEPENDENT
        ):
            found.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}: use sim.detmath")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = ast.unparse(node.func.value)
            if node.func.attr == "dot":
                found.append(f"{where}:{node.lineno} .dot(): BLAS; sum in a fixed order")
            if receiver.endswith("rng") and node.func.attr not in RNG_ALLOWED:
                found.append(
                    f"{where}:{node.lineno} {receiver}.{node.func.attr}(): use sim.variates"
                )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            found.append(f"{where}:{node.lineno} @: BLAS; sum in a fixed order")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            whole = isinstance(node.right, ast.Constant) and type(node.right.value) is int
            both_whole = (
                whole and isinstance(node.left, ast.Constant) and type(node.left.value) is int
            )
            # Compiled code multiplies for a whole-number power; Python's float ** calls pow.
            if not (both_whole or (whole and id(node) in compiled)):
                found.append(
                    f"{where}:{node.lineno} {ast.unparse(node)}: ** calls libm's pow; multiply"
                )
    return found


def test_model_code_uses_no_cpu_dependent_math():
    problems = [p for path in _model_files() for p in _problems(path)]
    assert problems == [], "\n".join(problems)


def test_the_source_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import numpy as np\n\ndef f(x, rng):\n"
        "    return np.exp(x) + x.dot(x) + rng.normal() + x ** 0.5\n"
    )
    assert len(_problems(bad, tmp_path)) == 4
