import logging

from robyn._logging import BridgeLogHandler, install


def test_records_reach_the_log_function_with_traceback():
    lines = []
    install(lambda *a: lines.append(a), "INFO")
    log = logging.getLogger("test.bridge")
    log.debug("hidden")
    log.warning("hello %s", "world")
    try:
        raise ValueError("bad")
    except ValueError:
        log.exception("failed")
    assert lines[0] == (logging.WARNING, "test.bridge", "hello world", 0)  # 0: not from an async call
    level, name, message, call = lines[1]
    assert level == logging.ERROR and message.startswith("failed\nTraceback") and "ValueError: bad" in message
    assert len(lines) == 2


def test_install_replaces_the_previous_bridge():
    first, second = [], []
    install(lambda *a: first.append(a), "DEBUG")
    install(lambda *a: second.append(a), "DEBUG")
    logging.getLogger("x").info("once")
    assert first == [] and len(second) == 1
    assert sum(isinstance(h, BridgeLogHandler) for h in logging.getLogger().handlers) == 1


def test_failing_log_function_does_not_raise(capsys):
    def broken(*a):
        raise RuntimeError("C# side gone")

    install(broken, "INFO")
    logging.getLogger("x").error("still fine")
    assert "RuntimeError" in capsys.readouterr().err


def test_an_apps_basic_config_adds_its_handler_and_the_bridge_stays():
    import io

    lines, stream = [], io.StringIO()
    install(lambda *a: lines.append(a), "INFO")
    root = logging.getLogger()
    others = [h for h in root.handlers if not isinstance(h, BridgeLogHandler)]  # pytest's capture
    for h in others:
        root.removeHandler(h)
    try:
        logging.basicConfig(stream=stream, format='{"msg": "%(message)s"}')
        logging.getLogger("app").warning("to both")
        assert stream.getvalue() == '{"msg": "to both"}\n'
        assert lines == [(logging.WARNING, "app", "to both", 0)]
        logging.basicConfig(stream=stream, format="again: %(message)s", force=True)
        assert sum(isinstance(h, BridgeLogHandler) for h in root.handlers) == 1
        logging.getLogger("app").warning("after force")
        assert stream.getvalue().endswith("again: after force\n") and len(lines) == 2
    finally:
        for h in [h for h in root.handlers if not isinstance(h, BridgeLogHandler)]:
            root.removeHandler(h)
        for h in others:
            root.addHandler(h)
