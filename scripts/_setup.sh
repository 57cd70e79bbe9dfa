# Shared set-up for scripts/test and scripts/demo: source it, then call ensure_venv.
# Creates or reuses .venv, installs the CPU build of torch first (never a CUDA build), then the
# project with the extras given as arguments. Re-installs only when pyproject.toml changed.

# pip's output is shown only when it fails (setuptools' editable-install notices are noise).
run_pip() {
    local log
    log="$(mktemp)"
    if ! python -m pip install -q "$@" >"$log" 2>&1; then
        grep -v "is ignored: it is neither" "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

ensure_venv() {
    local extras="${1:-}"
    local py="${PYTHON:-}"
    if [ -z "$py" ]; then
        for candidate in python3.11 python3.12 python3.13 python3; do
            if command -v "$candidate" >/dev/null 2>&1; then py="$candidate"; break; fi
        done
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "setup: creating .venv with $py" >&2
        "$py" -m venv .venv
    fi
    # shellcheck disable=SC1091
    . .venv/bin/activate
    export PIP_DISABLE_PIP_VERSION_CHECK=1
    local stamp=".venv/.newscompare-installed"
    local want
    want="$(cat pyproject.toml scripts/_setup.sh | sha256sum | cut -c1-16)-${extras}"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    # pip 23 does not map the lxml[html_clean] extra that trafilatura's jusText asks for.
    run_pip --upgrade "pip>=24" || echo "setup: could not upgrade pip; going on with $(python -m pip --version)" >&2
    if ! python -c "import torch" >/dev/null 2>&1; then
        echo "setup: installing torch==2.13.0 (CPU build)" >&2
        run_pip "torch==2.13.0" || return 1
    fi
    local target="."
    [ -n "$extras" ] && target=".[${extras}]"
    echo "setup: installing newscompare${extras:+ with extras $extras}" >&2
    run_pip -e "$target" || return 1
    python -c "import compare, torch, sentence_transformers, trafilatura" \
        || { echo "setup: the installation is incomplete (see the pip output above)" >&2; return 1; }
    echo "$want" > "$stamp"
}
