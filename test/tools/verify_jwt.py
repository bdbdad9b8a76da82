#!/usr/bin/python3
"""Verifies an RS256 JWT against a JWK Set with PyJWT, as an independent JOSE implementation would.

Usage: verify_jwt.py JWKS_FILE TOKEN_FILE AUDIENCE

Picks the key by the token's kid, requires "exp" and "aud", and checks the signature, expiry and
audience. Prints the claims as JSON and exits 0; on any failure prints the reason on stderr and exits 1.
"""

import json
import sys

import jwt


def main(argv):
    if len(argv) != 4:
        raise ValueError("usage: verify_jwt.py JWKS_FILE TOKEN_FILE AUDIENCE")
    jwks_path, token_path, audience = argv[1:]
    with open(jwks_path, encoding="utf-8") as f:
        jwks = json.load(f)
    with open(token_path, encoding="utf-8") as f:
        token = f.read().strip()

    header = jwt.get_unverified_header(token)
    kid = header.get("kid")
    if not kid:
        raise ValueError("token header has no kid")
    keys = [k for k in jwt.PyJWKSet.from_dict(jwks).keys if k.key_id == kid]
    if len(keys) != 1:
        raise ValueError(f"JWK Set has {len(keys)} keys with kid {kid!r}")

    claims = jwt.decode(
        token,
        keys[0].key,
        algorithms=["RS256"],
        audience=audience,
        options={"require": ["exp", "aud"]},
    )
    print(json.dumps(claims, sort_keys=True))


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as e:  # Any failure, including malformed input, is a refusal.
        print(f"verify_jwt: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
