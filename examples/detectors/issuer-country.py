#!/usr/bin/env python3
"""Detector plug-in (executable form) for tls-interception-lab.

Reads one cell's evidence as JSON on stdin, writes one finding as JSON on stdout:
  {"flagged": bool, "confidence": 0..1, "reason": str}   or   {"skipped": str}
Flags a chain in which some certificate was issued by a CA in a country listed below:
national interception CAs name their country, public web CAs serving these sites do not.
Needs only python3 and the openssl CLI.
"""
import json
import re
import subprocess
import sys

FLAGGED_COUNTRIES = {"KZ"}
PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def issuer_of(pem: str) -> str:
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-issuer", "-nameopt", "RFC2253"],
        input=pem, capture_output=True, text=True, check=True,
    ).stdout
    return out.strip().removeprefix("issuer=")


def country_of(name: str):
    match = re.search(r"(?:^|,)C=([A-Za-z]{2})(?:,|$)", name)
    return match.group(1).upper() if match else None


def main() -> None:
    evidence = json.load(sys.stdin)
    chain = PEM.findall("\n".join(evidence.get("chainPem") or []))
    if not chain:
        print(json.dumps({"skipped": "no chainPem in the evidence"}))
        return
    for pem in chain:
        issuer = issuer_of(pem)
        country = country_of(issuer)
        if country in FLAGGED_COUNTRIES:
            print(json.dumps({"flagged": True, "confidence": 0.8,
                              "reason": f"issuer \"{issuer}\" is in {country}"}))
            return
    print(json.dumps({"flagged": False, "confidence": 0.5,
                      "reason": f"no issuer in {', '.join(sorted(FLAGGED_COUNTRIES))} among {len(chain)} certificate(s)"}))


if __name__ == "__main__":
    main()
