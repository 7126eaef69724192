#!/usr/bin/env python3
"""Opens a listening TCP socket with IP_TRANSPARENT (which Node cannot set), leaves it on fd 3
and execs the engine, which listens on that fd. Usage: tproxy-listen.py ADDR PORT -- CMD..."""
import os
import socket
import sys

IP_TRANSPARENT = 19


def main() -> None:
    if len(sys.argv) < 5 or sys.argv[3] != '--':
        sys.exit('usage: tproxy-listen.py ADDR PORT -- CMD...')
    addr, port, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[4:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
    sock.bind((addr, port))
    sock.listen(512)
    if sock.fileno() != 3:
        os.dup2(sock.fileno(), 3)
        sock.close()
    os.set_inheritable(3, True)
    os.execvp(cmd[0], cmd)


if __name__ == '__main__':
    main()
