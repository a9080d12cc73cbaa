# Shell helpers sourced by the bench, compare and Python scripts: `. scripts/lib.sh` (from the
# repository root) or `. "$repo/scripts/lib.sh"`. Sourcing only defines them (and LIB_ROOT).

LIB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ensure_venv DIR CHECK PACKAGE...: a Python venv at DIR in which `python -c CHECK` succeeds;
# when it does not, DIR is created and PACKAGE... installed from PyPI. The interpreter that
# makes it is $AUTODL_PYTHON_BIN (default python3).
ensure_venv() {
    local dir="$1" check="$2"
    shift 2
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "$check" 2>/dev/null; then
        return 0
    fi
    echo "$(basename "$0"): creating $dir (PyPI: $*)" >&2
    mkdir -p "$(dirname "$dir")"
    "${AUTODL_PYTHON_BIN:-python3}" -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
}

# maturin_venv: prints the tools venv holding maturin (made from PyPI the first time), shared
# by every script that builds the Python wheel.
maturin_venv() {
    local tools="${XDG_CACHE_HOME:-$HOME/.cache}/autodl-format/venv-pyext"
    ensure_venv "$tools" "import maturin" "maturin>=1.5,<2" >&2
    echo "$tools"
}

# build_wheel OUT [MATURIN_ARG...]: builds the Python package (python/) into the emptied folder
# OUT with maturin (stripped, for $AUTODL_PYTHON_BIN or python3) and prints the wheel's path.
build_wheel() {
    local out="$1" tools
    shift
    tools="$(maturin_venv)"
    rm -rf "$out"
    (cd "$LIB_ROOT/python" && "$tools/bin/maturin" build --quiet --strip \
        --interpreter "${AUTODL_PYTHON_BIN:-python3}" --out "$out" "$@") >&2
    ls "$out"/autodl_format-*.whl
}

# compare_defaults NAME [WORK_DIR]: the settings every compare script reads: ROOT (this
# checkout), WORK (default $TMPDIR/autodl-compare-NAME), BUDGET (60 s), SEED (0); OpenMP
# threads wait passively, since the peers and our trainer share a loaded machine.
compare_defaults() {
    ROOT="$LIB_ROOT"
    WORK="${2:-${TMPDIR:-/tmp}/autodl-compare-$1}"
    BUDGET="${BUDGET:-60}"
    SEED="${SEED:-0}"
    export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
}

# bench_args N_DEFAULT SHARDS_DEFAULT [N] [SHARDS] [WORK_DIR]: the positional arguments of the
# scale-out benchmarks: sets N (inputs), S (shards) and WORK (default a new temporary folder;
# created either way).
bench_args() {
    N="${3:-$1}"
    S="${4:-$2}"
    WORK="${5:-$(mktemp -d)}"
    mkdir -p "$WORK"
}

# release_bin: prints the release binary the benchmarks time ($AUTODL_BIN, else the target
# folder's), or exits 2 when it is not built.
release_bin() {
    local bin="${AUTODL_BIN:-${CARGO_TARGET_DIR:-target}/release/autodl-format}"
    [ -x "$bin" ] || { echo "build first: cargo build --release --bins" >&2; exit 2; }
    echo "$bin"
}
