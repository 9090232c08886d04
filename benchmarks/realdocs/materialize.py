"""Copy the documents of manifest.json out of fetched git mirrors into a documents folder.

The third-party texts are never committed: this script recreates them from mirrors of their
public repositories (git directories under ``/work/.mirror/<owner>+<name>/``), at the commit
the manifest pins, and verifies each file's sha256.  Document ``lm/cld`` from ``x/y.tex``
lands at ``DEST/lm/cld.tex`` (the suffix decides how derive reads it).

    python3 benchmarks/realdocs/materialize.py [--dest /work/realdocs] [--mirrors /work/.mirror]

Exit 0 when every document is in place, 1 when some could not be materialized (the missing
repositories are listed: fetch them, then run again).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
DEFAULT_DEST = str(Path(__file__).resolve().parents[3] / "realdocs")  # beside the checkout
DEFAULT_MIRRORS = "/work/.mirror"


def load_manifest(path: Path = MANIFEST) -> list[dict[str, object]]:
    with open(path, encoding="utf-8") as handle:
        documents: list[dict[str, object]] = json.load(handle)["documents"]
    return documents


def document_path(dest: str | Path, document: dict[str, object]) -> Path:
    """Where a document lives in the documents folder: DEST/<id><suffix of its path>."""
    suffix = os.path.splitext(str(document["path"]))[1]
    return Path(dest) / f"{document['id']}{suffix}"


def mirror_git_dir(mirrors: str | Path, repo: str) -> Path | None:
    """The git directory of a fetched mirror of ``owner/name``, or None when absent."""
    base = Path(mirrors) / repo.replace("/", "+")
    for candidate in (base / "repo", base, base / ".git"):
        if (candidate / "HEAD").is_file():
            return candidate
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def materialize(dest: str | Path, mirrors: str | Path) -> tuple[int, list[str], list[str]]:
    """(documents in place, repositories to fetch, documents with a wrong checksum)."""
    placed = 0
    missing_repos: list[str] = []
    bad: list[str] = []
    for document in load_manifest():
        target = document_path(dest, document)
        if target.is_file() and sha256(target.read_bytes()) == document["sha256"]:
            placed += 1
            continue
        repo = str(document["repo"])
        git_dir = mirror_git_dir(mirrors, repo)
        if git_dir is None:
            if repo not in missing_repos:
                missing_repos.append(repo)
            continue
        spec = f"{document['commit']}:{document['path']}"
        shown = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", spec],
            capture_output=True, check=False,
        )
        if shown.returncode != 0:
            bad.append(f"{document['id']}: git show {spec} failed in {git_dir} "
                       "(fetch the repository again: the mirror lacks that commit)")
            continue
        if sha256(shown.stdout) != document["sha256"]:
            bad.append(f"{document['id']}: sha256 differs from the manifest")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shown.stdout)
        placed += 1
    return placed, missing_repos, bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=DEFAULT_DEST, help="documents folder")
    parser.add_argument("--mirrors", default=DEFAULT_MIRRORS,
                        help="folder holding the fetched mirrors <owner>+<name>/")
    args = parser.parse_args(argv)
    placed, missing_repos, bad = materialize(args.dest, args.mirrors)
    total = len(load_manifest())
    print(f"{placed}/{total} documents in {args.dest}")
    if missing_repos:
        print("fetch these repositories first (mirrors missing under "
              f"{args.mirrors}):")
        for repo in missing_repos:
            print(f"  github:{repo}")
    for line in bad:
        print(f"  {line}")
    return 0 if placed == total else 1


if __name__ == "__main__":
    sys.exit(main())
