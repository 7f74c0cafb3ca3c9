# Identified mode, on your own Python server: the user hash, with the standard library only.
import hashlib
import hmac


def parlor_user_hash(site_secret: str, user_id: str) -> str:
    prk = hmac.new(b"\0" * 32, site_secret.encode(), hashlib.sha256).digest()  # HKDF-Extract, no salt
    key = hmac.new(prk, b"parlor user-hash v1\x01", hashlib.sha256).digest()  # HKDF-Expand, 32 bytes
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()


if __name__ == "__main__":
    import sys

    print(parlor_user_hash(sys.argv[1], sys.argv[2]))
