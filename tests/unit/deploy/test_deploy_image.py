"""deploy/Dockerfile: multi-stage, base pinned by digest, dependencies from the hashed lock in a
layer before the code, non-root; the lock agrees with pyproject.toml, the source of truth."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
LOCK = ROOT / "deploy" / "requirements.lock"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _base_images() -> list[str]:
    args = {m[0]: m[1] for word, rest in _instructions() if word == "ARG"
            for m in [rest.split("=", 1)] if len(m) == 2}
    images = []
    for word, rest in _instructions():
        if word == "FROM":
            image = rest.split()[0]
            images.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], image))
    return images


def test_the_build_has_stages_and_every_base_is_pinned_by_digest():
    images = _base_images()
    assert len(images) >= 2, "multi-stage: a build stage and a runtime stage"
    for image in images:
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), f"pin {image} by digest"


def test_dependencies_come_from_the_hashed_lock_in_a_layer_before_the_code():
    steps = _instructions()
    install = [i for i, (word, rest) in enumerate(steps) if word == "RUN" and "pip install" in rest]
    assert len(install) == 1, "one pip install: the lock"
    command = steps[install[0]][1]
    assert "--require-hashes" in command and "requirements.lock" in command
    assert "-e " not in command and " . " not in f"{command} "
    copies = [(i, rest) for i, (word, rest) in enumerate(steps) if word == "COPY"]
    code = [i for i, rest in copies if re.search(r"\b(hotline|shared|services)/", rest)]
    lock = [i for i, rest in copies if "requirements.lock" in rest]
    assert lock and code and max(lock) < install[0] < min(code), (
        "copy the lock, install it, and only then copy the code: a code change must not reinstall")


def test_the_image_runs_as_a_numeric_non_root_user_in_production_mode():
    steps = _instructions()
    users = [rest for word, rest in steps if word == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), users
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    assert any(word == "USER" for word, _ in steps[last_from:]), "the runtime stage drops root"
    assert any(word == "ENV" and "HOTLINE_ENV=production" in rest for word, rest in steps[last_from:])


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from the lock."""
    text = re.sub(r"\\\n", " ", LOCK.read_text(encoding="utf-8"))
    found = {}
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")):
            requirement = line.split(";")[0].split()[0]
            name, _, version = requirement.partition("==")
            found[re.sub(r"[-_.]+", "-", name.lower())] = (version, line.count("--hash=sha256:"))
    return found


def test_the_lock_pins_what_pyproject_pins_with_hashes():
    locked = _locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dependency in project["dependencies"]:
        match = re.match(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s;,]+)", dependency)
        assert match, f"{dependency}: pyproject pins every dependency with =="
        name = re.sub(r"[-_.]+", "-", match[1].lower())
        assert name in locked, f"{name} is in pyproject.toml but not in deploy/requirements.lock: regenerate it"
        assert locked[name][0] == match[3], f"{name}: pyproject {match[3]}, lock {locked[name][0]}: regenerate"
    assert all(hashes for _, hashes in locked.values()), "every locked file has its hash"
    assert len(locked) > len(project["dependencies"]), "indirect dependencies are locked too"
