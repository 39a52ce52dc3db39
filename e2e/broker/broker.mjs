// A stand-in for the eHerkenning broker in Poort's tests: a real OpenID Provider
// (oidc-provider) with one static client, our own login page and two ways of tampering
// with the ID token. It stands in for the outside world, not for a part of Poort.
//
//   node broker.mjs --port 0 --client-id ID --client-secret S --redirect-uri URI --shape urn|plain
//
// oidc-provider is loaded from POORT_TEST_BROKER_MODULES (a node_modules folder), else from
// node_modules next to this script. Prints `ready http://127.0.0.1:<port>` on stdout once it
// listens; everything else goes to stderr. Exits when stdin closes and on SIGTERM/SIGINT.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const log = (...args) => console.error('broker:', ...args);

// --- arguments -------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    // A JWKS file: the client authenticates with private_key_jwt (ES256) instead of a secret.
    'client-jwks': { type: 'string' },
    'redirect-uri': { type: 'string' },
    shape: { type: 'string', default: 'urn' },
  },
  strict: true,
});
for (const name of ['client-id', args['client-jwks'] ? 'client-jwks' : 'client-secret', 'redirect-uri']) {
  if (!args[name]) {
    log(`--${name} is required`);
    process.exit(2);
  }
}
if (!['urn', 'plain'].includes(args.shape)) {
  log(`--shape must be urn or plain, not ${args.shape}`);
  process.exit(2);
}
const shape = args.shape;

// --- modules ---------------------------------------------------------------------------

// ESM imports ignore NODE_PATH: resolve absolute paths from the modules folder instead.
const here = dirname(fileURLToPath(import.meta.url));
const modulesDir = process.env.POORT_TEST_BROKER_MODULES || join(here, 'node_modules');
const requireFromModules = createRequire(join(modulesDir, 'poort-broker-resolver.cjs'));
let providerPath;
try {
  providerPath = requireFromModules.resolve('oidc-provider');
} catch (e) {
  log(`cannot find oidc-provider in ${modulesDir} (set POORT_TEST_BROKER_MODULES): ${e.message}`);
  process.exit(2);
}
// jose as oidc-provider itself resolves it, so both agree on the version.
const josePath = createRequire(providerPath).resolve('jose');
const { default: Provider } = await import(pathToFileURL(providerPath).href);
const jose = await import(pathToFileURL(josePath).href);

// --- levels and claims -----------------------------------------------------------------

const LEVELS = {
  loa2: { urn: 'urn:etoegang:core:assurance-class:loa2', eidas: 'loa:low', level: 'EH2' },
  loa2plus: { urn: 'urn:etoegang:core:assurance-class:loa2plus', eidas: 'loa:low', level: 'EH2+' },
  loa3: { urn: 'urn:etoegang:core:assurance-class:loa3', eidas: 'loa:substantial', level: 'EH3' },
  loa4: { urn: 'urn:etoegang:core:assurance-class:loa4', eidas: 'loa:high', level: 'EH4' },
};
const TAMPERS = ['none', 'nonce', 'key'];

const URN = {
  legal: 'urn:etoegang:core:LegalSubjectID',
  acting: 'urn:etoegang:core:ActingSubjectID',
  intermediary: 'urn:etoegang:1.9:IntermediateEntityID:KvKnr',
  branch: 'urn:etoegang:1.9:ServiceRestriction:Vestigingsnr',
};
const PLAIN = {
  legal: 'chamber_of_commerce',
  acting: 'acting_subject_id',
  level: 'level',
  intermediary: 'intermediary_kvk',
  branch: 'branch_number',
};
const CUSTOM_CLAIMS = shape === 'urn' ? Object.values(URN) : Object.values(PLAIN);

function acrFor(level) {
  return shape === 'urn' ? LEVELS[level].urn : LEVELS[level].eidas;
}

// oidc-provider makes `sub` the account id, so the account id is the stable subject and
// what was entered on the login page is kept per grant (each login gets a fresh grant):
// the token endpoint and userinfo find it through the code's or token's grantId.
function subjectOf(who) {
  return createHash('sha256').update(`${who.kvk}\n${who.acting}`).digest('hex').slice(0, 40);
}
const byGrant = new Map(); // grant id -> who
const bySubject = new Map(); // subject -> who of its latest login (before its grant exists)

function accountClaims(who, use) {
  const claims = { sub: subjectOf(who) };
  if (shape === 'urn') {
    // Both in the ID token and at userinfo.
    claims[URN.legal] = who.kvk;
    claims[URN.acting] = who.acting;
    if (who.intermediary) claims[URN.intermediary] = who.intermediary;
    if (who.branch) claims[URN.branch] = who.branch;
  } else if (use === 'userinfo') {
    // Only at userinfo: the ID token has the standard claims and acr alone.
    claims[PLAIN.legal] = who.kvk;
    claims[PLAIN.acting] = who.acting;
    claims[PLAIN.level] = LEVELS[who.level].level;
    if (who.intermediary) claims[PLAIN.intermediary] = who.intermediary;
    if (who.branch) claims[PLAIN.branch] = who.branch;
  }
  return claims;
}

