#!/usr/bin/env python3
"""The host end of one process started in a client container (client-agent.py has the wire):
stdin goes in, stdout and stderr come out, and this process exits with the container process's
code, so to the harness it is that process. Killing it, however it dies, ends the connection, and
the agent then kills the process's group inside the container.
Usage: agent-relay.py SOCKET REQUEST_JSON"""
import json
import os
import selectors
import socket
import struct
import sys

HEADER = struct.Struct('>cI')
CHUNK = 65536
OUT = {b'o': 1, b'r': 2}


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def forward_stdin(sock, sel):
    try:
        data = os.read(0, CHUNK)
    except OSError:
        data = b''  # no stdin at all: the process gets end-of-file
    if data:
        sock.sendall(HEADER.pack(b'i', len(data)) + data)
        return True
    sock.sendall(HEADER.pack(b'e', 0))
    if sel is not None:
        sel.unregister(0)
    return False


def main():
    path, request = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as err:
        write_all(2, f'tlslab: no client agent at {path}: {err.strerror}\n'.encode())
        return 125
    sock.sendall(request.encode() + b'\n')
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, 'sock')
    try:
        sel.register(0, selectors.EVENT_READ, 'stdin')
    except (PermissionError, ValueError, OSError):
        # /dev/null or a regular file: cannot be polled, and reading never blocks
        while forward_stdin(sock, None):
            pass
    inbox = b''
    while True:
        for key, _ in sel.select():
            if key.data == 'stdin':
                forward_stdin(sock, sel)
                continue
            data = sock.recv(CHUNK)
            if not data:
                write_all(2, b'tlslab: the client agent closed the connection before the process exited\n')
                return 125
            inbox += data
            while len(inbox) >= HEADER.size:
                kind, length = HEADER.unpack_from(inbox)
                if len(inbox) < HEADER.size + length:
                    break
                payload = inbox[HEADER.size:HEADER.size + length]
                inbox = inbox[HEADER.size + length:]
                if kind == b'x':
                    status = json.loads(payload)
                    return 128 + status['signal'] if 'signal' in status else status['code']
                write_all(OUT[kind], payload)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(141)
