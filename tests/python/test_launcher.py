import logging
import os

import pytest

from robyn import Config
from robyn import launcher
from robyn._embedded import GatewayError
from robyn.launcher import gateway_command, start_args, under_gateway


def test_under_gateway():
    assert under_gateway({"ROBYN_GATEWAY": "1"})
    assert not under_gateway({}) and not under_gateway({"ROBYN_GATEWAY": "0"})


def test_command_from_env_prefix():
    cmd = gateway_command("/srv/app.py", ["--workers", "2"], {"ROBYN_GATEWAY_CMD": "dotnet '/opt/my gw/G.dll'"}, "/x")
    assert cmd == ["dotnet", "/opt/my gw/G.dll", "/srv/app.py", "--workers", "2"]


def test_the_interpreter_that_ran_the_app_is_embedded():
    env = {"ROBYN_GATEWAY_CMD": "gw"}
    assert gateway_command("/a.py", [], env, "/x", "/usr/bin/python3") == ["gw", "/a.py", "--python", "/usr/bin/python3"]
    # unless the user chose one: on the command line, or with ROBYN_PYTHON
    assert gateway_command("/a.py", ["--python", "/p"], env, "/x", "/usr/bin/python3") == ["gw", "/a.py", "--python", "/p"]
    assert gateway_command("/a.py", ["--python=/p"], env, "/x", "/usr/bin/python3") == ["gw", "/a.py", "--python=/p"]
    assert gateway_command("/a.py", [], {**env, "ROBYN_PYTHON": "/p"}, "/x", "/usr/bin/python3") == ["gw", "/a.py"]


def test_the_interpreter_goes_before_a_double_dash():
    # after "--" every argument is the app's: the gateway would not see a --python put there
    env = {"ROBYN_GATEWAY_CMD": "gw"}
    assert gateway_command("/a.py", ["--workers", "2", "--", "--python", "x"], env, "/x", "/usr/bin/python3") == [
        "gw", "/a.py", "--workers", "2", "--python", "/usr/bin/python3", "--", "--python", "x"]


def test_command_runs_the_dll_of_the_environment(tmp_path):
    dll = tmp_path / "out" / "RobynGateway.dll"
    dll.parent.mkdir()
    dll.write_text("x")
    cmd = gateway_command("/a.py", ["--dev"], {"ROBYN_GATEWAY_DLL": str(dll)}, str(tmp_path / "pkg"), "/py")
    assert cmd[1:] == [str(dll), "/a.py", "--dev", "--python", "/py"]
    assert os.path.basename(cmd[0]) == "dotnet"


def test_command_from_repository_layout_runs_the_build_directly(tmp_path):
    package_dir = tmp_path / "src" / "python" / "robyn"
    project = tmp_path / "src" / "RobynGateway"
    package_dir.mkdir(parents=True)
    project.mkdir(parents=True)
    with pytest.raises(GatewayError):
        gateway_command("/a.py", [], {}, str(package_dir))
    (project / "RobynGateway.csproj").write_text("<Project/>")
    (package_dir / "app.py").write_text("")
    os.utime(project / "RobynGateway.csproj", (1, 1))
    os.utime(package_dir / "app.py", (1, 1))
    out = project / "bin" / "Release" / "net10.0"
    (out / "python" / "robyn").mkdir(parents=True)
    (out / "python" / "robyn" / "app.py").write_text("")
    (out / "RobynGateway.dll").write_text("x")
    assert gateway_command("/a.py", ["--dev"], {}, str(package_dir))[1:] == [str(out / "RobynGateway.dll"), "/a.py", "--dev"]


def test_no_gateway_is_a_clear_error(monkeypatch, capsys):
    def missing(*args):
        raise GatewayError("found none")
    monkeypatch.setattr(launcher, "gateway_command", missing)
    with pytest.raises(SystemExit) as caught:
        launcher.exec_gateway("/a.py", [])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "cannot start the server: found none" in err and "ROBYN_GATEWAY_CMD" in err


def test_exec_replaces_the_process(monkeypatch):
    seen = []
    monkeypatch.setattr(launcher, "gateway_command", lambda *a: ["sh", "-c", "true", "/a.py"])
    monkeypatch.setattr(os, "execvp", lambda file, args: seen.append((file, args)))
    launcher.exec_gateway("/a.py", [])
    assert seen == [("sh", ["sh", "-c", "true", "/a.py"])]


NO_TIMEOUTS = {"client_timeout": None, "keep_alive_timeout": None, "timeout": None, "max_queue": None, "open_browser": False}


