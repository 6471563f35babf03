#!/usr/bin/env bash
# One entry point that sets everything up on a fresh Debian machine, then runs the app or the tests.
#   bash scripts/dev.sh run [SCENE] [--step N]   open the player (default: the built-in HTTP GET scene)
#   bash scripts/dev.sh test [PYTEST ARGS]       the whole test suite (headless) plus lint
#   bash scripts/dev.sh bench                    the benchmarks in benchmarks/
#   bash scripts/dev.sh package                  build the Linux package into dist/ (a .deb)
# It installs missing Debian packages when run as root (else prints the apt-get line), creates
# .venv on first use, and reinstalls Python packages whenever pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-run}
shift || true
case "$command" in
  run) tier="run" ;;
  test | bench) tier="test" ;;
  package) tier="package" ;;
  *) echo "usage: bash scripts/dev.sh run|test|bench|package [ARGS...]" >&2; exit 2 ;;
esac

bash scripts/system-deps.sh "$tier"

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "python3 not found: install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PacketStage needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'

venv=.venv
extras="test"
[ "$command" = package ] && extras=test,package
stamp=$venv/.installed-$extras
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$python" -m venv "$venv"
    else
      echo "creating a virtual environment failed. On Debian run: sudo apt-get install -y python3-venv" >&2
      exit 1
    fi
  fi
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  echo "installing Python packages into $venv (first run takes a minute)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
  touch "$stamp"
fi

py=$venv/bin/python
lint_paths=(animator tests benchmarks packaging main.py setup.py)
# The Qt-free core is type-checked strictly ([tool.mypy] in pyproject.toml)...
typed_paths=(animator/model animator/engine animator/packets animator/layout)
# ...and so are the player's state, the render layer, the exporters, the UI and the command line.
typed_paths+=(animator/player animator/render animator/export animator/ui animator/cli.py animator/cli_export.py)
# ...and the class server (Qt-free, run beside the app or by `share`).
typed_paths+=(animator/classroom animator/cli_share.py)
case "$command" in
  run) exec "$py" main.py "$@" ;;
  test)
    QT_QPA_PLATFORM=offscreen "$py" -m pytest "$@"
    "$py" -m ruff check "${lint_paths[@]}"
    "$py" -m ruff format --check "${lint_paths[@]}"
    "$venv/bin/lint-imports" --no-cache >/dev/null || "$venv/bin/lint-imports" --no-cache
    "$venv/bin/mypy" "${typed_paths[@]}"
    shellcheck scripts/*.sh packaging/*/*.sh .ci/run
    ;;
  bench) QT_QPA_PLATFORM=offscreen exec "$py" benchmarks/run_all.py "$@" ;;
  package) PYTHON=$py exec bash packaging/linux/build-deb.sh ;;
esac
