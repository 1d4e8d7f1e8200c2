"""The gateway's .NET runtime, hosted inside this Python process for the TestClient.

RobynGateway.dll is loaded once per process through hostfxr (the .NET hosting library) with
ctypes. Its entry points (src/RobynGateway.TestClient.TestClientExports.cs) attach to this very
interpreter and serve an app object with the gateway's own pipeline on an in-memory server.
Every call into C# goes through a CFUNCTYPE pointer, so ctypes releases the GIL for its
duration: the gateway's sync workers and the app's event loop need it to run the handler while
the calling thread waits for the answer.

Which RobynGateway.dll, first match wins:
  1. ROBYN_GATEWAY_DLL: the path of RobynGateway.dll, or of the folder holding it;
  2. beside this package, where the gateway ships it (<out>/python/robyn -> <out>/RobynGateway.dll);
  3. in a source checkout (<repo>/src/python/robyn): src/RobynGateway/bin/Release/net*/, built
     first with `dotnet build -c Release` when it is missing or older than the C# sources (for
     the server, robyn.launcher, also when its copy of this package is older than this package).
     Release, as users should run and measure it; the test suites set ROBYN_GATEWAY_DLL to the
     Debug build they test.
"""

import ctypes
import glob
import os
import shutil
import struct
import subprocess
import sys
import threading
from typing import Any, List, Optional, Sequence, Tuple

DLL_ENV = "ROBYN_GATEWAY_DLL"
EXPORTS_TYPE = b"RobynGateway.TestClient.TestClientExports, RobynGateway"
LOAD_ASSEMBLY_AND_GET_FUNCTION_POINTER = 5  # hostfxr_delegate_type
UNMANAGED_CALLERS_ONLY = ctypes.c_void_p((1 << (8 * ctypes.sizeof(ctypes.c_void_p))) - 1)  # (char*)-1
FAILED, TIMED_OUT = 1, 2

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_lock = threading.Lock()
_gateway: Optional["Gateway"] = None


class GatewayError(RuntimeError):
    """The gateway could not be found, loaded or started, or it failed a request."""


def gateway() -> "Gateway":
    """The process's one gateway runtime, loaded on first use (.NET can't be unloaded or loaded twice)."""
    global _gateway
    with _lock:
        if _gateway is None:
            _gateway = Gateway(find_gateway_dll())
        return _gateway


# ---- Finding RobynGateway.dll --------------------------------------------------------------


def find_gateway_dll(environ=os.environ, package_dir: str = _PACKAGE_DIR, with_package: bool = False) -> str:
    """The RobynGateway.dll to use (see the module's docstring). `with_package`: a checkout's build
    must also be newer than this package's files (the server runs the copy in its build output;
    the TestClient imports this package itself)."""
    given = environ.get(DLL_ENV, "").strip()
    if given:
        dll = os.path.join(given, "RobynGateway.dll") if os.path.isdir(given) else given
        if not os.path.isfile(dll):
            raise GatewayError(f"{DLL_ENV}={given}: no RobynGateway.dll there")
        return os.path.abspath(dll)
    shipped = os.path.normpath(os.path.join(package_dir, os.pardir, os.pardir, "RobynGateway.dll"))
    if os.path.isfile(shipped):
        return shipped
    project = os.path.normpath(os.path.join(package_dir, os.pardir, os.pardir, "RobynGateway"))
    if os.path.isfile(os.path.join(project, "RobynGateway.csproj")):
        return _checkout_dll(project, package_dir if with_package else None)
    raise GatewayError(
        f"found no gateway (RobynGateway.dll): none beside the robyn package ({shipped}) and no source "
        f"checkout around it. Set {DLL_ENV} to the RobynGateway.dll of a build"
    )


CHECKOUT_CONFIGURATION = "Release"


