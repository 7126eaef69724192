#!/usr/bin/env python3
"""The main process of a client container: starts the processes the lab asks for, inside the
container (its namespaces, cgroup, capabilities), and relays their stdio over a unix socket in a
directory the host shares. One connection per process; the host end is agent-relay.py.

Wire: the relay sends one JSON line {"argv": [...], "env": {...}}, then frames both ways, each a
1-byte kind, a 4-byte big-endian length and the data: relay -> agent 'i' stdin data, 'e' stdin
closed; agent -> relay 'o' stdout, 'r' stderr, 'x' exit ({"code": n} or {"signal": n}).

The process starts in a session of its own. When it exits, its whole group goes with it (as the
engine's exec would leave it running, a browser's helpers included); when the connection ends
first (the relay was killed: a timeout, a session's group kill, the harness's death), the group is
killed. As the container's PID 1 the agent also reaps orphans it did not start.
Usage: client-agent.py SOCKET"""
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading

HEADER = struct.Struct('>cI')
CHUNK = 65536
mine = set()
mine_lock = threading.Lock()


def send(conn, kind, data=b''):
    conn.sendall(HEADER.pack(kind, len(data)) + data)


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def read_request(conn):
    buf = b''
    while b'\n' not in buf:
        chunk = conn.recv(CHUNK)
        if not chunk:
            return None, b''
        buf += chunk
    line, rest = buf.split(b'\n', 1)
    return json.loads(line), rest


def start(request):
    env = {str(k): str(v) for k, v in request['env'].items()}
    # a harness-given TMPDIR (Chromium's) is a host directory this container does not share
    if env.get('TMPDIR'):
        os.makedirs(env['TMPDIR'], exist_ok=True)
    return subprocess.Popen(request['argv'], env=env, cwd='/', stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def session(conn):
    with conn:
        request, pending = read_request(conn)
        if request is None:
            return
        try:
            child = start(request)
        except OSError as err:
            send(conn, b'r', f'{request["argv"][0]}: {err.strerror}\n'.encode())
            send(conn, b'x', json.dumps({'code': 127}).encode())
            return
        with mine_lock:
            mine.add(child.pid)
        try:
            pump(conn, child, pending)
        finally:
            kill_group(child.pid)
            child.wait()
            with mine_lock:
                mine.discard(child.pid)


def pump(conn, child, pending):
    sel = selectors.DefaultSelector()
    sel.register(conn, selectors.EVENT_READ, 'conn')
    sel.register(child.stdout, selectors.EVENT_READ, b'o')
    sel.register(child.stderr, selectors.EVENT_READ, b'r')
    try:
        pidfd = os.pidfd_open(child.pid)
        sel.register(pidfd, selectors.EVENT_READ, 'exit')
    except (AttributeError, OSError):
        pidfd = None
    open_streams = 2
    exited = False
    # stdin that came in with the request line
    inbox = deliver(pending, child)
    while open_streams > 0 or not exited:
        for key, _ in sel.select(None if pidfd is not None else 0.1):
            if key.data == 'conn':
                data = conn.recv(CHUNK)
                if not data:
                    return  # the relay is gone: the caller kills the group
                inbox += data
                inbox = deliver(inbox, child)
            elif key.data == 'exit':
                exited = True
                sel.unregister(pidfd)
                os.close(pidfd)
                # whatever the process left running goes with it, so its pipes close
                kill_group(child.pid)
            else:
                data = os.read(key.fileobj.fileno(), CHUNK)
                if data:
                    send(conn, key.data, data)
                else:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
        if pidfd is None and not exited and child.poll() is not None:
            exited = True
            kill_group(child.pid)
    code = child.wait()
    send(conn, b'x', json.dumps({'signal': -code} if code < 0 else {'code': code}).encode())


def deliver(inbox, child):
    while len(inbox) >= HEADER.size:
        kind, length = HEADER.unpack_from(inbox)
        if len(inbox) < HEADER.size + length:
            break
        data = inbox[HEADER.size:HEADER.size + length]
        inbox = inbox[HEADER.size + length:]
        try:
            if kind == b'i':
                child.stdin.write(data)
                child.stdin.flush()
            elif kind == b'e':
                child.stdin.close()
        except (BrokenPipeError, ValueError):
            pass  # the process stopped reading (it refused and exited): normal
    return inbox


def reap_orphans(signum, frame):
    """PID 1's duty: reap children nobody else waits for (a killed group's members), never a session's own."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None:
            return
        with mine_lock:
            if info.si_pid in mine:
                return  # its session waits for it
        try:
            os.waitpid(info.si_pid, 0)
        except ChildProcessError:
            return


def main():
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    server.bind(path)
    os.umask(old)
    server.listen(64)
    if os.getpid() == 1:
        signal.signal(signal.SIGCHLD, reap_orphans)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print('tlslab-client ready', flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=session, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