def test_start_args_precedence():
    args = start_args(Config([]), "0.0.0.0", 8000, 2, 3, environ={})
    assert args == {"host": "0.0.0.0", "port": 8000, "processes": 2, "workers": 3, "log_level": None, **NO_TIMEOUTS}
    cli = Config(["--processes", "5", "--log-level", "WARNING"])
    args = start_args(cli, "h", 1, 2, 3, environ={"ROBYN_HOST": "10.0.0.1", "ROBYN_PORT": "9999"})
    assert args == {"host": "10.0.0.1", "port": 9999, "processes": 5, "workers": 3, "log_level": "WARNING", **NO_TIMEOUTS}


def test_start_args_without_start():
    # Robyn's defaults (1 x 1, INFO) are the gateway's: nothing to say (None).
    assert start_args(Config([]), environ={}) == {
        "host": None, "port": None, "processes": None, "workers": None, "log_level": None, **NO_TIMEOUTS,
    }


class CodeConfig(Config):
    """As a Robyn user writes it: Robyn's Config, with the settings chosen in code."""

    def __init__(self, argv=None):
        super().__init__(argv)
        self.processes = 4
        self.workers = 2
        self.log_level = "warning"


def test_a_config_set_in_code_is_honoured():
    args = start_args(CodeConfig([]), environ={})
    assert (args["processes"], args["workers"], args["log_level"]) == (4, 2, "WARNING")
    # app.start(processes=, workers=) (older Robyn) is code too, and the more specific
    assert start_args(CodeConfig([]), processes=3, environ={})["processes"] == 3


def test_a_config_subclass_may_choose_them_as_class_attributes():
    class AppConfig(Config):
        processes = 3
        workers = 2
        log_level = "ERROR"

    args = start_args(AppConfig([]), environ={})
    assert (args["processes"], args["workers"], args["log_level"]) == (3, 2, "ERROR")
    args = start_args(AppConfig(["--workers", "5"]), environ={})
    assert (args["processes"], args["workers"]) == (3, 5)


def test_the_command_line_beats_a_config_set_in_code():
    args = start_args(CodeConfig(["--processes", "3", "--log-level", "ERROR"]), environ={})
    assert (args["processes"], args["workers"], args["log_level"]) == (3, 2, "ERROR")
    args = start_args(CodeConfig(["--fast"]), environ={})  # --fast is the command line too
    assert args["workers"] == 2 and args["log_level"] == "WARNING" and args["processes"] > 1


def test_a_dict_config_falls_back_to_the_arguments():
    # The deep-dive app: `app.config = {"DATABASE_URL": ..., "JWT_SECRET": ...}` then app.start(host=, port=).
    config = {"DATABASE_URL": "sqlite://", "JWT_SECRET": "s"}
    assert start_args(config, "0.0.0.0", 8000, environ={}) == {
        "host": "0.0.0.0", "port": 8000, "processes": None, "workers": None, "log_level": None, **NO_TIMEOUTS,
    }


def test_timeouts_and_open_browser_are_passed_on():
    config = Config(["--open-browser"])
    args = start_args(config, client_timeout=5, keep_alive_timeout=2.5, environ={})
    assert (args["client_timeout"], args["keep_alive_timeout"], args["open_browser"]) == (5, 2.5, True)


@pytest.mark.parametrize("level, name", [(logging.DEBUG, "DEBUG"), ("warn", "WARNING"), (" Error ", "ERROR"), ("fatal", "CRITICAL")])
def test_log_levels_set_in_code_are_normalised(level, name):
    config = Config([])
    config.log_level = level
    assert start_args(config, environ={})["log_level"] == name


@pytest.mark.parametrize("bad", ["verbose", 15, ""])
def test_a_bad_log_level_in_code_is_a_clear_error(bad):
    config = Config([])
    config.log_level = bad
    with pytest.raises(ValueError, match="use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"):
        start_args(config, environ={})


def test_a_bad_process_count_in_code_is_a_clear_error():
    config = Config([])
    config.processes = "many"
    with pytest.raises(ValueError, match="whole number of processes or workers"):
        start_args(config, environ={})


def test_the_wheels_bundled_gateway_is_found_beside_the_package(tmp_path):
    package = tmp_path / "robyn"
    package.mkdir()
    gateway = tmp_path / "robyn_gateway" / "bin" / "RobynGateway"
    gateway.parent.mkdir(parents=True)
    gateway.write_text("#!/bin/sh\n")
    gateway.chmod(0o755)
    cmd = gateway_command("/a.py", ["--workers", "2"], {}, str(package), "/usr/bin/python3")
    assert cmd == [str(gateway), "/a.py", "--workers", "2", "--python", "/usr/bin/python3"]
    # ROBYN_GATEWAY_CMD still wins
    assert gateway_command("/a.py", [], {"ROBYN_GATEWAY_CMD": "gw"}, str(package))[0] == "gw"
