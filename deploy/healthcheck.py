"""The image's HEALTHCHECK: exits 0 when the gateway in this container says it is ready.

It asks http://127.0.0.1:$ROBYN_PORT$ROBYN_HEALTH_PATH/ready, the endpoint the gateway answers
itself (never the app). Standard library only, so the image needs no curl.
"""
import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("ROBYN_PORT", "8080")
    path = os.environ.get("ROBYN_HEALTH_PATH", "/__robyn/health").rstrip("/")
    url = f"http://127.0.0.1:{port}{path}/ready"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