// --- keys ------------------------------------------------------------------------------

const KID = 'poort-test-broker';
const { privateKey: signingKey } = await jose.generateKeyPair('RS256', {
  modulusLength: 2048,
  extractable: true,
});
const signingJwk = { ...(await jose.exportJWK(signingKey)), kid: KID, alg: 'RS256', use: 'sig' };

async function resign(idToken, change, key) {
  const header = jose.decodeProtectedHeader(idToken);
  const payload = jose.decodeJwt(idToken);
  change(payload);
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
}

function atHash(accessToken) {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

// --- HTTP server first, so the issuer can name the port ----------------------------------

let handler = (_req, res) => {
  res.statusCode = 503;
  res.end('starting');
};
const server = createServer((req, res) => handler(req, res));
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(args.port), '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

// --- the provider ----------------------------------------------------------------------

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      ...(args['client-jwks']
        ? {
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'ES256',
            jwks: JSON.parse(readFileSync(args['client-jwks'], 'utf8')),
          }
        : { client_secret: args['client-secret'], token_endpoint_auth_method: 'client_secret_basic' }),
      application_type: 'web',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [args['redirect-uri']],
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingJwk] },
  responseTypes: ['code'],
  pkce: { required: () => true },
  acrValues: Object.values(LEVELS).map((l) => (shape === 'urn' ? l.urn : l.eidas)),
  // Every custom claim on scope openid: the client asks for `openid` and nothing else.
  // acr too, so it is in the ID token even without acr_values in the request.
  claims: {
    openid: ['sub', 'acr', ...CUSTOM_CLAIMS],
  },
  // Scope claims in the ID token even though an access token is issued too (for urn);
  // for plain, accountClaims() keeps the custom ones out of the ID token instead.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    claimsParameter: { enabled: false },
    introspection: { enabled: false },
    revocation: { enabled: false },
    rpInitiatedLogout: { enabled: false },
  },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async findAccount(ctx, id, token) {
    const grantId = token?.grantId ?? ctx.oidc?.entities?.Grant?.jti;
    const who = (grantId && byGrant.get(grantId)) || bySubject.get(id);
    if (!who) return undefined;
    return {
      accountId: id,
      async claims(use) {
        return accountClaims(who, use);
      },
    };
  },
  // Consent is granted for everything requested, without asking.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const accountId = oidc.account.accountId;
    const clientId = oidc.client.clientId;
    const fresh = oidc.result?.poort;
    const existingId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(clientId);
    let grant = existingId && !fresh ? await oidc.provider.Grant.find(existingId) : undefined;
    if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) {
      grant = new oidc.provider.Grant({ accountId, clientId });
    }
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    grant.addOIDCClaims([...oidc.requestParamClaims]);
    await grant.save();
    if (fresh) byGrant.set(grant.jti, fresh);
    return grant;
  },
  async renderError(ctx, out, error) {
    log('error page:', JSON.stringify(out), error?.message ?? '');
    ctx.type = 'html';
    ctx.body = page(
      'Fout',
      `<h1>Fout</h1><pre id="error">${escapeHtml(JSON.stringify(out, null, 2))}</pre>`,
    );
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
});
provider.proxy = false;

for (const event of [
  'server_error',
  'authorization.error',
  'grant.error',
  'userinfo.error',
  'jwks.error',
  'discovery.error',
]) {
  provider.on(event, (_ctx, err) => log(event, err?.name, err?.message, err?.error_description ?? ''));
}

// --- pages -----------------------------------------------------------------------------

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="nl">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
${body}
</body>
</html>
`;
}

function loginPage(uid, details) {
  const options = (values, selected) =>
    values
      .map((v) => `<option value="${v}"${v === selected ? ' selected' : ''}>${v}</option>`)
      .join('');
  const requested = details.params.acr_values ? escapeHtml(details.params.acr_values) : '(geen)';
  return page(
    'Test-makelaar eHerkenning',
    `<h1>Test-makelaar eHerkenning</h1>
