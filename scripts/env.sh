# Environment for building and testing autodl-format. Source it:  . scripts/env.sh
#
# - libtorch (for tch =0.24.0) from PyPI torch==2.11.0, as DEPENDENCIES.md describes: when
#   LIBTORCH is unset, a persistent venv at
#   ${AUTODL_TORCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/autodl-format/venv-torch}
#   is created and filled once (~530 MB download); LIBTORCH and LD_LIBRARY_PATH are exported.
# - Python with `tfrecord` and `protobuf` for the interoperability tests: a small venv at
#   ${AUTODL_PY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/autodl-format/venv-py}, put first on
#   PATH (so `python3` finds the packages) and exported as AUTODL_PYTHON.
# Idempotent: with both venvs in place it only exports variables (no network).
# Set AUTODL_SKIP_PYTHON=1 to leave Python alone.

_autodl_env() {
    local cache="${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/autodl-format"
    local torch_version="2.11.0"

    if [ -z "${LIBTORCH:-}" ]; then
        local venv="${AUTODL_TORCH_VENV:-$cache/venv-torch}"
        if [ ! -x "$venv/bin/python" ]; then
            echo "env.sh: creating libtorch venv $venv" >&2
            mkdir -p "$(dirname "$venv")" || return 1
            python3 -m venv "$venv" || { echo "env.sh: python3 -m venv failed (apt-get install python3-venv)" >&2; return 1; }
        fi
        local site
        site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" || return 1
        if [ ! -d "$site/torch-$torch_version.dist-info" ] || [ ! -e "$site/torch/lib/libtorch_cpu.so" ]; then
            echo "env.sh: installing torch==$torch_version (libtorch only, no CUDA wheels but the two it links) into $venv" >&2
            "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
                "torch==$torch_version" "nvidia-cuda-runtime==13.0.*" "nvidia-cuda-cupti==13.0.*" || return 1
        fi
        export LIBTORCH="$site/torch"
    fi
    if [ ! -e "$LIBTORCH/lib/libtorch_cpu.so" ]; then
        echo "env.sh: LIBTORCH=$LIBTORCH has no lib/libtorch_cpu.so" >&2
        return 1
    fi
    # libtorch_cpu.so needs libcudart/libcupti from the nvidia/cu13 wheel folder.
    local cu13
    cu13="$(cd "$LIBTORCH/../nvidia/cu13/lib" 2>/dev/null && pwd)" || cu13=""
    case ":${LD_LIBRARY_PATH:-}:" in
        *":$LIBTORCH/lib:"*) ;;
        *) export LD_LIBRARY_PATH="$LIBTORCH/lib${cu13:+:$cu13}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;;
    esac

    if [ -z "${AUTODL_SKIP_PYTHON:-}" ]; then
        local pyvenv="${AUTODL_PY_VENV:-$cache/venv-py}"
        if [ ! -x "$pyvenv/bin/python" ]; then
            mkdir -p "$(dirname "$pyvenv")" || return 1
            python3 -m venv "$pyvenv" || { echo "env.sh: python3 -m venv failed (apt-get install python3-venv)" >&2; return 1; }
        fi
        if ! "$pyvenv/bin/python" -c 'import tfrecord, google.protobuf' 2>/dev/null; then
            echo "env.sh: installing tfrecord and protobuf into $pyvenv" >&2
            "$pyvenv/bin/pip" install --quiet --disable-pip-version-check tfrecord protobuf || return 1
        fi
        case ":$PATH:" in
            *":$pyvenv/bin:"*) ;;
            *) export PATH="$pyvenv/bin:$PATH" ;;
        esac
        export AUTODL_PYTHON="$pyvenv/bin/python"
    fi
}

_autodl_env
_autodl_env_status=$?
unset -f _autodl_env
if [ "$_autodl_env_status" -ne 0 ]; then
    unset _autodl_env_status
    echo "env.sh: environment set-up failed" >&2
    return 1 2>/dev/null || exit 1
fi
unset _autodl_env_status
