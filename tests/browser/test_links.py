"""Every link and #anchor of the built site leads somewhere, checked offline by lychee."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import lychee_executable, site_root_path

pytestmark = pytest.mark.browser


def test_every_link_and_anchor_resolves(site_dir: Path, tmp_path: Path) -> None:
    # Pages link to each other relatively, but 404.html uses root-relative links under
    # site_url's path (/kltutorial/...): serve the site at that path for lychee.
    prefix = site_root_path(site_dir).strip("/")
    root = tmp_path / "root"
    mount = root / prefix if prefix else root
    mount.parent.mkdir(parents=True, exist_ok=True)
    mount.symlink_to(site_dir, target_is_directory=True)
    done = subprocess.run(
        [
            lychee_executable(),
            "--offline",
            "--include-fragments",
            "--no-progress",
            "--no-ignore",
            "--index-files",
            "index.html",
            "--root-dir",
            str(root),
            "--format",
            "json",
            f"{site_dir}/**/*.html",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"lychee exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    broken = [
        f"{Path(page).relative_to(site_dir)}: {error['url']} ({error['status']['text']})"
        for page, errors in report.get("error_map", {}).items()
        for error in errors
    ]
    assert not broken, f"{len(broken)} broken links:\n  " + "\n  ".join(broken)
    assert done.returncode == 0, f"lychee exited {done.returncode}:\n{done.stderr}"
    assert report["total"] > 0, "lychee found no link to check"
