"""The join code students type, the presenter token, and QR codes of URLs.

The join code is short enough to read off a projector and type on a phone (six characters from
an alphabet without look-alikes: no 0/O, 1/I/L); it keeps strangers on the same Wi-Fi out of the
lecture, it is not a password. The presenter token is a real secret (128 random bits) that only
the presenter view shows: whoever holds it drives the lecture, so it is compared in constant time.
"""

from __future__ import annotations

import hmac
import io
import secrets

#: Letters and digits that cannot be mistaken for one another on a projector.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(16)


def normalise_code(text: str) -> str:
    """What a student typed, as the code is written: 'k7q m3p' and 'K7Q-M3P' are 'K7QM3P'."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:32]


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison (``hmac.compare_digest``): the time taken says nothing about how
    much of a guess was right."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def spaced(code: str) -> str:
    """The code as the projector shows it: two groups of three ('K7Q M3P')."""
    return f"{code[:3]} {code[3:]}" if len(code) == CODE_LENGTH else code


def qr_terminal(url: str) -> str:
    """The QR code of ``url`` as text for a terminal (half-block characters, dark on light)."""
    import segno

    out = io.StringIO()
    segno.make(url, error="m", boost_error=False).terminal(out=out, compact=True, border=2)
    return out.getvalue()


def qr_png(url: str, scale: int = 10) -> bytes:
    """The QR code of ``url`` as a PNG (for the projector's full-screen join screen)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m", boost_error=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules (True is dark), without the quiet zone: for painting it at any size."""
    import segno

    qr = segno.make(url, error="m", boost_error=False)
    return [[bool(cell) for cell in row] for row in qr.matrix]
