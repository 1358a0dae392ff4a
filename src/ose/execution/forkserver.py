"""Lesson kernels forked from a warm process instead of started from nothing.

Starting an IPython kernel costs about 1.3 s, most of it importing ipykernel, IPython,
jupyter_client and zmq: per lesson, more than a small lesson's own code. Each lesson process
therefore keeps one *fork server*: a process that imports all that once and then forks a kernel
for each lesson, ready in a fraction of the time. A forked kernel is a fresh process like any
other: its own environment, folder, connection file and process group; nothing a lesson does is
seen by the next one, which gets its own fork of the untouched server.

jupyter_client still manages the kernel: :class:`ForkedProvisioner` is a kernel provisioner (its
documented extension point) that asks the server for the process instead of starting one, and
watches it through a pidfd, as the kernel is the server's child, not this process's. Wherever the
server cannot serve (not Linux, a server that would fork with threads running, a kernel command
that is not this Python's ipykernel), the kernel is started the usual way.

The server exits when the lesson process that started it goes away (the end of its socket), and
each kernel exits when the server does (ipykernel's parent poller), so nothing outlives a build.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

#: the kernel command this server can stand in for, after the interpreter
_LAUNCHER = ["-m", "ipykernel_launcher"]
_MESSAGE_BYTES = 1 << 20


class _Server:
    """This process's end of its fork server (one per lesson process, started with it)."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.channel = ours
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            # by path, not -m: the kernels forked from it must not have imported ose
            [sys.executable, __file__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            # debugpy warns on import that it may miss breakpoints; no build debugs a lesson
            env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        )
        theirs.close()
        #: whether it said it can fork (None: it has not said yet)
        self.ready: bool | None = None

    def wait_ready(self, timeout: float = 60.0) -> bool:
        if self.ready is None:
            readable, _, _ = select.select([self.channel], [], [], timeout)
            message = self.channel.recv(_MESSAGE_BYTES) if readable else b""
            self.ready = bool(message) and json.loads(message).get("ready") is True
            if not self.ready:
                self.process.kill()
        return self.ready and self.process.poll() is None

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> tuple[int, int]:
        """A kernel process running ``argv``'s kernel with this process's standard streams;
        its pid and a pidfd to watch it by."""
        request = json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode()
        with self.lock, open(os.devnull, "rb") as devnull:
            socket.send_fds(self.channel, [request], [devnull.fileno(), 1, 2])
            message, fds, _, _ = socket.recv_fds(self.channel, _MESSAGE_BYTES, 1)
        if not message or not fds:
            raise OSError("the kernel fork server went away")
        return int(json.loads(message)["pid"]), fds[0]


_server: _Server | None = None


def supported() -> bool:
    """Whether this platform can watch a process that is not its child (Linux pidfds)."""
    return hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


def server(wait: bool = True) -> _Server | None:
    """This process's fork server, started on first use; None where kernels cannot be forked.

    ``wait=False`` starts it and returns at once: it imports while this process does too."""
    global _server
    if not supported():
        return None
    if _server is None or (_server.ready and _server.process.poll() is not None):
        _server = _Server()  # the first, or one to replace a server that died
    if not wait:
        return None
    return _server if _server.wait_ready() else None


def lesson_process() -> None:
    """Initializer of the processes that run lessons: those of
    :func:`ose.interrupts.worker_process`, and a fork server warming up from the start."""
    from ose.interrupts import worker_process  # not at the top: the server runs this file

    worker_process()
    server(wait=False)


class _ForkedKernel:
    """What jupyter_client asks of a kernel's Popen, for a process that is not our child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self.pidfd = pidfd
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            readable, _, _ = select.select([self.pidfd], [], [], 0)
            if readable:  # its exit status is its parent's (the server's) to read
                self.returncode = 0
                os.close(self.pidfd)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            select.select([self.pidfd], [], [], timeout)
        code = self.poll()
        if code is None:
            raise subprocess.TimeoutExpired([str(self.pid)], timeout or 0)
        return code

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self.pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkedProvisioner(LocalProvisioner):  # type: ignore[misc]
    """A local kernel forked by this process's fork server where it can be."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        forking = server() if cmd[:3] == [sys.executable, *_LAUNCHER] else None
        if forking is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            pid, pidfd = forking.fork(cmd, env, cwd)
        except OSError:  # the server died since it was asked last: start this kernel anew
            forking.process.kill()
            return await super().launch_kernel(cmd, **kwargs)
        self.process = _ForkedKernel(pid, pidfd)
        self.pid = self.pgid = pid  # the kernel leads a process group of its own
        self.cwd = cwd
        return self.connection_info


class ForkingKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """jupyter_client's kernel manager, with kernels from :class:`ForkedProvisioner`."""

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = ForkedProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


# -- the server process --------------------------------------------------------------------------


