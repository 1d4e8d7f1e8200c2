import os

import pytest

from robyn import Config
from robyn import launcher
from robyn.launcher import gateway_command, start_args, under_gateway


def test_under_gateway():
    assert under_gateway({"ROBYN_GATEWAY": "1"})
    assert not under_gateway({}) and not under_gateway({"ROBYN_GATEWAY": "0"})


def test_command_from_env_prefix():
    cmd = gateway_command("/srv/app.py", ["--workers", "2"], {"ROBYN_GATEWAY_CMD": "dotnet '/opt/my gw/G.dll'"}, "/x")
    assert cmd == ["dotnet", "/opt/my gw/G.dll", "/srv/app.py", "--workers", "2"]


def test_command_from_repository_layout(tmp_path):
    package_dir = tmp_path / "src" / "python" / "robyn"
    project = tmp_path / "src" / "RobynGateway"
    package_dir.mkdir(parents=True)
    project.mkdir(parents=True)
    assert gateway_command("/a.py", [], {}, str(package_dir)) is None
    (project / "RobynGateway.csproj").write_text("<Project/>")
    assert gateway_command("/a.py", ["--dev"], {}, str(package_dir)) == [
        "dotnet", "run", "--project", str(project), "--", "/a.py", "--dev",
    ]


def test_no_gateway_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setattr(launcher, "gateway_command", lambda *a: None)
    with pytest.raises(SystemExit) as caught:
        launcher.exec_gateway("/a.py", [])
    assert caught.value.code == 2
    assert "no RobynGateway found" in capsys.readouterr().err


def test_exec_replaces_the_process(monkeypatch):
    seen = []
    monkeypatch.setattr(launcher, "gateway_command", lambda *a: ["sh", "-c", "true", "/a.py"])
    monkeypatch.setattr(os, "execvp", lambda file, args: seen.append((file, args)))
    launcher.exec_gateway("/a.py", [])
    assert seen == [("sh", ["sh", "-c", "true", "/a.py"])]


def test_start_args_precedence():
    args = start_args(Config([]), "0.0.0.0", 8000, 2, 3, environ={})
    assert args == {"host": "0.0.0.0", "port": 8000, "processes": 2, "workers": 3, "log_level": "INFO"}
    cli = Config(["--processes", "5", "--log-level", "WARNING"])
    args = start_args(cli, "h", 1, 2, 3, environ={"ROBYN_HOST": "10.0.0.1", "ROBYN_PORT": "9999"})
    assert args == {"host": "10.0.0.1", "port": 9999, "processes": 5, "workers": 3, "log_level": "WARNING"}


def test_start_args_without_start():
    assert start_args(Config([]), environ={}) == {
        "host": None, "port": None, "processes": None, "workers": None, "log_level": "INFO",
    }
