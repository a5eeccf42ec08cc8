"""detect_losses from the command line: Django parses a command's options outside its CommandError
handling, so a bad option must be argparse's one-line usage error, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(tmp_path, *args):
    env = {**os.environ, "DEBUG": "true", "LANGUAGE_CODE": "zh-hans", "SQLITE_PATH": str(tmp_path / "crm.sqlite3")}
    env.pop("DATABASE_URL", None)  # the options are refused before any database is used
    return subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "detect_losses", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        # in the project's language (LANGUAGE_CODE): nothing activates another one here
        (("--date", "2026-02-30"), "argument --date: --date 必须是形如 2026-08-31 的日期，而不是 '2026-02-30'"),
        (("--months", "0"), "argument --months: --months 至少为 1，而不是 '0'"),
        (("--months", "six"), "argument --months: --months 至少为 1，而不是 'six'"),
    ],
)
def test_a_bad_option_on_the_command_line_is_a_one_line_error_not_a_traceback(tmp_path, args, said):
    done = manage(tmp_path, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert said in done.stderr
    assert not (tmp_path / "crm.sqlite3").exists()  # refused before the database was opened
