"""robyn._embedded: where the TestClient finds the gateway, without loading .NET."""

import os
import time

import pytest

from robyn import _embedded
from robyn._embedded import GatewayError, find_gateway_dll


def touch(path, mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_the_environment_variable_wins_a_file_or_its_folder(tmp_path):
    dll = touch(tmp_path / "out" / "RobynGateway.dll")
    assert find_gateway_dll({"ROBYN_GATEWAY_DLL": str(dll)}, str(tmp_path / "elsewhere")) == str(dll)
    assert find_gateway_dll({"ROBYN_GATEWAY_DLL": str(dll.parent)}, str(tmp_path / "elsewhere")) == str(dll)
    with pytest.raises(GatewayError, match="ROBYN_GATEWAY_DLL"):
        find_gateway_dll({"ROBYN_GATEWAY_DLL": str(tmp_path / "nothing")}, str(tmp_path))


def test_the_dll_the_package_ships_beside(tmp_path):
    dll = touch(tmp_path / "out" / "RobynGateway.dll")
    package = tmp_path / "out" / "python" / "robyn"
    package.mkdir(parents=True)
    assert find_gateway_dll({}, str(package)) == str(dll)


def test_a_checkout_uses_its_build_when_newer_than_the_sources(tmp_path, monkeypatch):
    project = tmp_path / "src" / "RobynGateway"
    touch(project / "RobynGateway.csproj", time.time() - 100)
    touch(project / "Hosting" / "GatewayHost.cs", time.time() - 100)
    dll = touch(project / "bin" / "Release" / "net10.0" / "RobynGateway.dll")
    monkeypatch.setattr(_embedded.subprocess, "run", lambda *a, **k: pytest.fail("built needlessly"))
    assert find_gateway_dll({}, str(tmp_path / "src" / "python" / "robyn")) == str(dll)


def test_a_checkout_builds_once_when_sources_changed(tmp_path, monkeypatch):
    project = tmp_path / "src" / "RobynGateway"
    touch(project / "RobynGateway.csproj")
    dll = touch(project / "bin" / "Release" / "net10.0" / "RobynGateway.dll", time.time() - 100)
    built = []

    class Done:
        returncode, stdout = 0, ""

    def build(command, **kwargs):
        built.append(command[1:5])
        touch(dll)
        return Done()

    monkeypatch.setattr(_embedded.shutil, "which", lambda name: "/usr/bin/dotnet")
    monkeypatch.setattr(_embedded.subprocess, "run", build)
    assert find_gateway_dll({}, str(tmp_path / "src" / "python" / "robyn")) == str(dll)
    assert built == [["build", str(project), "-c", "Release"]]


def test_no_gateway_anywhere_says_what_to_set(tmp_path):
    with pytest.raises(GatewayError, match="Set ROBYN_GATEWAY_DLL"):
        find_gateway_dll({}, str(tmp_path / "site-packages" / "robyn"))


def test_the_newest_hostfxr_is_chosen(tmp_path):
    for version in ("8.0.1", "10.0.12", "9.0.0"):
        touch(tmp_path / "host" / "fxr" / version / "libhostfxr.so")
    assert _embedded.dotnet_root({"DOTNET_ROOT": str(tmp_path)}) == str(tmp_path)
    assert _embedded._hostfxr_path(str(tmp_path)).endswith("/10.0.12/libhostfxr.so")


def test_the_server_build_is_stale_when_the_package_changed(tmp_path, monkeypatch):
    project = tmp_path / "src" / "RobynGateway"
    package = tmp_path / "src" / "python" / "robyn"
    touch(project / "RobynGateway.csproj", time.time() - 100)
    out = project / "bin" / "Release" / "net10.0"
    dll = touch(out / "RobynGateway.dll", time.time() - 50)
    touch(out / "python" / "robyn" / "app.py", time.time() - 50)
    touch(package / "app.py", time.time() - 60)
    monkeypatch.setattr(_embedded.subprocess, "run", lambda *a, **k: pytest.fail("built needlessly"))
    assert find_gateway_dll({}, str(package), with_package=True) == str(dll)

    touch(package / "app.py")  # edited after the build: the server's copy is stale
    built = []

    class Done:
        returncode, stdout = 0, ""

    def build(command, **kwargs):
        built.append(command[1])
        touch(out / "python" / "robyn" / "app.py")
        return Done()

    monkeypatch.setattr(_embedded.shutil, "which", lambda name: "/usr/bin/dotnet")
    monkeypatch.setattr(_embedded.subprocess, "run", build)
    assert find_gateway_dll({}, str(package), with_package=True) == str(dll)
    assert find_gateway_dll({}, str(package)) == str(dll)  # the TestClient imports the package itself
    assert built == ["build"]
