import os
import platform
import subprocess
import sys

import pytest

from gaugan.fast import allocator

GLIBC = platform.libc_ver()[0] == "glibc"


def refuse_to_apply():
    raise AssertionError("tune_malloc changed malloc although it should not have")


def test_opt_out_variable_leaves_malloc_alone(monkeypatch):
    monkeypatch.setattr(allocator, "_apply", refuse_to_apply)
    monkeypatch.setattr(allocator, "_tuned", None)
    monkeypatch.setenv("GAUGAN_MALLOC_TUNING", "0")
    assert allocator.tune_malloc() is False


def test_users_own_malloc_variables_win(monkeypatch):
    monkeypatch.setattr(allocator, "_apply", refuse_to_apply)
    monkeypatch.setattr(allocator, "_tuned", None)
    monkeypatch.delenv("GAUGAN_MALLOC_TUNING", raising=False)
    monkeypatch.setenv("MALLOC_TOP_PAD_", "0")
    assert allocator.tune_malloc() is False


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_tuning_grows_the_heap_top_in_a_fresh_process():
    # In a fresh process: nothing has tuned or grown its heap yet.
    code = (
        "import ctypes; from gaugan.fast import allocator as a\n"
        "ok = a.tune_malloc(); libc = ctypes.CDLL(None); libc.mallinfo2.restype = a._MallInfo2\n"
        "print(ok, libc.mallinfo2().keepcost >= a.TOP_PAD)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GAUGAN_MALLOC_TUNING"}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.stdout.split() == ["True", "True"], result.stderr
