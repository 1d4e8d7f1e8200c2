"""JSON Web Tokens for the users API: HS256, signed with JWT_SECRET, with an expiry."""

import datetime
from typing import Any, Dict

import jwt

ALGORITHM = "HS256"


def issue_token(subject: str, secret: str, minutes: float = 60) -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    claims = {"sub": subject, "iat": now, "exp": now + datetime.timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, secret: str) -> Dict[str, Any]:
    """The token's claims; raises jwt.ExpiredSignatureError or another jwt.InvalidTokenError."""
    return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
