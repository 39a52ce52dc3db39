"""An integrator's program, written against a client generated from openapi/openapi.json
(openapi-python-client) and nothing else of Poort: it signs a client assertion with PyJWT,
gets a token, invites a colleague, sets the colleague's rights, reads the audit trail and
deactivates the account. Run by the e2e tests against the real binary; prints one JSON line
with what it saw.

    python generated_client_walk.py GENERATED_DIR BASE_URL CLIENT_ID KEY_PEM KID PORTFOLIO_ID
"""

import json
import sys
import time
import uuid

generated, base, client_id, key_file, kid, portfolio = sys.argv[1:7]
sys.path.insert(0, generated)

import jwt  # noqa: E402  (PyJWT)
from poort_client import AuthenticatedClient, Client  # noqa: E402
from poort_client.api.oauth import oauth_token  # noqa: E402
from poort_client.api.office import deactivate, invite, office_audit, set_rights  # noqa: E402
from poort_client.models import (  # noqa: E402
    AccessTokenResponse,
    AccountResponse,
    AuditPageResponse,
    InvitationResponse,
    InviteRequest,
    RightsGrant,
    SetRightsRequest,
    TokenRequest,
)

now = int(time.time())
assertion = jwt.encode(
    {
        "iss": client_id,
        "sub": client_id,
        "aud": f"{base}/oauth2/token",
        "iat": now,
        "exp": now + 120,
        "jti": str(uuid.uuid4()),
    },
    open(key_file).read(),
    algorithm="EdDSA",
    headers={"kid": kid},
)
got = oauth_token.sync_detailed(
    client=Client(base_url=base),
    body=TokenRequest(
        grant_type="client_credentials",
        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion=assertion,
    ),
)
assert isinstance(got.parsed, AccessTokenResponse), (got.status_code, got.content)
api = AuthenticatedClient(base_url=base, token=got.parsed.access_token)

invited = invite.sync_detailed(
    client=api,
    body=InviteRequest(name="Gegenereerde Collega", email="gegenereerd@kantoor.example"),
    idempotency_key=str(uuid.uuid4()),
)
assert isinstance(invited.parsed, InvitationResponse), (invited.status_code, invited.content)
account = invited.parsed.account_id

rights = set_rights.sync_detailed(
    id=account,
    client=api,
    body=SetRightsRequest(
        portfolios=[RightsGrant(portfolio_id=uuid.UUID(portfolio), rights=["view_policies"])]
    ),
)
assert isinstance(rights.parsed, AccountResponse), (rights.status_code, rights.content)

trail = office_audit.sync_detailed(client=api, limit=50)
assert isinstance(trail.parsed, AuditPageResponse), (trail.status_code, trail.content)

gone = deactivate.sync_detailed(id=account, client=api)
assert isinstance(gone.parsed, AccountResponse), (gone.status_code, gone.content)

print(
    json.dumps(
        {
            "account": str(account),
            "rights": [r.rights for r in rights.parsed.rights],
            "actions": [e.action for e in trail.parsed.events],
            "status": str(gone.parsed.status),
        }
    )
)
