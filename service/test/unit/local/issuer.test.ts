// The local Okta authorization server holds the scope it grants to Okta's rule for custom scope names: it cannot be
// set up with a name Okta would refuse to create, and by default it grants the service's default scope.
import { describe, expect, it } from 'vitest';
import { LOCAL_SCOPE, LocalIssuer } from '../../../local/issuer.js';

const issuer = 'http://127.0.0.1:3000/oauth2/default';

describe('LocalIssuer', () => {
  it('grants phone-mfa.send by default, a scope Okta allows', () => {
    expect(LOCAL_SCOPE).toBe('phone-mfa.send');
    expect(new LocalIssuer({ issuer }).scope).toBe('phone-mfa.send');
  });

  it.each(['okta.telephony.send', 'okta:hook', 'okta', '*'])("refuses %s, naming Okta's rule", (scope) => {
    expect(() => new LocalIssuer({ issuer, scope })).toThrow(
      /reserved by Okta: a custom scope may not start with "okta\." or "okta:", nor be "okta" or "\*"/,
    );
  });
});
