"""The package as a reader installs it: sdist, wheel, a fresh venv, the README quickstart.

Run by ``make package`` (part of ``make test``): ``python tests/wheel_check.py``.

1. ``python -m build`` makes the sdist and, from it, the wheel (in an isolated
   environment with the ``[build-system]`` requirements of ``pyproject.toml``);
2. the wheel must hold ``kltutorial/py.typed``, declare the MIT licence and carry its
   text: ``LICENSE`` in ``.dist-info/licenses/``, named by ``License-File`` in METADATA
   (and in the sdist);
3. the wheel alone (not editable, no ``requirements.txt`` beyond its pins as constraints,
   so torch is the pinned CPU build) goes into a new virtual environment;
4. the README's quickstart runs there, in an empty folder outside the repository without
   ``PYTHONPATH``, and must print the output the README shows, from the installed copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = re.compile(
    r"^## Quickstart\n.*?^```python\n(?P<code>.*?)^```\n.*?"
    r"<!--pytest-codeblocks:expected-output-->\s*^```text\n(?P<output>.*?)^```",
    re.DOTALL | re.MULTILINE,
)


def run(*command: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    """Run a command, echo it, and fail with its output if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    print(f"+ {' '.join(str(c) for c in command)}  ({seconds:.0f} s)", flush=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def archive_text(wheel: Path, name: str) -> str:
    """The text of one file inside a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name).decode()


def main() -> None:
    """Build, install into a fresh venv, run the quickstart; exit non-zero on any failure."""
    start = time.perf_counter()
    match = QUICKSTART.search((ROOT / "README.md").read_text(encoding="utf-8"))
    if match is None:
        sys.exit("README.md has no Quickstart python block followed by its expected output")
    egg_info = ROOT / "kltutorial.egg-info"
    left = egg_info.exists()
    with tempfile.TemporaryDirectory(prefix="kltutorial-wheel-") as tmp:
        work = Path(tmp)
        run(sys.executable, "-m", "build", "--outdir", work / "dist", ROOT)
        if not left:  # setuptools writes it into the source tree while making the sdist
            shutil.rmtree(egg_info, ignore_errors=True)
        (sdist,) = (work / "dist").glob("kltutorial-*.tar.gz")
        (wheel,) = (work / "dist").glob("kltutorial-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
            meta = archive.read(metadata).decode()
        if "kltutorial/py.typed" not in names:
            sys.exit(f"{wheel.name} lacks kltutorial/py.typed: {names}")
        if "License-Expression: MIT" not in meta.splitlines():
            sys.exit(f"{wheel.name} does not declare License-Expression: MIT")
        licence = metadata.removesuffix("METADATA") + "licenses/LICENSE"
        if "License-File: LICENSE" not in meta.splitlines() or licence not in names:
            sys.exit(f"{wheel.name} lacks {licence} or its License-File line in METADATA")
        if archive_text(wheel, licence) != (ROOT / "LICENSE").read_text(encoding="utf-8"):
            sys.exit(f"{wheel.name}'s {licence} differs from LICENSE")
        with tarfile.open(sdist) as tar:
            if f"{sdist.name.removesuffix('.tar.gz')}/LICENSE" not in tar.getnames():
                sys.exit(f"{sdist.name} lacks LICENSE")
        print(f"built {sdist.name} and {wheel.name} ({len(names)} files, py.typed and LICENSE in)")

        venv = work / "venv"
        run(sys.executable, "-m", "venv", venv)
        python = venv / "bin" / "python"
        pins = ROOT / "requirements.txt"
        # --no-compile: byte-compiling all of torch would take most of the time of this check.
        run(python, "-m", "pip", "install", "--quiet", "--no-compile", "--constraint", pins, wheel)

        reader = work / "reader"
        reader.mkdir()
        (reader / "quickstart.py").write_text(match["code"], encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["MPLBACKEND"] = "Agg"
        where = run(
            python, "-c", "import kltutorial; print(kltutorial.__file__)", cwd=reader, env=env
        )
        if not Path(where.strip()).is_relative_to(venv):
            sys.exit(f"kltutorial was imported from {where.strip()}, not from the new venv")
        output = run(python, "quickstart.py", cwd=reader, env=env)
        if output != match["output"]:
            sys.exit(f"the quickstart printed\n{output}but the README shows\n{match['output']}")
    print(f"wheel check passed in {time.perf_counter() - start:.0f} s: {output.strip()}")


if __name__ == "__main__":
    main()