def _threads() -> int:
    """Threads of this process as the kernel sees them (a native library's included)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _become_kernel(request: dict[str, Any], fds: list[int], start_path: str) -> None:
    """In the forked child: be the kernel ``python -m ipykernel_launcher ...`` would have been."""
    code: object = 1
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        _drop_start_path(start_path)  # as ipykernel_launcher does; the shell adds the folder
        random = sys.modules.get("numpy.random")
        if random is not None:  # its global generator was seeded once, in the warm server
            random.seed()
        # the parent to outlive is the server the kernel was forked from
        sys.argv = ["ipykernel_launcher", *request["argv"][3:]]
        sys.argv.append(f"--IPKernelApp.parent_handle={os.getppid()}")
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exit:
        code = exit.code
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 1)


def _drop_start_path(start_path: str) -> None:
    """The server's own folder leads ``sys.path`` (it runs by path); no import may find a
    module of it."""
    if sys.path and sys.path[0] == start_path:
        del sys.path[0]


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


class _CurrentStream:
    """``sys.stderr`` (or stdout) as it is when written to: in a kernel, the cell's output."""

    def __init__(self, name: str) -> None:
        self.name = f"<{name}>"
        self._attribute = name

    def write(self, text: str) -> int:
        return int(getattr(sys, self._attribute).write(text) or 0)

    def flush(self) -> None:
        getattr(sys, self._attribute).flush()


