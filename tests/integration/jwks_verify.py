#!/usr/bin/env python3
"""An independent ES256 verifier: given a JWK Set and a JWT, it rebuilds the
public key from the JWK alone (x, y -> SubjectPublicKeyInfo PEM), converts
the JWS signature from raw R||S to DER, and asks OpenSSL's command line to
verify it. No code of Quire is involved.

usage: jwks_verify.py JWKS_FILE TOKEN_FILE   (exit 0: verified, 1: not)
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

# DER prefix of a P-256 SubjectPublicKeyInfo, before the 65-byte point.
SPKI_P256 = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def main():
    jwks = json.load(open(sys.argv[1]))
    token = open(sys.argv[2]).read().strip()
    head_b64, payload_b64, sig_b64 = token.split(".")
    header = json.loads(b64url(head_b64))
    if header.get("alg") != "ES256":
        print("not ES256")
        return 1
    keys = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")]
    if len(keys) != 1 or keys[0]["kty"] != "EC" or keys[0]["crv"] != "P-256":
        print("no matching P-256 key in the JWK Set")
        return 1
    point = b"\x04" + b64url(keys[0]["x"]) + b64url(keys[0]["y"])
    pem = ("-----BEGIN PUBLIC KEY-----\n" +
           base64.encodebytes(SPKI_P256 + point).decode() +
           "-----END PUBLIC KEY-----\n")
    raw = b64url(sig_b64)
    if len(raw) != 64:
        print("signature is not 64 bytes")
        return 1
    seq = der_int(raw[:32]) + der_int(raw[32:])
    sig_der = b"\x30" + bytes([len(seq)]) + seq
    with tempfile.TemporaryDirectory() as d:
        paths = {n: os.path.join(d, n) for n in ("pub.pem", "sig.der", "data")}
        open(paths["pub.pem"], "w").write(pem)
        open(paths["sig.der"], "wb").write(sig_der)
        open(paths["data"], "wb").write((head_b64 + "." + payload_b64).encode())
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", paths["pub.pem"],
                            "-signature", paths["sig.der"], paths["data"]],
                           capture_output=True, text=True)
    print(r.stdout.strip() or r.stderr.strip())
    return 0 if r.returncode == 0 and "Verified OK" in r.stdout else 1


if __name__ == "__main__":
    sys.exit(main())
