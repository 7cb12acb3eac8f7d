"""``scripts/install-*.sh``: each checks every tool it needs, installs what is missing through
apt-get (non-interactive, as root) or stops with one line naming what to install, and
prints one line on success.

The scripts run with a ``PATH`` of stand-ins where a test needs a tool to be missing, or
apt-get to be asked: no test ever installs a package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers._support import REPO_ROOT, in_ci

SCRIPTS = sorted(REPO_ROOT.glob("scripts/install-*.sh"))
BASICS = ["bash", "dirname", "basename", "cat", "tail", "head", "mktemp", "rm", "sha256sum",
          "cut", "ls", "sort", "chmod", "mkdir"]
"""What the scripts use besides the tools they check: linked into a stand-in PATH."""


def stand_in_path(tmp_path: Path, *, uid: int) -> Path:
    """A bin directory with the basic commands, an ``id`` answering ``uid``, and nothing else."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in BASICS:
        found = shutil.which(name)
        assert found, name
        (bin_dir / name).symlink_to(found)
    script(bin_dir / "id", f'echo {uid}')
    return bin_dir


def script(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def run(script_path: Path, path: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script_path)], env={"PATH": path, "HOME": os.environ.get("HOME", "/"),
                                         **env},
        capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.mark.parametrize("script_path", SCRIPTS, ids=lambda p: p.name)
def test_each_script_prints_one_line_on_success_or_one_line_naming_what_to_install(
    script_path: Path, tmp_path: Path
) -> None:
    # A stand-in apt-get that refuses, so this test can never install anything.
    refuse = tmp_path / "refuse"
    refuse.mkdir()
    script(refuse / "apt-get", 'echo "E: not from the test suite" >&2; exit 100')
    completed = run(script_path, f"{refuse}:{os.environ['PATH']}")
    name = script_path.stem
    if completed.returncode == 0:
        assert completed.stdout.count("\n") == 1 and completed.stdout.startswith(f"{name}: ")
        assert "ready" in completed.stdout and completed.stderr == ""
    else:
        assert not in_ci(), f"{name} failed in CI: {completed.stderr}"
        assert completed.stderr.count("\n") == 1 and completed.stderr.startswith(f"{name}: ")
        assert "install" in completed.stderr


@pytest.mark.parametrize(
    ("name", "packages"),
    [
        ("install-couchdb", "apt-get install nodejs npm"),
        ("install-dynamodb", "apt-get install nodejs npm default-jdk-headless"),
        ("install-firestore", "apt-get install google-cloud-cli default-jre-headless"),
    ],
)
def test_a_missing_tool_without_root_stops_with_one_line_naming_the_packages(
    tmp_path: Path, name: str, packages: str
) -> None:
    bin_dir = stand_in_path(tmp_path, uid=1000)
    completed = run(REPO_ROOT / "scripts" / f"{name}.sh", str(bin_dir))
    assert completed.returncode == 1
    assert completed.stdout == ""
    (line,) = completed.stderr.splitlines()
    assert line.startswith(f"{name}: ") and "is missing; install it with" in line
    assert f"`{packages}`" in line


def test_missing_tools_are_installed_with_apt_get_as_root(tmp_path: Path) -> None:
    bin_dir = stand_in_path(tmp_path, uid=0)
    sdk = tmp_path / "sdk"
    log = tmp_path / "apt.log"
    emulator = sdk / "platform/cloud-firestore-emulator/cloud_firestore_emulator"
    # The stand-in apt-get logs how it was called and "installs" stand-ins of the tools.
    tools = {
        "google-cloud-cli": (
            "gcloud",
            f'[ "$1" = info ] && echo {sdk}; [ "$1" = --version ] && echo "Google Cloud SDK 0.0"; '
            "exit 0",
        ),
        "default-jre-headless": ("java", 'echo "openjdk version 0" >&2'),
    }
    installs = "\n".join(
        f'    [ "$p" = {package} ] && printf \'#!/bin/bash\\n%s\\n\' \'{body}\' > {bin_dir}/{tool}'
        f' && chmod +x {bin_dir}/{tool}'
        for package, (tool, body) in tools.items()
    )
    script(bin_dir / "apt-get", f"""
echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> {log}
[ "$1" = install ] || exit 0
for p in "$@"; do
{installs}
    if [ "$p" = google-cloud-cli-firestore-emulator ]; then
        mkdir -p {emulator.parent} && printf '#!/bin/bash\\n' > {emulator} && chmod +x {emulator}
    fi
done
exit 0""")
    completed = run(REPO_ROOT / "scripts" / "install-firestore.sh", str(bin_dir))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ("install-firestore: Firestore emulator ready (Google Cloud SDK "
                                "0.0, openjdk version 0)\n")
    assert log.read_text().splitlines() == [
        "DEBIAN_FRONTEND=noninteractive update -qq",
        "DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends "
        "google-cloud-cli default-jre-headless",
        "DEBIAN_FRONTEND=noninteractive update -qq",
        "DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends "
        "google-cloud-cli-firestore-emulator",
    ]
