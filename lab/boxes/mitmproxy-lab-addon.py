"""mitmproxy addon for the lab: the scenario's site names live at lab addresses (a JSON map the
lab writes for this run, path in $TLSLAB_SITES). Every upstream connection goes to the site's lab
address, keeping the name for SNI and verification; a name the lab does not serve is refused,
never looked up (that would leave the machine)."""
import json
import os

SITES = {name.lower(): address for name, address in json.load(open(os.environ["TLSLAB_SITES"])).items()}


def server_connect(data):
    host, port = data.server.address
    if not data.server.sni:
        data.server.sni = host
    address = SITES.get(str(host).lower())
    if address is None:
        data.server.error = f"the lab serves no site named {host}"
        return
    data.server.address = (address, port)