<p>Inloggen bij <strong id="client">${escapeHtml(details.params.client_id)}</strong>; gevraagd niveau: <span id="requested-acr">${requested}</span> (vorm: ${shape}).</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <p><label for="kvk">KvK-nummer</label> <input type="text" id="kvk" name="kvk" autocomplete="off"></p>
  <p><label for="acting">Pseudoniem (ActingSubjectID)</label> <input type="text" id="acting" name="acting" autocomplete="off"></p>
  <p><label for="level">Betrouwbaarheidsniveau</label> <select id="level" name="level">${options(Object.keys(LEVELS), 'loa3')}</select></p>
  <p><label for="intermediary">KvK-nummer intermediair (optioneel)</label> <input type="text" id="intermediary" name="intermediary" autocomplete="off"></p>
  <p><label for="branch">Vestigingsnummer (optioneel)</label> <input type="text" id="branch" name="branch" autocomplete="off"></p>
  <p><label for="tamper">ID-token knoeien</label> <select id="tamper" name="tamper">${options(TAMPERS, 'none')}</select></p>
  <p>
    <button type="submit" id="login" name="action" value="login">Inloggen</button>
    <button type="submit" id="deny" name="action" value="deny">Geen machtiging</button>
    <button type="submit" id="cancel" name="action" value="cancel">Annuleren</button>
  </p>
</form>
`,
  );
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function finish(ctx, result) {
  const to = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(to);
}

// Our interaction routes, and a log line per request.
provider.use(async (ctx, next) => {
  const started = Date.now();
  try {
    const get = ctx.method === 'GET' && ctx.path.match(/^\/interaction\/([\w-]+)$/);
    const post = ctx.method === 'POST' && ctx.path.match(/^\/interaction\/([\w-]+)\/login$/);
    if (get || post) {
      const uid = (get || post)[1];
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) {
        ctx.status = 400;
        ctx.body = 'interaction mismatch';
        return;
      }
      ctx.set('cache-control', 'no-store');
      if (details.prompt.name === 'consent') {
        // Not expected (loadExistingGrant grants everything), but never ask.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope([...(details.prompt.details.missingOIDCScope ?? [])].join(' '));
        grant.addOIDCClaims(details.prompt.details.missingOIDCClaims ?? []);
        await finish(ctx, { consent: { grantId: await grant.save() } });
        return;
      }
      if (get) {
        ctx.type = 'html';
        ctx.body = loginPage(uid, details);
        return;
      }
      const form = await readForm(ctx.req);
      const action = form.get('action') || 'login';
      if (action === 'deny') {
        await finish(ctx, {
          error: 'access_denied',
          error_description: 'Geen machtiging voor deze dienst',
        });
        return;
      }
      if (action === 'cancel') {
        await finish(ctx, { error: 'access_denied', error_description: 'User cancelled the login' });
        return;
      }
      const who = {
        kvk: (form.get('kvk') || '').trim(),
        acting: (form.get('acting') || '').trim(),
        level: LEVELS[form.get('level')] ? form.get('level') : 'loa3',
        intermediary: (form.get('intermediary') || '').trim() || undefined,
        branch: (form.get('branch') || '').trim() || undefined,
        tamper: TAMPERS.includes(form.get('tamper')) ? form.get('tamper') : 'none',
      };
      if (!who.kvk || !who.acting) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = loginPage(uid, details).replace(
          '<form',
          '<p id="form-error">KvK-nummer en pseudoniem zijn verplicht.</p>\n<form',
        );
        return;
      }
      const sub = subjectOf(who);
      log('login', sub, JSON.stringify(who));
      bySubject.set(sub, who);
      await finish(ctx, {
        login: { accountId: sub, acr: acrFor(who.level), remember: false },
        poort: who,
      });
      return;
    }

    await next();

    // The token endpoint: at_hash into the ID token (oidc-provider only puts it in ID
    // tokens from the authorization endpoint), then the tamper mode of the login.
    if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
      const body = ctx.body;
      const grantId = ctx.oidc?.entities?.AuthorizationCode?.grantId;
      const tamper = byGrant.get(grantId)?.tamper ?? 'none';
      body.id_token = await resign(
        body.id_token,
        (claims) => {
          if (body.access_token && !claims.at_hash) claims.at_hash = atHash(body.access_token);
          if (tamper === 'nonce') claims.nonce = `${claims.nonce ?? ''}-tampered`;
        },
        signingKey,
      );
      if (tamper === 'key') {
        const { privateKey: other } = await jose.generateKeyPair('RS256', { modulusLength: 2048 });
        body.id_token = await resign(body.id_token, () => {}, other);
      }
      if (tamper !== 'none') log(`tampered with the ID token (${tamper})`);
    }
  } finally {
    log(`${ctx.method} ${ctx.path} -> ${ctx.status} (${Date.now() - started} ms)`);
  }
});

handler = provider.callback();

// --- lifetime --------------------------------------------------------------------------

function stop(why) {
  log(`stopping (${why})`);
  server.close();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.stdin.on('end', () => stop('stdin closed'));
process.stdin.on('error', () => stop('stdin error'));
process.stdin.resume();

log(`issuer ${issuer}, shape ${shape}, client ${args['client-id']}, redirect ${args['redirect-uri']}`);
process.stdout.write(`ready ${issuer}\n`);