def _built(project: str) -> Optional[str]:
    found = glob.glob(os.path.join(project, "bin", CHECKOUT_CONFIGURATION, "net*", "RobynGateway.dll"))
    return max(found, key=os.path.getmtime) if found else None


def _sources_mtime(project: str) -> float:
    newest = 0.0
    for root, dirs, files in os.walk(project):
        dirs[:] = [d for d in dirs if d not in ("bin", "obj")]
        for name in files:
            if name.endswith((".cs", ".csproj")):
                newest = max(newest, os.path.getmtime(os.path.join(root, name)))
    return newest


def _package_copied(package_dir: str, dll: str) -> bool:
    """Whether the build's copy of the package (<out>/python/robyn) has every .py, as new as ours."""
    copy = os.path.join(os.path.dirname(dll), "python", "robyn")
    for root, dirs, files in os.walk(package_dir):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                source = os.path.join(root, name)
                target = os.path.join(copy, os.path.relpath(source, package_dir))
                if not os.path.isfile(target) or os.path.getmtime(target) < os.path.getmtime(source):
                    return False
    return True


def _checkout_dll(project: str, package_dir: Optional[str] = None) -> str:
    dll = _built(project)
    if (dll is not None and os.path.getmtime(dll) >= _sources_mtime(project)
            and (package_dir is None or _package_copied(package_dir, dll))):
        return dll
    dotnet = shutil.which("dotnet")
    if dotnet is None:
        raise GatewayError(f"the gateway at {project} is not built, and `dotnet` is not on PATH to build it")
    print(f"robyn: building the gateway ({project}) ...", file=sys.stderr, flush=True)
    done = subprocess.run([dotnet, "build", project, "-c", CHECKOUT_CONFIGURATION, "-nologo", "-v", "q"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dll = _built(project)
    if done.returncode != 0 or dll is None:
        raise GatewayError(f"`dotnet build {project}` failed:\n{done.stdout[-4000:]}")
    return dll


# ---- Loading .NET through hostfxr ----------------------------------------------------------


class _InitParameters(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("host_path", ctypes.c_char_p), ("dotnet_root", ctypes.c_char_p)]


_ErrorWriter = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_LoadFunction = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                 ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
# The entry points of TestClientExports.cs; CFUNCTYPE: ctypes releases the GIL during each call.
_Open = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                         ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p))
_Send = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                         ctypes.c_int64, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int,
                         ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_int64))
_Close = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_Free = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
# The websocket entry points (TestClientExports.WebSockets.cs).
_WsOpen = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int,
                           ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p))
_WsSend = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int,
                           ctypes.POINTER(ctypes.c_void_p))
_WsReceive = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                              ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_int64))
_WsClose = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                            ctypes.POINTER(ctypes.c_void_p))


def dotnet_root(environ=os.environ) -> str:
    dotnet = shutil.which("dotnet")
    candidates = [environ.get("DOTNET_ROOT"), os.path.dirname(os.path.realpath(dotnet)) if dotnet else None,
                  "/usr/share/dotnet", "/usr/lib/dotnet", os.path.expanduser("~/.dotnet")]
    for root in candidates:
        if root and os.path.isdir(os.path.join(root, "host", "fxr")):
            return root
    raise GatewayError("no .NET installation found (looked at DOTNET_ROOT, `dotnet` on PATH, /usr/share/dotnet, "
                       "/usr/lib/dotnet, ~/.dotnet). Install the ASP.NET Core runtime 10 or set DOTNET_ROOT.")


def _hostfxr_path(root: str) -> str:
    def version(name: str) -> Tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else -1 for p in name.split("-")[0].split("."))
    fxr = os.path.join(root, "host", "fxr")
    versions = sorted((v for v in os.listdir(fxr) if os.path.isfile(os.path.join(fxr, v, "libhostfxr.so"))), key=version)
    if not versions:
        raise GatewayError(f"no libhostfxr.so under {fxr}")
    return os.path.join(fxr, versions[-1], "libhostfxr.so")


