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
        if sys.path and sys.path[0] in ("", start_path):
            del sys.path[0]  # as ipykernel_launcher does; the kernel's shell adds its folder
        # the parent to outlive is this server, the process the kernel was forked from
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


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


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
    channel.send(json.dumps({"ready": _threads() == 1}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, _MESSAGE_BYTES, 3)
        except OSError:
            return
        if not message:
            return
        _reap()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            channel.close()
            _become_kernel(json.loads(message), fds, start_path)
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        socket.send_fds(channel, [json.dumps({"pid": pid}).encode()], [pidfd])
        os.close(pidfd)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
