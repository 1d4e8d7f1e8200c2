"""Prints a token for the users API:  JWT_SECRET=... python3 make_token.py alice [minutes]"""

import os
import sys

from auth import issue_token

if __name__ == "__main__":
    secret = os.environ.get("JWT_SECRET")
    if not secret or len(sys.argv) < 2:
        sys.exit("usage: JWT_SECRET=... python3 make_token.py SUBJECT [MINUTES]  (the server's JWT_SECRET)")
    print(issue_token(sys.argv[1], secret, float(sys.argv[2]) if len(sys.argv) > 2 else 60))
