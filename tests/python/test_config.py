import sys

import pytest

from robyn import Config


def test_defaults():
    c = Config([])
    assert (c.processes, c.workers, c.log_level) == (1, 1, "INFO")
    assert not (c.dev or c.fast or c.disable_openapi or c.open_browser)
    assert c.given == frozenset() and c.file_path is None


def test_flags():
    c = Config(["--processes", "4", "--workers=2", "--log-level", "debug", "--disable-openapi", "--open-browser"])
    assert (c.processes, c.workers, c.log_level) == (4, 2, "DEBUG")
    assert c.disable_openapi and c.open_browser
    assert c.given == {"processes", "workers"}


def test_fast_fills_what_was_not_given(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    c = Config(["--fast"])
    assert (c.processes, c.workers, c.log_level, c.fast) == (9, 2, "WARNING", True)
    c = Config(["--fast", "--workers", "5", "--log-level", "ERROR"])
    assert (c.processes, c.workers, c.log_level) == (9, 5, "ERROR")


def test_dev_defaults_to_debug_and_disables_fast(monkeypatch):
    c = Config(["--dev", "--fast"])
    assert c.dev and not c.fast and c.log_level == "DEBUG" and c.processes == 1
    monkeypatch.setenv("ROBYN_DEV_MODE", "true")
    assert Config([]).dev


def test_unknown_and_gateway_arguments_are_tolerated():
    c = Config(["--port", "5000", "--host", "0.0.0.0", "--python", "/usr/bin/python3",
                "--frobnicate", "x", "app.py", "--work", "3"])
    assert c.file_path == "app.py"  # gateway flag values are not mistaken for the app file
    assert c.workers == 1  # `--work` is not an abbreviation of --workers
    assert (c.host, c.port) == ("0.0.0.0", "5000")


def test_the_gateways_timeout_flags_are_not_taken_for_the_app_file():
    c = Config(["--client-timeout", "5.py", "--keep-alive-timeout=3", "app.py"])
    assert c.file_path == "app.py"


def test_what_the_command_line_chose_is_kept_apart_from_code():
    c = Config(["--workers", "3"])
    c.workers, c.processes = 8, 4  # code changing them later does not hide the command line's choice
    assert c.from_command_line == {"processes": None, "workers": 3, "log_level": None}
    assert c.default_log_level == "INFO" and Config(["--dev"]).default_log_level == "DEBUG"


def test_parses_sys_argv_when_constructed(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py", "--workers", "7"])
    assert Config().workers == 7


def test_bad_value_exits_like_robyn(capsys):
    with pytest.raises(SystemExit):
        Config(["--processes", "many"])


def test_dict_part():
    c = Config([])
    c["DEBUG"] = True
    c.update(SECRET="s")
    assert c["DEBUG"] is True and "SECRET" in c and c.get("MISSING") is None
    assert dict(c) == {"DEBUG": True, "SECRET": "s"} and len(c) == 2
    del c["DEBUG"]
    with pytest.raises(KeyError):
        c["DEBUG"]
    assert "processes" not in c  # attributes and items are separate
