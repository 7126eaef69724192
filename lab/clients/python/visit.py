"""One HTTPS visit with Python's ssl + urllib, for the lab's python client shim.

Input: one JSON argument {url, site, route: {kind, host, port}, cafile, pins, timeout}.
Output: one JSON line {outcome, status?, error?, detail?, chain_der: [base64...], python}.

Trust comes only from ssl.create_default_context(cafile=...): given a cafile it loads no default
paths. Pinning is application level (OkHttp CertificatePinner style): the visit is refused unless
some certificate of the verified chain has a pinned SPKI. Python 3.13 exposes that chain
(SSLSocket.get_verified_chain); before it only the leaf is public API, so there pins are
compared with the leaf alone.
"""
import base64
import hashlib
import http.client
import json
import socket
import ssl
import sys
import urllib.error
import urllib.request


class CertificatePinningError(ssl.SSLError):
    pass


def main():
    request = json.loads(sys.argv[1])
    site = request["site"]
    route = request["route"]
    pins = set(request.get("pins") or [])
    seen = {"chain": []}
    try:
        context = ssl.create_default_context(cafile=request["cafile"])
    except Exception as error:  # an unusable CA file is this client's verdict too
        report({"outcome": "refused", **describe(error)}, [])
        return

    class ObservedConnection(http.client.HTTPSConnection):
        def connect(self):
            super().connect()
            chain = verified_chain(self.sock)
            seen["chain"] = chain
            if pins and not {spki_sha256(der) for der in chain} & pins:
                self.sock.close()
                raise CertificatePinningError(
                    "no certificate in the %s for %s has a pinned SPKI"
                    % ("verified chain" if len(chain) > 1 else "leaf", site))

    class ObservedHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(ObservedConnection, req, context=context)

    if route["kind"] == "direct":
        redirect_connections(site, route["host"], int(route["port"]))
        proxies = {}
    else:
        proxies = {"https": "http://%s:%d" % (route["host"], int(route["port"]))}

    opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies), ObservedHandler())
    try:
        # urllib's own User-Agent: detectors judge what the real client sends
        req = urllib.request.Request(request["url"])
        with opener.open(req, timeout=request["timeout"]) as response:
            response.read()
            result = {"outcome": "loaded", "status": response.status}
    except urllib.error.HTTPError as error:
        result = {"outcome": "loaded", "status": error.code}
    except Exception as error:  # the exception's class is the verdict
        result = {"outcome": "refused", **describe(error)}
    report(result, seen["chain"])


def report(result, chain):
    result["chain_der"] = [base64.b64encode(der).decode() for der in chain]
    result["python"] = sys.version.split()[0]
    sys.stdout.write(json.dumps(result) + "\n")


def verified_chain(sock):
    getter = getattr(sock, "get_verified_chain", None)
    if getter is not None:
        return list(getter())
    leaf = sock.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def der_element(data, offset):
    """(start of content, end of element) of the DER element at offset."""
    length = data[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    return start, start + length


def spki_sha256(certificate_der):
    # Certificate -> tbsCertificate -> [0] version?, serial, signature, issuer, validity, subject, spki
    tbs_start, _ = der_element(certificate_der, 0)
    offset, _ = der_element(certificate_der, tbs_start)
    if certificate_der[offset] == 0xA0:
        offset = der_element(certificate_der, offset)[1]
    for _ in range(5):
        offset = der_element(certificate_der, offset)[1]
    _, end = der_element(certificate_der, offset)
    return base64.b64encode(hashlib.sha256(certificate_der[offset:end]).digest()).decode()


def redirect_connections(site, host, port):
    """Open TCP to host:port whenever urllib asks for the site; SNI and Host stay the site's."""
    original = socket.create_connection

    def create_connection(address, *args, **kwargs):
        if address[0] == site:
            address = (host, port)
        return original(address, *args, **kwargs)

    socket.create_connection = create_connection


def describe(error):
    reason = error.reason if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException) else error
    name = type(reason).__name__
    if isinstance(reason, ssl.SSLCertVerificationError):
        return {"error": "%s:%d" % (name, reason.verify_code), "detail": str(reason.verify_message or reason)}
    return {"error": name, "detail": str(reason)}


if __name__ == "__main__":
    main()
