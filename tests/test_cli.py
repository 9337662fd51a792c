import subprocess
import sys

from gaugan.cli import main


def test_summary_prints_official_parameter_counts(capsys):
    assert main(["summary", "--preset", "cityscapes"]) == 0
    out = capsys.readouterr().out
    assert "cityscapes" in out and "512x256" in out and "93,048,003" in out


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "summary" in capsys.readouterr().out


def test_console_entry_point_runs_as_module():
    result = subprocess.run([sys.executable, "-m", "gaugan.cli", "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("gaugan ")
