"""Schemathesis hooks for Debrief, loaded by scripts/schemathesis.sh (through
SCHEMATHESIS_HOOKS).

- Authentication: every request carries the bearer token of a registered user
  (DEBRIEF_TOKEN, registered by the script). The run signs out and deletes
  accounts too (POST /api/v1/auth/logout, DELETE /api/v1/me); when the token
  stops working (401), a new user is registered and the run goes on with it.
- Rules the OpenAPI document cannot state, applied to generated requests:
  `after` and `before` of GET /api/v1/conversations/{id}/messages exclude
  each other (400 when both are sent, as their descriptions say); sign-up
  refuses the most common passwords (protocol/data/common-passwords.txt);
  integers are sent without a fraction (`523`, not `523.0`).
- Spoken answers (POST …/questions/{q}/audio) take audio bodies, which
  schemathesis cannot make from a schema: they get arbitrary bytes.
"""

import os
import uuid

import requests
import schemathesis
from hypothesis import strategies as st

BASE_URL = os.environ["DEBRIEF_URL"]

for audio_type in ("audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/wav"):
    schemathesis.openapi.media_type(audio_type, st.binary(max_size=4096))


def register() -> str:
    """Registers a fresh user and returns its token."""
    response = requests.post(
        f"{BASE_URL}/api/v1/auth/register",
        json={
            "email": f"fuzz-{uuid.uuid4().hex}@example.com",
            "password": f"fuzzing {uuid.uuid4().hex}",
            "name": "Fuzz",
        },
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["token"]


@schemathesis.auth()
class DebriefToken:
    """The given user's token first; a new user's after a 401."""

    def __init__(self) -> None:
        self.first = os.environ.get("DEBRIEF_TOKEN")

    def get(self, case, context):
        if self.first:
            token, self.first = self.first, None
            return token
        return register()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _common_passwords() -> frozenset:
    path = os.path.join(os.path.dirname(__file__), "..", "protocol", "data", "common-passwords.txt")
    try:
        with open(path, encoding="utf-8") as lines:
            return frozenset(line.strip() for line in lines if line.strip())
    except OSError:
        return frozenset()


COMMON_PASSWORDS = _common_passwords()


@schemathesis.hook
def before_call(context, case, **kwargs):
    """Adjusts a generated request, just before it is sent, to the rules the
    document cannot state (every phase runs this hook, unlike filters)."""
    path = case.operation.path
    if path == "/api/v1/conversations/{id}/messages" and case.query:
        if case.query.get("after") is not None and case.query.get("before") is not None:
            del case.query["before"]
    if path == "/api/v1/auth/register" and isinstance(case.body, dict):
        password = case.body.get("password")
        if isinstance(password, str) and password.strip().lower() in COMMON_PASSWORDS:
            case.body["password"] = password + "~"


# tus PATCH bodies are bytes, sent like application/octet-stream.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


def _integers(value):
    """`523.0` as `523`: JSON Schema counts it an integer, serde reads
    integers written without a fraction (as every client sends them)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {key: _integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers(item) for item in value]
    return value


@schemathesis.hook
def map_body(context, body):
    return _integers(body)