def _warm_up(modules: list[str]) -> str | None:
    """Import ``modules`` as a lesson's first cell would; why this process cannot stand in for
    that import (None: it can).

    A lesson's kernel must see what a lesson importing them would see, so: a root log handler is
    in place as they import, as the kernel's set-up puts one before the lesson (PyMC then
    installs none of its own); the import may print nothing (it would belong on the page), leave
    no thread running (fork would copy one) and no log handler bound to this process's streams
    (they follow the kernel's ``sys.stderr`` instead, that is, the cell's output)."""
    import importlib
    import logging
    import tempfile

    placeholder = logging.NullHandler()
    logging.root.addHandler(placeholder)
    with tempfile.TemporaryFile() as printed:
        saved = [os.dup(1), os.dup(2)]
        os.dup2(printed.fileno(), 1)
        os.dup2(printed.fileno(), 2)
        why = None
        try:
            for module in modules:
                importlib.import_module(module)
        except BaseException as exc:  # a broken install: the lesson's own import will say so
            why = f"importing {module} failed: {type(exc).__name__}"
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            for target, fd in enumerate(saved, start=1):
                os.dup2(fd, target)
                os.close(fd)
            logging.root.removeHandler(placeholder)
        if why is None and printed.seek(0, os.SEEK_END):
            why = f"importing {', '.join(modules)} printed something"
    if why is None and _threads() != 1:
        why = f"importing {', '.join(modules)} started threads"
    loggers = [logging.root, *logging.root.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            stream = getattr(handler, "stream", None)
            for name in ("stderr", "stdout"):
                if stream is not None and stream in (
                    getattr(sys, name),
                    getattr(sys, f"__{name}__"),
                ):
                    handler.setStream(_CurrentStream(name))
    return why


#: the lesson stack a kernel may have imported before the lesson starts, in import order (NumPy:
#: nearly every lesson imports it, 0.1 s of each that imports nothing else of the stack)
PRELOADABLE = ("numpy", "pymc", "pytensor", "arviz")
#: the variable naming, for one kernel, the modules of :data:`PRELOADABLE` its lesson imports
PRELOAD_VARIABLE = "OSE_KERNEL_PRELOAD"
#: variables that differ from lesson to lesson and that no import reads (the second is
#: guard_kernel.INFERENCEDATA_DIR, spelled out: the server imports nothing of ose)
_PER_LESSON = frozenset({PRELOAD_VARIABLE, "OSE_INFERENCEDATA_DIR", "JPY_SESSION_NAME"})
#: warm servers one server keeps at most (each holds the stack in memory)
_WARM_SERVERS = 3


def stack_imports(sources: Iterable[str]) -> str:
    """The modules of :data:`PRELOADABLE` that a lesson's code cells import, as
    :data:`PRELOAD_VARIABLE` names them (a line that only looks like an import costs at most a
    preload; the lesson's own import still runs)."""
    found: set[str] = set()
    for source in sources:
        for line in source.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "from":
                names = [words[1]]
            elif len(words) >= 2 and words[0] == "import":
                names = [
                    part.split()[0]
                    for part in line.split("import", 1)[1].split(",")
                    if part.strip()
                ]
            else:
                continue
            found.update(name.split(".")[0] for name in names)
    return ",".join(module for module in PRELOADABLE if module in found)


class _WarmServers:
    """The server's children that imported a lesson stack, one per stack and environment, each
    forking the kernels of the lessons that import that stack (a lesson's import of PyMC is
    then already done: 4 to 6 s of each PyMC lesson)."""

    def __init__(self, start_path: str, channel: socket.socket) -> None:
        self.start_path = start_path
        self.channel = channel
        #: the socket to each, by stack and environment; None where warming up failed
        self.servers: dict[str, socket.socket | None] = {}

    def route(self, request: dict[str, Any], fds: list[int]) -> socket.socket | None:
        """The warm server for this kernel (whose standard streams are ``fds``), started on
        first need; None: fork it cold."""
        env: dict[str, str] = request["env"]
        wanted = env.get(PRELOAD_VARIABLE, "").split(",")
        modules = [module for module in PRELOADABLE if module in wanted]
        if not modules:
            return None
        shared = {k: v for k, v in env.items() if k not in _PER_LESSON}
        key = json.dumps([modules, request["argv"][:3], shared], sort_keys=True)
        if key not in self.servers:
            if len(self.servers) >= _WARM_SERVERS:
                oldest = self.servers.pop(next(iter(self.servers)))
                if oldest is not None:
                    oldest.close()  # it exits, and no kernel of it runs: lessons run one by one
            self.servers[key] = self._start(modules, env, request["cwd"], fds)
        return self.servers[key]

    def close_in_child(self) -> None:
        """In a process just forked from the server: these sockets are the server's, not its."""
        for server in self.servers.values():
            if server is not None:
                server.close()

    def lost(self, server: socket.socket) -> None:
        """``server`` went away: the lessons it served are forked cold from now on."""
        server.close()
        for key, other in self.servers.items():
            if other is server:
                self.servers[key] = None

    def _start(
        self, modules: list[str], env: dict[str, str], cwd: str, fds: list[int]
    ) -> socket.socket | None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ours.close()
                self.channel.close()
                for fd in fds:  # the first kernel's streams: its own, not the warm server's
                    os.close(fd)
                self.close_in_child()
                _drop_start_path(self.start_path)
                os.environ.clear()
                os.environ.update({k: v for k, v in env.items() if k not in _PER_LESSON})
                os.chdir(cwd)
                why = _warm_up(modules)
                theirs.send(json.dumps({"ready": why is None, "why": why}).encode())
                if why is None:
                    _serve(theirs, self.start_path, None)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        readable, _, _ = select.select([ours], [], [], 300)
        message = ours.recv(_MESSAGE_BYTES) if readable else b""
        if not message or json.loads(message).get("ready") is not True:
            ours.close()
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            return None
        return ours


def _forward(server: socket.socket, message: bytes, fds: list[int]) -> tuple[bytes, int] | None:
    """Have a warm server fork the kernel; its reply and pidfd (None: it went away)."""
    try:
        socket.send_fds(server, [message], fds)
        reply, back, _, _ = socket.recv_fds(server, _MESSAGE_BYTES, 1)
    except OSError:
        return None
    if not reply or not back:
        return None
    return reply, back[0]


def _serve(channel: socket.socket, start_path: str, warm: _WarmServers | None) -> None:
    """Fork a kernel for each request until the other end of ``channel`` closes: from a warm
    server where the lesson imports the stack and one can be had, or from this process."""
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, _MESSAGE_BYTES, 3)
        except OSError:
            return
        if not message:
            return
        request = json.loads(message)
        target = warm.route(request, fds) if warm is not None else None
        answer = _forward(target, message, fds) if target is not None else None
        if answer is None:
            if target is not None and warm is not None:
                warm.lost(target)
            _reap()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                channel.close()
                if warm is not None:
                    warm.close_in_child()
                _become_kernel(request, fds, start_path)
            answer = json.dumps({"pid": pid}).encode(), os.pidfd_open(pid)
        for fd in fds:
            os.close(fd)
        socket.send_fds(channel, [answer[0]], [answer[1]])
        os.close(answer[1])


def serve(channel_fd: int) -> None:
    """Import what a kernel imports, then fork a kernel for each request until the lesson
    process's end of the socket closes."""
    channel = socket.socket(fileno=channel_fd)
    start_path = sys.path[0] if sys.path else ""
    # what a kernel imports as it starts, once (measured: a kernel forked after these imports
    # nothing more but faulthandler)
    import pdb  # noqa: F401
    import sqlite3  # noqa: F401

    import ipykernel.debugger
    import ipykernel.ipkernel
    import ipykernel.kernelapp
    import ipykernel.zmqshell  # noqa: F401
    import IPython.core.completer  # noqa: F401
    import psutil  # noqa: F401

    # fork() copies one thread: a process running others could hand the kernel a held lock
    try:
        channel.send(json.dumps({"ready": _threads() == 1}).encode())
    except OSError:  # the lesson process is gone already (a build that needed none)
        return
    _serve(channel, start_path, _WarmServers(start_path, channel))


if __name__ == "__main__":
    serve(int(sys.argv[1]))
