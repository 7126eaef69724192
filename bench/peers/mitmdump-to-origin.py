"""mitmdump addon for the bench: the bench's host names do not resolve, so every upstream
connection goes to 127.0.0.1 on the CONNECT port, keeping the name for SNI and verification."""


def server_connect(data):
    host, port = data.server.address
    if not data.server.sni:
        data.server.sni = host
    data.server.address = ("127.0.0.1", port)
