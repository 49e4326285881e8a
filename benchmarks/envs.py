"""Virtual environments for the heavy systems, created on first use under benchmarks/.venvs/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VENV_ROOT = Path(__file__).resolve().parent / ".venvs"

# What each environment installs, pinned to the versions docs/benchmarks.md was measured with.
# numpy is pinned to the runner's own version so that data handling is identical everywhere;
# torch 2.13.0 is the CPU wheel on this machine's disk (a looser pin would download a multi-GB
# CUDA build). tinykeras is not installed in any of them.
ENV_PACKAGES = {
    "torch": ["torch==2.13.0", "threadpoolctl"],
    "jax": ["jax==0.10.2", "jaxlib==0.10.2", "optax==0.2.8", "threadpoolctl"],
    "keras": ["keras==3.15.1", "jax==0.10.2", "jaxlib==0.10.2", "threadpoolctl"],
}


def numpy_pin() -> str:
    """Return the pip requirement that pins numpy to the runner's own version."""
    import numpy

    return f"numpy=={numpy.__version__}"


def venv_python(name: str) -> Path:
    """Return the interpreter path of the named benchmark environment."""
    return VENV_ROOT / name / "bin" / "python"


def ensure_env(name: str, log=print) -> Path:
    """Create the named environment if it does not exist yet; return its interpreter."""
    py = venv_python(name)
    marker = VENV_ROOT / name / ".complete"
    if py.exists() and marker.exists():
        return py
    log(f"[envs] creating benchmarks/.venvs/{name} (first use; this takes a few minutes)")
    VENV_ROOT.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV_ROOT / name)], check=True)
    pkgs = [numpy_pin(), *ENV_PACKAGES[name]]
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run([str(py), "-m", "pip", "install", "-q", *pkgs], check=True, env=env)
    marker.write_text(" ".join(pkgs) + "\n")
    return py


def main(argv: list[str] | None = None) -> None:
    """Create the environments named on the command line (all of them by default)."""
    names = (argv if argv is not None else sys.argv[1:]) or list(ENV_PACKAGES)
    for name in names:
        print(ensure_env(name))


if __name__ == "__main__":
    main()
