import os

import pytest

import robyn
from robyn import ALLOW_CORS, Config, Robyn
from robyn.launcher import HandOver


def test_paths_state_and_config(tmp_path):
    app = Robyn(str(tmp_path / "main.py"))
    assert app.file_path == str(tmp_path / "main.py")
    assert app.directory_path == str(tmp_path)
    app.state["counter"] = 1
    assert Robyn(str(tmp_path / "other.py")).state == {}  # per app
    assert isinstance(app.config, Config) and app.config.processes == 1
    app.config["DEBUG"] = True
    assert app.config["DEBUG"] is True and "DEBUG" in app.config and app.config.get("X", 5) == 5


def test_explicit_config_is_used(tmp_path):
    config = Config(["--workers", "3"])
    assert Robyn(str(tmp_path / "a.py"), config=config).config is config


def test_global_headers_are_recorded(tmp_path):
    app = Robyn(str(tmp_path / "a.py"))
    app.add_response_header("server", "robyn")
    app.add_response_header("X-A", "1")
    app.set_response_header("x-a", "2")
    app.add_request_header("x-r", "1")
    app.set_request_header("x-r", "2")
    assert app.response_headers.get_headers() == {"server": ["robyn"], "x-a": ["2"]}
    assert app.request_headers.get_all("x-r") == ["2"]
    app.exclude_response_headers_for(["/docs/", "openapi.json"])
    assert app.excluded_response_headers_paths == ["/docs", "/openapi.json"]
    app.exclude_response_headers_for(None)
    assert app.excluded_response_headers_paths is None


def test_serve_directory_is_recorded(tmp_path):
    app = Robyn(str(tmp_path / "a.py"))
    app.serve_directory("/static/", "build", index_file="index.html")
    (d,) = app.directories
    assert d.as_list() == ["/static", "build", False, "index.html"]


def test_allow_cors_records_origins_and_headers(tmp_path):
    app = Robyn(str(tmp_path / "a.py"))
    assert app.cors is None
    ALLOW_CORS(app, "*")
    assert app.cors == (["*"], [])
    ALLOW_CORS(app, ["https://a", "https://b"], ["X-Token"])
    assert app.cors == (["https://a", "https://b"], ["X-Token"])


def test_allow_cors_sets_robyns_response_headers(tmp_path):
    app = Robyn(str(tmp_path / "a.py"))
    ALLOW_CORS(app, ["*"])
    assert app.response_headers.get_headers() == {
        "access-control-allow-origin": ["*"],
        "access-control-allow-methods": ["GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS"],
        "access-control-allow-headers": ["Content-Type, Authorization"],
        "access-control-allow-credentials": ["true"],
    }


def test_allow_cors_with_several_origins_leaves_the_origin_to_the_gateway(tmp_path):
    app = Robyn(str(tmp_path / "a.py"))
    ALLOW_CORS(app, ["https://a", "https://b"], headers="X-Token, X-Other")
    assert app.cors == (["https://a", "https://b"], ["X-Token", "X-Other"])
    assert app.response_headers.get("access-control-allow-origin") is None
    assert app.response_headers.get("access-control-allow-headers") == "X-Token, X-Other"


def test_robyn_env_is_loaded_unless_cli(tmp_path, monkeypatch):
    (tmp_path / "robyn.env").write_text("# comment\nAPP_ENV_A=from_file\nAPP_ENV_B=file\n")
    monkeypatch.setenv("APP_ENV_B", "from_env")
    monkeypatch.delenv("APP_ENV_A", raising=False)
    monkeypatch.delenv("ROBYN_CLI")
    Robyn(str(tmp_path / "app.py"))
    assert os.environ["APP_ENV_A"] == "from_file"
    assert os.environ["APP_ENV_B"] == "from_env"  # the environment wins


