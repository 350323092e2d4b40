import subprocess
import sys

import pytest

import rrlsk


def test_version_is_a_release_string():
    parts = rrlsk.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_unknown_attribute_raises():
    try:
        rrlsk.no_such_thing
    except AttributeError as err:
        assert "no_such_thing" in str(err)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_does_not_load_tensorflow():
    code = "import sys, rrlsk, rrlsk.io; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_shipped_data_file_is_declared_package_data():
    """A non-editable install (`pip install .`) carries only the declared files: the demo's real
    curves and the pretrained weights must all be declared, or `rrlsk demo` fails there."""
    import fnmatch
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    root = Path(__file__).resolve().parents[1]
    declared = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for folder in sorted((root / "rrlsk").rglob("data")):
        package = ".".join(folder.parent.relative_to(root).parts)
        for file in folder.iterdir():
            name = f"data/{file.name}"
            assert any(fnmatch.fnmatch(name, pattern) for pattern in declared.get(package, [])), (
                f"{file.relative_to(root)} is not in [tool.setuptools.package-data] {package!r}")
