import subprocess
import sys

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