def test_start_under_gateway_records_arguments(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBYN_GATEWAY", "1")
    app = Robyn(str(tmp_path / "a.py"), config=Config([]))
    with pytest.raises(HandOver) as caught:
        app.start(host="0.0.0.0", port=9000, processes=2, workers=3, client_timeout=1, unknown_kw=True)
    assert caught.value.app is app
    assert caught.value.start_args == {
        "host": "0.0.0.0", "port": 9000, "processes": 2, "workers": 3, "log_level": None,
        "client_timeout": 1, "keep_alive_timeout": 20, "timeout": None, "max_queue": None, "open_browser": False,
    }


def test_start_accepts_the_seed_positional_form(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBYN_GATEWAY", "1")
    app = Robyn(str(tmp_path / "a.py"), config=Config([]))
    with pytest.raises(HandOver) as caught:
        app.start("0.0.0.0", 8000, 4, 2)
    assert caught.value.start_args["processes"] == 4 and caught.value.start_args["workers"] == 2


def test_handover_is_not_caught_by_except_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBYN_GATEWAY", "1")
    app = Robyn(str(tmp_path / "a.py"))
    with pytest.raises(HandOver):
        try:
            app.start()
        except Exception:  # an app's own error handling must not stop the hand-over
            pytest.fail("HandOver was caught as an Exception")


def test_start_outside_gateway_execs_the_gateway(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr("robyn.app.exec_gateway", lambda path, argv: seen.append((path, argv)))
    monkeypatch.setattr("sys.argv", ["app.py", "--workers", "2"])
    Robyn(str(tmp_path / "a.py")).start()
    (path, argv) = seen[0]
    assert os.path.isabs(path) and argv == ["--workers", "2"]


def test_package_exports():
    for name in ["Robyn", "SubRouter", "Request", "Response", "Headers", "status_codes", "jsonify",
                 "serve_file", "serve_html", "html", "ALLOW_CORS", "JsonBody", "RequestMethod",
                 "RequestBody", "RequestURL", "HttpMethod", "Config", "Events", "get_version"]:
        assert hasattr(robyn, name), name
    assert robyn.__version__ == "0.88.0" == robyn.get_version()
    from robyn.robyn import Cookie, Cookies, FunctionInfo, Headers, Identity, QueryParams, Request, Response, Url
    from robyn.robyn import get_version

    assert get_version() == "0.88.0" and Headers is robyn.Headers


def test_status_codes():
    from robyn import status_codes

    names = [n for n in dir(status_codes) if n.startswith("HTTP_")]
    assert len(names) == 63
    assert all(int(n.split("_")[1]) == getattr(status_codes, n) for n in names)
    assert status_codes.HTTP_418_IM_A_TEAPOT == 418


def test_import_has_no_side_effects():
    import subprocess
    import sys

    src = os.path.dirname(os.path.dirname(robyn.__file__))
    code = (
        "import sys, logging; sys.path.insert(0, sys.argv[1]); sys.argv = ['x', '--processes', 'abc']; "
        "import robyn, robyn._bridge, robyn.robyn; "
        "assert not logging.getLogger().handlers; assert 'ROBYN_GATEWAY' not in __import__('os').environ; "
        "print('clean')"
    )
    out = subprocess.run([sys.executable, "-c", code, src], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "clean", out.stderr


def test_a_dict_config_is_handed_over_with_the_start_arguments(tmp_path, monkeypatch):
    # The deep-dive app replaces app.config with a dict; another passes one to Robyn(...).
    monkeypatch.setenv("ROBYN_GATEWAY", "1")
    for app in (Robyn(str(tmp_path / "a.py")), Robyn(str(tmp_path / "b.py"), config={"JWT_SECRET": "s"})):
        app.config = dict(app.config) if isinstance(app.config, dict) else {"DATABASE_URL": "sqlite://"}
        with pytest.raises(HandOver) as caught:
            app.start(host="0.0.0.0", port=9000)
        args = caught.value.start_args
        assert (args["host"], args["port"], args["processes"], args["workers"], args["log_level"]) == ("0.0.0.0", 9000, None, None, None)
        assert isinstance(app.config, dict)  # the app's own object, untouched
