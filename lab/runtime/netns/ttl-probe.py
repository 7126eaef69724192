#!/usr/bin/env python3
"""TTL-limited TLS probe (Censored Planet 2019, kz-campaigns.md 1.8). For TTL = 1..max: complete
the TCP handshake with the normal TTL, then send the ClientHello (and everything after it) with
IP_TTL = k, and report whether a certificate came back. Stops at the first certificate.
Usage: ttl-probe.py DST PORT SNI MAX_TTL TIMEOUT_S  ->  one JSON line per TTL."""
import base64
import json
import socket
import ssl
import sys
import time


def probe(dst: str, port: int, sni: str, ttl: int, timeout: float) -> dict:
    started = time.monotonic()
    sock = socket.create_connection((dst, port), timeout=timeout)
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
    for ttl in range(1, max_ttl + 1):
        result = probe(dst, port, sni, ttl, timeout)
        print(json.dumps(result), flush=True)
        if result['outcome'] == 'certificate':
            break


if __name__ == '__main__':
    main()
