// An OpenID Connect provider for khuyenhoc's tests, on loopback only.
//
//   PORT=9000 AUDIENCE=urn:khuyenhoc:api KEYS_DIR=/tmp/keys KEY_IDS=k2,k1 node provider.mjs
//
// Clients: `integration-job` (client credentials, secret `job-secret`) and
// `officer-app` (a public single-page app: authorization code with PKCE,
// redirect http://127.0.0.1/callback), both given JWT access tokens for the
// resource they ask for (`resource`), by default AUDIENCE. Sign-in and
// consent are the provider's own development pages: any login signs in as
// the subject of that name. Signing keys (RS256) are read from KEYS_DIR by
// id, made there when missing; the first of KEY_IDS signs, all are
// published, so a restart with a new first id is a key rotation.
// ACCESS_TOKEN_TTL (seconds, default 600) bounds the tokens' life.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const audience = process.env.AUDIENCE ?? 'urn:khuyenhoc:api';
const ttl = Number(process.env.ACCESS_TOKEN_TTL ?? 600);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;

function key(kid) {
  const file = join(process.env.KEYS_DIR, `${kid}.json`);
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
    writeFileSync(file, JSON.stringify(jwk));
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

const provider = new Provider(issuer, {
  jwks: { keys: (process.env.KEY_IDS ?? 'k1').split(',').map(key) },
  clients: [
    {
      client_id: 'integration-job',
      client_secret: 'job-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: 'officer-app',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    },
  ],
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: ttl,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  pkce: { required: () => true },
  scopes: ['openid', 'api'],
  ttl: { AccessToken: ttl, ClientCredentials: ttl },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc provider ${issuer} ready`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
