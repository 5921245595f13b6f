import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_SCOPE } from '../../service/local/issuer.js';
import type { TokenSource } from './tokens.js';

/**
 * Client credentials of the local stack's authorization server (`npm start` prints the same defaults).
 *
 * @param tokenUrl - `${baseUrl}/oauth2/default/v1/token`
 */
export function localTokenSource(tokenUrl: string): TokenSource {
  return {
    kind: 'client-credentials',
    tokenUrl,
    clientId: LOCAL_CLIENT_ID,
    clientSecret: LOCAL_CLIENT_SECRET,
    scope: LOCAL_SCOPE,
  };
}
