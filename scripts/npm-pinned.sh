# Shared by the install-*.sh scripts that take a server from npm (source it, do not run it).
#
#   require_tools NAME HINT TOOL...   exit 1 naming the first TOOL that is not on PATH
#   npm_ci_pinned NAME DIR FILE       `npm ci` in DIR, quietly; skipped when DIR's lockfile is
#                                     unchanged since the last successful install and FILE
#                                     (something the install provides) exists

require_tools() {
    local name="$1" hint="$2"
    shift 2
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$name: '$tool' is missing; $hint" >&2
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
