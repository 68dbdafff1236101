"""Trust over the network: signed CloudEvents (signing.py, signer.py), the source systems' keys (keys.py),
the hub's check (verify.py)."""
