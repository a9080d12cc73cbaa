# Set-up for a fresh machine: the one place that lists what each job needs and installs what is
# missing. Source it with the job's name:
#
#   . scripts/setup.sh demo    # build the binary: pkg-config, FFmpeg headers, libclang, libtorch
#   . scripts/setup.sh test    # the above + the tools the tests use (ffmpeg, sox, chromium, …)
#                              #   and the Python venv of the interoperability tests
#
# System packages (Debian/Ubuntu) are installed with apt-get as root, or through sudo. Where that
# is not possible (no root and no sudo, another distribution) it stops before any build with one
# line naming the command to run. Then scripts/env.sh sets up libtorch (PyPI torch==2.11.0,
# libtorch only) and, for `test`, the small Python venv, and exports LIBTORCH, LD_LIBRARY_PATH.
# Idempotent: on a machine that has everything it installs nothing and needs no network.

_autodl_setup() {
    local job="${1:-test}"
    # Build: FFmpeg development libraries for the `ffmpeg` feature (video, audio FFmpeg fallback)
    # and the libclang their bindings are generated with (DEPENDENCIES.md).
    local build=(pkg-config libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
        libswresample-dev libavfilter-dev libavdevice-dev libclang-dev)
    # Tests: `ffmpeg` and `sox` make media fixtures; `chromium` renders the report
    # (tests/report_browser.rs); Slurm (one-node cluster with munge) and GNU parallel run the
    # scale-out recipes (tests/slurm.rs, tests/gnu_parallel.rs); python3-yaml parses the
    # Kubernetes manifest.
    local tests=(ffmpeg sox chromium slurm-wlm munge parallel python3-yaml)
    local wanted=()
    case "$job" in
        demo) wanted=("${build[@]}") ;;
        test) wanted=("${build[@]}" "${tests[@]}") ;;
        *) echo "setup.sh: unknown job '$job' (expected demo or test)" >&2; return 2 ;;
    esac
    # `python3 -m venv` (libtorch venv, test venv): Debian splits it into python3-venv.
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        wanted+=(python3-venv)
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "setup.sh: cargo not found: install Rust first (https://rustup.rs), then run this again" >&2
        return 1
    fi

    local missing=()
    if command -v dpkg-query >/dev/null 2>&1; then
        local pkg
        for pkg in "${wanted[@]}"; do
            if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
                missing+=("$pkg")
            fi
        done
    else
        # Not Debian: check for the pieces themselves, then name them.
        local need_ffmpeg=0
        command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libavformat libavcodec libavutil libswscale libswresample libavfilter libavdevice 2>/dev/null || need_ffmpeg=1
        if [ "$need_ffmpeg" = 1 ]; then
            echo "setup.sh: not a Debian/Ubuntu system and the FFmpeg development libraries are missing: install pkg-config, FFmpeg's development package (libavformat … libavdevice, headers) and libclang with your package manager (e.g. 'sudo dnf install pkgconf-pkg-config ffmpeg-free-devel clang-devel'), then run this again" >&2
            return 1
        fi
    fi

    if [ "${#missing[@]}" -gt 0 ]; then
        local sudo=()
        if [ "$(id -u)" != 0 ]; then
            if command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
                sudo=(sudo)
            else
                echo "setup.sh: missing system packages and no root or sudo here: run 'sudo apt-get install -y --no-install-recommends ${missing[*]}' (as root, without sudo), then run this again" >&2
                return 1
            fi
        fi
        echo "setup.sh: installing ${missing[*]}" >&2
        # Only the package lists are fetched; -qq keeps the log to errors.
        if ! { DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
            echo "setup.sh: apt-get failed: run 'sudo apt-get install -y --no-install-recommends ${missing[*]}' yourself, then run this again" >&2
            return 1
        fi
    fi

    # libtorch (and for tests the Python venv): scripts/env.sh, which is idempotent.
    if [ "$job" = demo ]; then
        AUTODL_SKIP_PYTHON=1 . "$(dirname "${BASH_SOURCE[0]}")/env.sh" || return 1
    else
        . "$(dirname "${BASH_SOURCE[0]}")/env.sh" || return 1
    fi
}

_autodl_setup "$@"
_autodl_setup_status=$?
unset -f _autodl_setup
if [ "$_autodl_setup_status" -ne 0 ]; then
    unset _autodl_setup_status
    return 1 2>/dev/null || exit 1
fi
unset _autodl_setup_status
