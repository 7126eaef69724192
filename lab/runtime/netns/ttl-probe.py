#!/usr/bin/env python3
"""TTL-limited TLS probe (Censored Planet 2019, docs/campaigns.md §1.8). For TTL = 1..max: complete
the TCP handshake with the normal TTL, then send the ClientHello (and everything after it) with
IP_TTL = k, and report whether a certificate came back. Stops at the first certificate.
Usage: ttl-probe.py DST PORT SNI MAX_TTL TIMEOUT_S [icmp]  ->  one JSON line per TTL.
With `icmp`, a raw ICMP socket (CAP_NET_RAW, i.e. root) also hears the routers' Time Exceeded
answers: a TTL that died on the way ends at once, as 'time-exceeded', naming the router that said so.
Without the capability it prints {"error": "raw-socket", ...} and exits 3, probing nothing."""
import base64
import json
import select
import socket
import ssl
import struct
import sys
import time


def time_exceeded_from(icmp: socket.socket, local_port: int, dst_port: int):
    """The router's address if the datagram waiting on `icmp` is a Time Exceeded for our TCP flow."""
    packet, (router, _) = icmp.recvfrom(2048)
    ihl = (packet[0] & 0x0F) * 4
    icmp_type = packet[ihl]
    if icmp_type != 11 or len(packet) < ihl + 8 + 20 + 4:
        return None
    quoted = packet[ihl + 8:]
    quoted_ihl = (quoted[0] & 0x0F) * 4
    sport, dport = struct.unpack('!HH', quoted[quoted_ihl:quoted_ihl + 4])
    return router if (sport, dport) == (local_port, dst_port) else None


def probe(dst: str, port: int, sni: str, ttl: int, timeout: float, icmp=None) -> dict:
    started = time.monotonic()
    sock = socket.create_connection((dst, port), timeout=timeout)
    local_port = sock.getsockname()[1]
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
        deadline = started + timeout
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                pending = outgoing.read()
                if pending:
                    sock.sendall(pending)
                if icmp is not None:
                    while True:
                        ready, _, _ = select.select([sock, icmp], [], [], max(0.0, deadline - time.monotonic()))
                        if not ready:
                            raise socket.timeout()
                        if sock in ready:
                            break
                        router = time_exceeded_from(icmp, local_port, port)
                        if router is not None:
                            return {'ttl': ttl, 'outcome': 'time-exceeded', 'router': router, 'ms': ms(started)}
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                data = sock.recv(65536)
                if not data:
                    return {'ttl': ttl, 'outcome': 'closed', 'ms': ms(started)}
                incoming.write(data)
        der = tls.getpeercert(binary_form=True)
        return {'ttl': ttl, 'outcome': 'certificate', 'certDer': base64.b64encode(der).decode(), 'ms': ms(started)}
    except socket.timeout:
        return {'ttl': ttl, 'outcome': 'no-answer', 'ms': ms(started)}
    except (ConnectionError, ssl.SSLError, OSError) as err:
        return {'ttl': ttl, 'outcome': 'error', 'error': f'{type(err).__name__}: {err}', 'ms': ms(started)}
    finally:
        sock.close()


def ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def main() -> None:
    dst, port, sni, max_ttl, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    icmp = None
    if sys.argv[6:7] == ['icmp']:
        try:
            icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        except OSError as err:
            print(json.dumps({'error': 'raw-socket', 'detail': f'{type(err).__name__}: {err.strerror or err}'}), flush=True)
            sys.exit(3)
    for ttl in range(1, max_ttl + 1):
        result = probe(dst, port, sni, ttl, timeout, icmp)
        print(json.dumps(result), flush=True)
        if result['outcome'] == 'certificate':
            break


if __name__ == '__main__':
    main()
