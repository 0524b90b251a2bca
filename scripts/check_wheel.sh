#!/usr/bin/env bash
# Install the package as a user would and run it: build a wheel, install it WITHOUT extras into a
# fresh virtual environment, and run the CLI and `import sim` from a folder outside the checkout.
# Catches what an editable install hides: undeclared dependencies, data found through the source
# tree instead of as package data, optional extras imported where they are not needed.
# Usage: scripts/check_wheel.sh [PYTHON | --all]   (default python3; --all: every supported one)
set -euo pipefail

# --- every supported Python (issue 24) ------------------------------------------------------
# `check_wheel.sh --all` runs the whole check once per supported version (3.12, 3.13) that is
# installed, whether on PATH or under pyenv, and fails if any run fails or none is found.
if [ "${1:-}" = "--all" ]; then
  ran=()
  for v in 3.12 3.13; do
    py=""
    for candidate in "python$v" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/"python$v"; do
      if "$candidate" -c 'import sys' >/dev/null 2>&1; then py=$candidate; break; fi
    done
    if [ -z "$py" ]; then echo "check-wheel: Python $v not found, skipped"; continue; fi
    echo "check-wheel: === Python $v ($py)"
    bash "$0" "$py"
    ran+=("$v")
  done
  [ ${#ran[@]} -gt 0 ] || { echo "check-wheel: no supported Python found" >&2; exit 1; }
  echo "check-wheel: passed on Python ${ran[*]}"
  exit 0
fi
# ---------------------------------------------------------------------------------------------

python=${1:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "check-wheel: building the wheel"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$root"
wheel=$(ls "$work"/dist/mse_upgrading-*.whl)
echo "check-wheel: $(basename "$wheel")"
listing=$("$python" -m zipfile -l "$wheel")
for needed in sim/data/experiments/guidelines.toml sim/data/experiments/costs.toml \
              sim/data/scenarios/baseline.toml sim/data/targets/kenya-avocados.toml \
              sim/data/locale/es/LC_MESSAGES/mse_sim.mo sim/ui/cli/__init__.py \
              sim/data/posterior/pooled.csv sim/data/posterior/pooled.json \
              sim/data/precompile.json; do
  grep -q "^$needed " <<<"$listing" \
    || { echo "check-wheel: $needed is missing from the wheel" >&2; exit 1; }
done
# The data in the wheel is the repository's top-level folders (setup.py maps them into sim/data/),
# file for file; the checkout keeps no second copy under sim/data/.
"$python" -m zipfile -e "$wheel" "$work/unpacked"
for folder in scenarios targets experiments; do
  test ! -e "$root/sim/data/$folder" \
    || { echo "check-wheel: sim/data/$folder/ is a second copy of $folder/" >&2; exit 1; }
done
shipped=(experiments/guidelines.toml experiments/costs.toml)
for file in "$root"/scenarios/*.toml "$root"/targets/*.toml; do
  shipped+=("${file#"$root"/}")
done
for file in "${shipped[@]}"; do
  cmp -s "$root/$file" "$work/unpacked/sim/data/$file" \
    || { echo "check-wheel: sim/data/$file in the wheel is not the top-level $file" >&2; exit 1; }
done
for folder in scenarios targets; do
  in_wheel=$(ls "$work/unpacked/sim/data/$folder" | wc -l)
  in_repo=$(ls "$root/$folder"/*.toml | wc -l)
  [ "$in_wheel" = "$in_repo" ] \
    || { echo "check-wheel: $folder/ has $in_repo files, the wheel $in_wheel" >&2; exit 1; }
done
echo "check-wheel: the wheel's scenarios, targets and experiment definitions are the top-level files"

echo "check-wheel: installing it without extras into a fresh venv"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet "$wheel"

cd "$work"  # outside the checkout: nothing may be found through the source tree
export PATH="$work/venv/bin:$PATH"
run() { echo "check-wheel: \$ $*"; "$@"; }
run python -c "import sim; print('import sim ok,', sim.__version__)"
# Provenance from a wheel: its build (and the commit it was built from) and library versions.
run python -c "import sim; a = sim.run('baseline', steps=2, n_mse=50).attrs; \
assert a['code']['build'] and a['versions']['numpy'] and a['versions']['numba'], a; \
print('provenance:', a['code'], a['versions'])"
# The installed package reads its own copy of the data, not the checkout's.
run python -c "from sim.data import data_path; import sys; p = data_path('scenarios'); print(p); \
sys.exit(not str(p).startswith('$work/venv/'))"
run mse-sim scenarios
run mse-sim run baseline --steps 12
run mse-sim run kenya-avocados --steps 12
# The shipped posterior of the constants, and a run at one of its draws.
run python -c "import sim; d = sim.posterior(); assert len(d) >= 200 and d.attrs['targets_hash'], d; \
print('posterior:', d.shape)"
run mse-sim run kenya-avocados --steps 12 --draw 0
# The manifest of passes to compile ahead is read from the wheel (used if numba's version is its).
run python -c "from sim.precompile import read_manifest; p, why = read_manifest(); \
print('precompile manifest:', len(p), 'passes', why); assert p or 'numba' in why, why"
run mse-sim experiment g1 --seeds 2 --steps 12 --out "$work/g1" --quiet
test -s "$work/g1/g1.csv" && test -s "$work/g1/g1.png"
# Without the app extra, the app says which extra to install (exit 2), with no traceback.
set +e
mse-sim app --port 18765 >"$work/app.out" 2>&1
code=$?
set -e
cat "$work/app.out"
if [ "$code" != 2 ] || ! grep -q "mse-upgrading\[app\]" "$work/app.out" \
   || grep -q Traceback "$work/app.out"; then
  echo "check-wheel: 'mse-sim app' without the app extra should exit 2 naming the extra" >&2
  exit 1
fi
echo "check-wheel: passed"
