#!/usr/bin/env python3
"""Reads certificate requests, certificates or CRLs with Python's
cryptography, whose Rust ASN.1 parser refuses what DER forbids (a SET OF out
of order: InvalidSetOrdering), where OpenSSL and Go let it pass.

usage: strict_der.py csr|cert|crl FILE...   (DER or PEM)

Prints "ok FILE" for each file that reads; for the first that does not,
prints "FILE: error" on stderr and exits 1.
"""
import sys

from cryptography import x509

LOADERS = {
    "csr": (x509.load_der_x509_csr, x509.load_pem_x509_csr),
    "cert": (x509.load_der_x509_certificate, x509.load_pem_x509_certificate),
    "crl": (x509.load_der_x509_crl, x509.load_pem_x509_crl),
}


def touch(kind, obj):
    """Reads what cryptography decodes lazily, so that all of it is parsed."""
    list(obj.extensions)
    if kind == "csr":
        obj.subject
        list(obj.attributes)
        if not obj.is_signature_valid:
            raise ValueError("the request's signature does not verify")
    elif kind == "cert":
        obj.subject
        obj.issuer
        obj.serial_number
        obj.public_key()
    else:
        obj.issuer
        list(obj)


def main(argv):
    if len(argv) < 3 or argv[1] not in LOADERS:
        print(__doc__, file=sys.stderr)
        return 2
    kind = argv[1]
    from_der, from_pem = LOADERS[kind]
    for path in argv[2:]:
        with open(path, "rb") as f:
            data = f.read()
        try:
            touch(kind, from_pem(data) if data.lstrip().startswith(b"-----BEGIN") else from_der(data))
        except Exception as e:  # noqa: BLE001 - any refusal is the answer
            print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        print(f"ok {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
