"""Config: Robyn's command-line settings, plus a free-form dict part.

Parsed from sys.argv when a Config is constructed (never at import), with
parse_known_args so unknown arguments are ignored. `app.config` is both Robyn's
Config object (`.processes`, `.log_level`, ...) and a dict
(`app.config["DEBUG"] = True`) as the seed text uses it.

An app may set `processes`, `workers`, `log_level` on its Config in code (a subclass, or
`config.processes = 4` before `Robyn(__file__, config=config)`): the command line still wins,
so the values it gave are kept apart in `from_command_line`. An app may also replace
`app.config` with a plain dict; whatever reads these attributes uses `setting()`."""

import argparse
import os
import sys
from typing import Any, Dict, FrozenSet, Iterator, List, MutableMapping, Optional


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width as shutil.get_terminal_size() finds it
    (COLUMNS, then the terminal, then 80). Its own default imports shutil, which imports bz2 and
    lzma: half a megabyte in every worker for the width of a usage line (bench/memory.sh)."""

    def __init__(self, prog: str) -> None:
        try:
            columns = int(os.environ.get("COLUMNS", "0"))
        except ValueError:
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
            except (AttributeError, ValueError, OSError):
                columns = 0
        super().__init__(prog, width=(columns or 80) - 2)


def _parser() -> argparse.ArgumentParser:
    # allow_abbrev=False: an unknown `--work` must not be taken for `--workers`.
    parser = argparse.ArgumentParser(prog="robyn", add_help=False, allow_abbrev=False, formatter_class=_Formatter)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--log-level", dest="log_level", type=str.upper, default=None)
    for flag in ("--dev", "--fast", "--disable-openapi", "--open-browser", "--create", "--docs", "--version"):
        parser.add_argument(flag, action="store_true", default=False)
    parser.add_argument("--compile-rust-path", dest="compile_rust_path", default=None)
    parser.add_argument("--create-rust-file", dest="create_rust_file", default=None)
    # The gateway's own flags: accepted (with their values) so they are not
    # mistaken for the app file; the gateway acts on them.
    for flag in ("--host", "--port", "--python", "--client-timeout", "--header-timeout", "--keep-alive-timeout",
                 "--max-connections", "--backlog", "--root-path"):
        parser.add_argument(flag, default=None)
    return parser


class Config(MutableMapping[str, Any]):
    def __init__(self, argv: Optional[List[str]] = None) -> None:
        args, unknown = _parser().parse_known_args(sys.argv[1:] if argv is None else argv)
        self._items: Dict[str, Any] = {}
        self.dev: bool = args.dev or os.environ.get("ROBYN_DEV_MODE", "").lower() == "true"
        self.fast: bool = args.fast and not self.dev
        self.disable_openapi: bool = args.disable_openapi
        self.open_browser: bool = args.open_browser
        self.create, self.docs, self.version = args.create, args.docs, args.version
        self.compile_rust_path: Optional[str] = args.compile_rust_path
        self.create_rust_file: Optional[str] = args.create_rust_file
        self.host: Optional[str] = args.host
        self.port: Optional[str] = args.port
        self.file_path: Optional[str] = next((a for a in unknown if a.endswith(".py")), None)

        processes, workers, log_level = args.processes, args.workers, args.log_level
        if self.fast:
            processes = processes or 2 * (os.cpu_count() or 1) + 1
            workers = workers or 2
            log_level = log_level or "WARNING"
        # What the command line (or --fast) chose, None where it said nothing: it beats code.
        self.from_command_line: Dict[str, Any] = {"processes": processes, "workers": workers, "log_level": log_level}
        self.default_log_level: str = "DEBUG" if self.dev else "INFO"
        # A subclass may also choose them as class attributes (`class AppConfig(Config): workers = 2`),
        # which Robyn's own __init__ would overwrite: here they count as code.
        self.processes: int = processes or self._class_value("processes") or 1
        self.workers: int = workers or self._class_value("workers") or 1
        self.log_level: str = log_level or self._class_value("log_level") or self.default_log_level

    @property
    def given(self) -> FrozenSet[str]:
        """Which of processes/workers the command line (or --fast) chose: they beat code."""
        return frozenset(name for name in ("processes", "workers") if self.from_command_line[name] is not None)

    def _class_value(self, name: str) -> Any:
        return getattr(type(self), name, None)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._items[key] = value

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return (
            f"Config(processes={self.processes}, workers={self.workers}, log_level={self.log_level!r}, "
            f"dev={self.dev}, fast={self.fast}, items={self._items!r})"
        )


def setting(config: Any, name: str, default: Any = None) -> Any:
    """A Robyn setting read from `app.config`, which an app may have replaced with a dict."""
    return getattr(config, name, default)
