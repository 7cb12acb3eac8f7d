# Shared by the install-*.sh scripts (source it, do not run it).
#
#   ensure_tools NAME TOOL=PACKAGE...  make sure every TOOL is on PATH: what is missing is
#                                      installed with apt-get (non-interactive, as root), or
#                                      the script stops with one line naming what to install
#   apt_install NAME WHAT PACKAGE...   install Debian PACKAGEs providing WHAT, the same way
#   npm_ci_pinned NAME DIR FILE        `npm ci` in DIR, quietly; skipped when DIR's lockfile is
#                                      unchanged since the last successful install and FILE
#                                      (something the install provides) exists
#
# Every script prints exactly one line on success (what is ready) and one line on stderr
# when it stops; apt-get and npm output is kept out of sight unless they fail.

apt_install() {
    local name="$1" what="$2"
    shift 2
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "$name: $what is missing; install it with \`apt-get install $*\` (as root), then run $name again" >&2
        exit 1
    fi
    local log
    log="$(mktemp)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } \
        >"$log" 2>&1; then
        echo "$name: $what is missing and \`apt-get install $*\` failed: $(tail -n 1 "$log")" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

ensure_tools() {
    local name="$1"
    shift
    local pair tool missing=() packages=()
    for pair in "$@"; do
        tool="${pair%%=*}"
        if ! command -v "$tool" >/dev/null 2>&1; then
            missing+=("$tool")
            case " ${packages[*]} " in
                *" ${pair#*=} "*) ;;
                *) packages+=("${pair#*=}") ;;
            esac
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    apt_install "$name" "${missing[*]}" "${packages[@]}"
    for tool in "${missing[@]}"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$name: \`apt-get install ${packages[*]}\` did not provide $tool; install it by hand" >&2
            exit 1
        fi
    done
}

npm_ci_pinned() {
    local name="$1" dir="$2" provided="$3"
    local stamp="$dir/node_modules/.installed-lockfile.sha256"
    local wanted
    wanted="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -e "$provided" ]; then
        return 0
    fi
    local log
    log="$(mktemp)"
    # --ignore-scripts: no native builds or downloads at install time.
    if ! (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) \
        >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "$name: npm ci in $dir failed" >&2
        exit 1
    fi
    rm -f "$log"
    echo "$wanted" >"$stamp"
}