class Gateway:
    """RobynGateway.dll loaded into this process, and the calls the TestClient makes to it."""

    def __init__(self, dll: str) -> None:
        self.dll = dll
        root = dotnet_root()
        hostfxr = ctypes.CDLL(_hostfxr_path(root))
        errors: List[str] = []
        self._error_writer = _ErrorWriter(lambda message: errors.append(message.decode("utf-8", "replace")))
        hostfxr.hostfxr_set_error_writer.argtypes = [_ErrorWriter]
        hostfxr.hostfxr_set_error_writer.restype = ctypes.c_void_p
        hostfxr.hostfxr_set_error_writer(self._error_writer)

        def check(rc: int, what: str) -> None:
            if rc < 0 or rc > 2:  # 0, 1 and 2 are success codes
                detail = "\n".join(errors) or "(hostfxr said nothing more)"
                raise GatewayError(f"{what} failed with 0x{rc & 0xFFFFFFFF:08x} for {dll}:\n{detail}")

        config = os.path.splitext(dll)[0] + ".runtimeconfig.json"
        parameters = _InitParameters(ctypes.sizeof(_InitParameters), None, root.encode())
        context = ctypes.c_void_p()
        hostfxr.hostfxr_initialize_for_runtime_config.argtypes = [
            ctypes.c_char_p, ctypes.POINTER(_InitParameters), ctypes.POINTER(ctypes.c_void_p)]
        hostfxr.hostfxr_initialize_for_runtime_config.restype = ctypes.c_int32
        check(hostfxr.hostfxr_initialize_for_runtime_config(config.encode(), ctypes.byref(parameters),
                                                            ctypes.byref(context)), "hostfxr_initialize_for_runtime_config")
        try:
            # A test process is no server: workstation GC keeps its memory and threads small.
            hostfxr.hostfxr_set_runtime_property_value.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
            hostfxr.hostfxr_set_runtime_property_value(context, b"System.GC.Server", b"false")
            # As when the dll runs as a program; ASP.NET resolves its content root against it.
            hostfxr.hostfxr_set_runtime_property_value(context, b"APP_CONTEXT_BASE_DIRECTORY",
                                                       os.path.dirname(dll).encode() + b"/")
            load_pointer = ctypes.c_void_p()
            hostfxr.hostfxr_get_runtime_delegate.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)]
            hostfxr.hostfxr_get_runtime_delegate.restype = ctypes.c_int32
            check(hostfxr.hostfxr_get_runtime_delegate(context, LOAD_ASSEMBLY_AND_GET_FUNCTION_POINTER,
                                                       ctypes.byref(load_pointer)), "hostfxr_get_runtime_delegate")
        finally:
            hostfxr.hostfxr_close.argtypes = [ctypes.c_void_p]
            hostfxr.hostfxr_close(context)
        load = _LoadFunction(load_pointer.value)

        def export(name: str, prototype: Any) -> Any:
            pointer = ctypes.c_void_p()
            check(load(dll.encode(), EXPORTS_TYPE, name.encode(), UNMANAGED_CALLERS_ONLY, None,
                       ctypes.byref(pointer)), f"loading {name} from")
            return prototype(pointer.value)

        self._open = export("Open", _Open)
        self._send = export("Send", _Send)
        self._close = export("Close", _Close)
        self._free = export("Free", _Free)
        self._ws_open = export("WsOpen", _WsOpen)
        self._ws_send = export("WsSend", _WsSend)
        self._ws_receive = export("WsReceive", _WsReceive)
        self._ws_close = export("WsClose", _WsClose)

    def open(self, app: Any, workers: int) -> int:
        """Starts a host for `app` (its startup handler runs); returns the client handle."""
        client, error = ctypes.c_void_p(), ctypes.c_void_p()
        # id() is the object's address in CPython; the caller keeps `app` alive meanwhile.
        rc = self._open(id(app), workers, ctypes.byref(client), ctypes.byref(error))
        if rc != 0:
            raise GatewayError(self._take_text(error))
        return client.value

    def send(self, client: int, method: str, target: str, headers: Sequence[Tuple[str, str]], body: bytes,
             timeout: float) -> Tuple[int, List[Tuple[str, str]], bytes]:
        block = b"".join(b"%s\0%s\0" % (name.encode(), value.encode()) for name, value in headers)
        response, length = ctypes.c_void_p(), ctypes.c_int64()
        rc = self._send(client, method.encode(), target.encode(), block, len(block), body, len(body),
                        max(1, min(int(timeout * 1000), 2**31 - 1)), ctypes.byref(response), ctypes.byref(length))
        if rc != 0:
            message = self._take_text(response)
            raise (TimeoutError if rc == TIMED_OUT else GatewayError)(message)
        try:
            data = ctypes.string_at(response.value, length.value)
        finally:
            self._free(response.value)
        status, header_length = struct.unpack_from("<ii", data)
        fields = data[8:8 + header_length].split(b"\0")[:-1]
        pairs = [(fields[i].decode(), fields[i + 1].decode()) for i in range(0, len(fields), 2)]
        return status, pairs, data[8 + header_length:]

    def close(self, client: int) -> None:
        """Stops the host (its shutdown handler runs); the handle is invalid afterwards."""
        error = ctypes.c_void_p()
        if self._close(client, ctypes.byref(error)) != 0:
            raise GatewayError(self._take_text(error))

    # ---- Websockets (robyn._test_socket) ----

    def ws_open(self, client: int, target: str, headers: Sequence[Tuple[str, str]], timeout: float) -> int:
        """Opens a websocket to `target` through the client's pipeline; returns the socket handle."""
        block = b"".join(b"%s\0%s\0" % (name.encode(), value.encode()) for name, value in headers)
        socket, error = ctypes.c_void_p(), ctypes.c_void_p()
        rc = self._ws_open(client, target.encode(), block, len(block), _millis(timeout), ctypes.byref(socket),
                           ctypes.byref(error))
        self._check(rc, error)
        return socket.value

    def ws_send(self, socket: int, data: bytes, binary: bool, timeout: float) -> None:
        error = ctypes.c_void_p()
        self._check(self._ws_send(socket, int(binary), data, len(data), _millis(timeout), ctypes.byref(error)), error)

    def ws_receive(self, socket: int, timeout: float) -> Tuple[int, int, bytes]:
        """(kind: 0 text, 1 binary, 2 close; the close code; the payload, or a close's reason)."""
        message, length = ctypes.c_void_p(), ctypes.c_int64()
        self._check(self._ws_receive(socket, _millis(timeout), ctypes.byref(message), ctypes.byref(length)), message)
        try:
            data = ctypes.string_at(message.value, length.value)
        finally:
            self._free(message.value)
        kind, code = struct.unpack_from("<ii", data)
        return kind, code, data[8:]

    def ws_close(self, socket: int, code: int, reason: str, timeout: float) -> None:
        """Closes the websocket (the close handshake, bounded); the handle is invalid afterwards."""
        error = ctypes.c_void_p()
        self._check(self._ws_close(socket, code, reason.encode(), _millis(timeout), ctypes.byref(error)), error)

    def _check(self, rc: int, error: ctypes.c_void_p) -> None:
        if rc != 0:
            message = self._take_text(error)
            raise (TimeoutError if rc == TIMED_OUT else GatewayError)(message)

    def _take_text(self, pointer: ctypes.c_void_p) -> str:
        if not pointer.value:
            return "unknown error in the gateway"
        try:
            return ctypes.string_at(pointer.value).decode("utf-8", "replace")
        finally:
            self._free(pointer.value)


def _millis(timeout: float) -> int:
    return max(1, min(int(timeout * 1000), 2**31 - 1))
