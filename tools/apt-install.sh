# Sourced by tools/provision-*.sh: install Debian packages with apt-get, as root or
# through sudo, or say what to run and fail.
#   apt_install NAME PACKAGE...   NAME prefixes the messages (the calling script's).

apt_install() {
    local name="$1"
    shift
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$name: ERROR: missing $* and no apt-get on this machine." >&2
        echo "  Install them with your system's package manager." >&2
        return 1
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            echo "$name: ERROR: $* missing and installing needs root." >&2
            echo "  Run: sudo apt-get update && sudo apt-get install -y $*" >&2
            return 1
        fi
    fi
    echo "$name: installing $* (apt-get) ..."
    # Wait for another apt-get (a parallel provisioning) rather than fail on its lock.
    local apt=(-o DPkg::Lock::Timeout=600)
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get "${apt[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get "${apt[@]}" install -y -qq \
        --no-install-recommends "$@" >/dev/null
}
