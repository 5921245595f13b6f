/**
 * What `npm run okta:connect` makes in an Okta org, and `npm run okta:disconnect` removes: found or created by name,
 * idempotently (a second run changes nothing), each step read first so that `--plan` can say what it would do.
 *
 * The objects, in order: a custom authorization server (or a reused one), its scope, a hook key (Okta keeps the
 * private key), an API Services app authenticating with that key's public JWK (or a client secret), an access policy
 * for that app with a client-credentials rule for the scope, the telephony inline hook with OAuth, and optionally the
 * event hook or the log stream that feed the conversion loop.
 */
import { DEFAULT_REQUIRED_SCOPE } from '../../src/domain/okta-scope.js';
import type { OktaManagement } from './management.js';

// biome-ignore lint/suspicious/noExplicitAny: Okta's JSON objects, read field by field as Okta documents them
type Json = Record<string, any>;

/** What a step did, or (with `--plan`) would do. */
export type Action = 'create' | 'update' | 'leave' | 'activate' | 'deactivate' | 'delete' | 'verify';

/** One object's step. */
export type Step = { object: string; name: string; action: Action; id?: string; note?: string };

/** How the hook authenticates to the token endpoint. */
export type HookAuth = 'private-key' | 'secret';

/** The names of what connect makes: all derived from one base name. */
export function objectNames(base: string) {
  return {
    authorizationServer: base,
    scopeDescription: `Lets Okta's telephony inline hook call ${base}`,
    hookKey: base,
    app: `${base} hook`,
    policy: base,
    rule: `${base} client credentials`,
    inlineHook: base,
    eventHook: `${base} events`,
    logStream: base,
  };
}

/** The event types an event hook subscribes to: those the verification function reads that Okta sends to event hooks. */
export const EVENT_HOOK_EVENT_TYPES = [
  'user.authentication.auth_via_mfa',
  'user.mfa.factor.activate',
  'inline_hook.executed',
];

/** What connect is asked to do. */
export type ConnectRequest = {
  /** Base of every object's name. @default 'okta-phone-mfa' */
  name: string;
  /** The new authorization server's audience (a reused server keeps its own). */
  audience: string;
  /** The custom scope the hook's token carries. */
  scope: string;
  /** Reuse this authorization server (e.g. `default`) rather than find or make our own. */
  authServerId?: string;
  auth: HookAuth;
  /** The hook's URL (the stack output `HookUrl`); none = no inline hook. */
  hookUrl?: string;
  /** Deactivate another active telephony hook rather than stop. */
  replaceActiveHook: boolean;
  /** The event hook: the stack output `OktaEventHookUrl` and the secret behind `OktaEventHookSecretArn`. */
  eventHook?: { url: string; secret: () => Promise<string> };
  /** The log stream: the AWS account and region of the stack, and the event source name. */
  logStream?: { accountId: string; region: string; eventSourceName: string };
  /** Read only, and say what would change. */
  plan: boolean;
};

/** The settings `npm run deploy` takes: the authorizer's trust in this org's tokens. */
export type DeploySettings = {
  oktaIssuer: string;
  oktaAudience: string;
  requiredScope: string;
  allowedClientIds: string[];
};

/** What connect made or found. */
export type Connection = {
  steps: Step[];
  ids: {
    authorizationServerId?: string;
    scopeId?: string;
    hookKeyId?: string;
    clientId?: string;
    policyId?: string;
    ruleId?: string;
    inlineHookId?: string;
    eventHookId?: string;
    logStreamId?: string;
  };
  /** Undefined only with `--plan` when the server or the app does not exist yet. */
  settings?: DeploySettings;
};

/** Connect cannot go on without the operator: the message says what to do. */
export class ConnectStop extends Error {
  public override readonly name = 'ConnectStop';
}

/** Connect's defaults. */
export const CONNECT_DEFAULTS = {
  name: 'okta-phone-mfa',
  audience: 'api://okta-phone-mfa',
  scope: DEFAULT_REQUIRED_SCOPE,
};

/** The public JWK an app verifies the hook's client assertions with, from a hook key's (Okta shows `alg: "RSA"`). */
export function appJwkOf(hookKeyJwk: Json): Json {
  return {
    kty: hookKeyJwk.kty,
    kid: hookKeyJwk.kid,
    e: hookKeyJwk.e,
    n: hookKeyJwk.n,
    use: 'sig',
    alg: 'RS256',
  };
}

/**
 * Finds or creates everything, in order.
 *
 * @param okta - the org's management API
 * @param request - what to make
 */
export async function connect(okta: OktaManagement, request: ConnectRequest): Promise<Connection> {
  const names = objectNames(request.name);
  const steps: Step[] = [];
  const ids: Connection['ids'] = {};
  const step = (s: Step) => {
    steps.push(s);
    return s;
  };
  const apply = !request.plan;

  // Another active telephony hook stops connect before it makes anything (its own hook, active, does not).
  if (request.hookUrl && !request.replaceActiveHook) {
    const hooks = await okta.listTelephonyHooks();
    const ours = hooks.find((h) => h.name === names.inlineHook);
    const others = hooks.filter((h) => h.status === 'ACTIVE' && h.id !== ours?.id);
    if (others.length > 0 && ours?.status !== 'ACTIVE') throw anotherActiveHook(others);
  }

  // 1. The authorization server.
  let server: Json | undefined;
  if (request.authServerId) {
    server = await okta.getAuthorizationServer(request.authServerId);
    step({
      object: 'authorization server',
      name: String(server.name),
      action: 'leave',
      id: server.id,
      note: 'reused',
    });
  } else {
    server = (await okta.listAuthorizationServers(names.authorizationServer)).find(
      (s) => s.name === names.authorizationServer,
    );
    if (server) {
      step({
        object: 'authorization server',
        name: names.authorizationServer,
        action: 'leave',
        id: server.id,
      });
    } else {
      step({ object: 'authorization server', name: names.authorizationServer, action: 'create' });
      if (apply) {
        server = await okta.createAuthorizationServer({
          name: names.authorizationServer,
          description: 'Issues the tokens Okta calls the okta-phone-mfa telephony hook with',
          audiences: [request.audience],
        });
        steps[steps.length - 1]!.id = server.id;
      }
    }
  }
  if (server && server.status !== 'ACTIVE') {
    throw new ConnectStop(
      `The authorization server ${server.name} (${server.id}) is ${server.status}: activate it in Okta first.`,
    );
  }
  ids.authorizationServerId = server?.id;
  const audience = String(server?.audiences?.[0] ?? request.audience);
  if (server && audience !== request.audience && !request.authServerId) {
    steps[steps.length - 1]!.note = `its audience is ${audience}: the settings use it`;
  }

  // 2. The scope.
  const scope = server ? (await okta.listScopes(server.id)).find((s) => s.name === request.scope) : undefined;
  if (scope) {
    step({ object: 'scope', name: request.scope, action: 'leave', id: scope.id });
    ids.scopeId = scope.id;
  } else {
    step({ object: 'scope', name: request.scope, action: 'create' });
    if (apply && server) {
      const made = await okta.createScope(server.id, {
        name: request.scope,
        description: names.scopeDescription,
      });
      ids.scopeId = made.id;
      steps[steps.length - 1]!.id = made.id;
    }
  }

  // 3. The hook key (private key JWT): Okta keeps the private key, we read the public one.
  let jwk: Json | undefined;
  if (request.auth === 'private-key') {
    const key = (await okta.listHookKeys()).find((k) => k.name === names.hookKey);
    if (key) {
      step({ object: 'hook key', name: names.hookKey, action: 'leave', id: key.id });
      ids.hookKeyId = key.id;
      jwk = appJwkOf(await okta.publicHookKey(key.keyId));
    } else {
      step({ object: 'hook key', name: names.hookKey, action: 'create' });
      if (apply) {
        const made = await okta.createHookKey(names.hookKey);
        ids.hookKeyId = made.id;
        steps[steps.length - 1]!.id = made.id;
        jwk = appJwkOf(made._embedded ?? (await okta.publicHookKey(made.keyId)));
      }
    }
  }

  // 4. The API Services app: private_key_jwt with the hook key's public JWK (or a client secret).
  let clientSecret: string | undefined;
  const apps = (await okta.listApps(names.app)).filter((a) => a.label === names.app);
  let app = apps[0];
  const method = request.auth === 'private-key' ? 'private_key_jwt' : 'client_secret_post';
  const appFits = (candidate: Json) =>
    candidate.status === 'ACTIVE' &&
    candidate.credentials?.oauthClient?.token_endpoint_auth_method === method &&
    candidate.settings?.oauthClient?.dpop_bound_access_tokens !== true &&
    (method !== 'private_key_jwt' ||
      (jwk !== undefined &&
        (candidate.settings?.oauthClient?.jwks?.keys ?? []).some((k: Json) => k.kid === jwk?.kid)));
  if (app && appFits(app)) {
    step({ object: 'application', name: names.app, action: 'leave', id: app.id });
  } else {
    // Ours by name but not right (another key, DPoP on, inactive): replaced, and everything naming it follows.
    if (app) {
      step({
        object: 'application',
        name: names.app,
        action: 'delete',
        id: app.id,
        note: 'not as connect makes it',
      });
      if (apply) {
        if (app.status === 'ACTIVE') await okta.deactivateApp(app.id);
        await okta.deleteApp(app.id);
      }
    }
    step({ object: 'application', name: names.app, action: 'create' });
    app = undefined;
    if (apply) {
      app = await okta.createServiceApp(names.app, jwk);
      clientSecret = app.credentials?.oauthClient?.client_secret;
      steps[steps.length - 1]!.id = app?.id;
    }
  }
  ids.clientId = app?.id;

  // 5. The access policy for that app, and its client-credentials rule for the scope.
  let policy = server ? (await okta.listPolicies(server.id)).find((p) => p.name === names.policy) : undefined;
  if (policy && app && policy.conditions?.clients?.include?.includes(app.id) && policy.status === 'ACTIVE') {
    step({ object: 'access policy', name: names.policy, action: 'leave', id: policy.id });
  } else {
    if (policy) {
      step({
        object: 'access policy',
        name: names.policy,
        action: 'update',
        id: policy.id,
        note: 'for the app',
      });
      if (apply && server) await okta.deletePolicy(server.id, policy.id);
    } else {
      step({ object: 'access policy', name: names.policy, action: 'create' });
    }
    policy = undefined;
    if (apply && server && app) {
      policy = await okta.createPolicy(server.id, {
        name: names.policy,
        description: `Only the ${names.app} app, only client credentials for ${request.scope}`,
        clientId: app.id,
      });
      steps[steps.length - 1]!.id = policy?.id;
    }
  }
  ids.policyId = policy?.id;
  const rule =
    server && policy
      ? (await okta.listRules(server.id, policy.id)).find((r) => r.name === names.rule)
      : undefined;
  const ruleFits =
    rule?.status === 'ACTIVE' &&
    rule.conditions?.grantTypes?.include?.includes('client_credentials') &&
    rule.conditions?.scopes?.include?.includes(request.scope);
  if (rule && ruleFits) {
    step({ object: 'policy rule', name: names.rule, action: 'leave', id: rule.id });
    ids.ruleId = rule.id;
  } else {
    step({
      object: 'policy rule',
      name: names.rule,
      action: rule ? 'update' : 'create',
      ...(rule ? { id: rule.id } : {}),
    });
    if (apply && server && policy) {
      if (rule) await okta.deleteRule(server.id, policy.id, rule.id);
      const made = await okta.createRule(server.id, policy.id, { name: names.rule, scope: request.scope });
      ids.ruleId = made.id;
      steps[steps.length - 1]!.id = made.id;
    }
  }

  const settings: DeploySettings | undefined =
    server && app
      ? {
          oktaIssuer: String(server.issuer),
          oktaAudience: audience,
          requiredScope: request.scope,
          allowedClientIds: [app.id],
        }
      : undefined;

  // 6. The telephony inline hook, with OAuth.
  if (request.hookUrl) {
    ids.inlineHookId = await telephonyHook(okta, request, {
      names,
      step,
      apply,
      server,
      app,
      clientSecret,
      hookKeyId: ids.hookKeyId,
    });
  }

  // 7. Okta's events for the conversion loop.
  if (request.eventHook)
    ids.eventHookId = await eventHook(okta, request.eventHook, names.eventHook, step, apply);
  if (request.logStream)
    ids.logStreamId = await logStream(okta, request.logStream, names.logStream, step, apply);

  return { steps, ids, ...(settings ? { settings } : {}) };
}

/** The stop when another telephony hook is active. */
function anotherActiveHook(active: Json[]): ConnectStop {
  const named = active.map((h) => `"${h.name}" (${h.id})`).join(', ');
  return new ConnectStop(
    `Another telephony inline hook is active: ${named}. An org has one active telephony hook, and it sends the org's SMS and voice codes: pass --replace-active-hook to deactivate it (nothing is deleted), or deactivate it in Okta (Workflow → Inline Hooks). Nothing was changed.`,
  );
}

/** The inline hook's step(s); its id. */
async function telephonyHook(
  okta: OktaManagement,
  request: ConnectRequest,
  context: {
    names: ReturnType<typeof objectNames>;
    step: (s: Step) => Step;
    apply: boolean;
    server: Json | undefined;
    app: Json | undefined;
    clientSecret: string | undefined;
    hookKeyId: string | undefined;
  },
): Promise<string | undefined> {
  const { names, step, apply, server, app } = context;
  const hooks = await okta.listTelephonyHooks();
  const ours = hooks.find((h) => h.name === names.inlineHook);
  const othersActive = hooks.filter((h) => h.status === 'ACTIVE' && h.id !== ours?.id);
  const config = (hook: Json | undefined) => hook?.channel?.config ?? {};
  const wanted = {
    uri: request.hookUrl,
    authType: request.auth === 'private-key' ? 'private_key_jwt' : 'client_secret_post',
    clientId: app?.id,
    tokenUrl: server ? `${server.issuer}/v1/token` : undefined,
    scope: request.scope,
    ...(request.auth === 'private-key' ? { hookKeyId: context.hookKeyId } : {}),
  };
  const same =
    ours?.channel?.type === 'OAUTH' &&
    Object.entries(wanted).every(([key, value]) => value !== undefined && config(ours)[key] === value);

  if (othersActive.length > 0 && ours?.status !== 'ACTIVE') {
    if (!request.replaceActiveHook) throw anotherActiveHook(othersActive);
    for (const other of othersActive) {
      step({
        object: 'inline hook',
        name: String(other.name),
        action: 'deactivate',
        id: other.id,
        note: '--replace-active-hook',
      });
      if (apply) await okta.deactivateInlineHook(other.id);
    }
  }
  const body = (): Json => ({
    name: names.inlineHook,
    type: 'com.okta.telephony.provider',
    version: '1.0.0',
    channel: {
      type: 'OAUTH',
      version: '1.0.0',
      config: {
        uri: request.hookUrl,
        method: 'POST',
        headers: [],
        authType: wanted.authType,
        clientId: wanted.clientId,
        tokenUrl: wanted.tokenUrl,
        scope: request.scope,
        ...(request.auth === 'private-key'
          ? { hookKeyId: context.hookKeyId }
          : { clientSecret: context.clientSecret }),
      },
    },
  });
  const needSecret = () => {
    if (request.auth === 'secret' && !context.clientSecret) {
      throw new ConnectStop(
        `The inline hook needs the app's client secret, which Okta shows only when the app is created: run npm run okta:disconnect, then connect again (or use --auth private-key, where no secret exists).`,
      );
    }
  };
  if (ours && same) {
    step({
      object: 'inline hook',
      name: names.inlineHook,
      action: ours.status === 'ACTIVE' ? 'leave' : 'activate',
      id: ours.id,
    });
    if (apply && ours.status !== 'ACTIVE') await okta.activateInlineHook(ours.id);
    return ours.id;
  }
  if (ours) {
    step({ object: 'inline hook', name: names.inlineHook, action: 'update', id: ours.id });
    if (apply) {
      needSecret();
      await okta.replaceInlineHook(ours.id, { name: body().name, version: '1.0.0', channel: body().channel });
      if (ours.status !== 'ACTIVE') await okta.activateInlineHook(ours.id);
    }
    return ours.id;
  }
  const created = step({ object: 'inline hook', name: names.inlineHook, action: 'create' });
  if (!apply) return undefined;
  needSecret();
  const made = await okta.createInlineHook(body());
  created.id = made.id;
  return made.id;
}

/** The event hook's step(s): subscribed to the eligible types, verified; its id. */
async function eventHook(
  okta: OktaManagement,
  target: NonNullable<ConnectRequest['eventHook']>,
  name: string,
  step: (s: Step) => Step,
  apply: boolean,
): Promise<string | undefined> {
  const found = (await okta.listEventHooks()).find((h) => h.name === name);
  const fits =
    found?.status === 'ACTIVE' &&
    found.channel?.config?.uri === target.url &&
    found.channel?.config?.authScheme?.key?.toLowerCase() === 'authorization' &&
    [...(found.events?.items ?? [])].sort().join() === [...EVENT_HOOK_EVENT_TYPES].sort().join();
  if (found && fits) {
    if (found.verificationStatus === 'VERIFIED') {
      step({ object: 'event hook', name, action: 'leave', id: found.id });
      return found.id;
    }
    step({ object: 'event hook', name, action: 'verify', id: found.id });
    if (apply) await okta.verifyEventHook(found.id);
    return found.id;
  }
  if (found) {
    step({ object: 'event hook', name, action: 'delete', id: found.id, note: 'not as connect makes it' });
    if (apply) {
      if (found.status === 'ACTIVE') await okta.deactivateEventHook(found.id);
      await okta.deleteEventHook(found.id);
    }
  }
  const created = step({
    object: 'event hook',
    name,
    action: 'create',
    note: `subscribed to ${EVENT_HOOK_EVENT_TYPES.join(', ')}; verified`,
  });
  if (!apply) return undefined;
  const made = await okta.createEventHook({
    name,
    description: 'Okta System Log events for the okta-phone-mfa conversion loop',
    events: { type: 'EVENT_TYPE', items: EVENT_HOOK_EVENT_TYPES },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: target.url,
        headers: [],
        authScheme: { type: 'HEADER', key: 'Authorization', value: await target.secret() },
      },
    },
  });
  created.id = made.id;
  await okta.verifyEventHook(made.id);
  return made.id;
}

/** The log stream's step(s); its id. */
async function logStream(
  okta: OktaManagement,
  target: NonNullable<ConnectRequest['logStream']>,
  name: string,
  step: (s: Step) => Step,
  apply: boolean,
): Promise<string | undefined> {
  const found = (await okta.listLogStreams()).find((s) => s.name === name);
  const fits =
    found?.status === 'ACTIVE' &&
    found.settings?.accountId === target.accountId &&
    found.settings?.region === target.region &&
    found.settings?.eventSourceName === target.eventSourceName;
  if (found && fits) {
    step({ object: 'log stream', name, action: 'leave', id: found.id });
    return found.id;
  }
  if (found) {
    // Okta cannot change a log stream's AWS settings: a new one replaces it.
    step({
      object: 'log stream',
      name,
      action: 'delete',
      id: found.id,
      note: 'another account, region or source',
    });
    if (apply) {
      if (found.status === 'ACTIVE') await okta.deactivateLogStream(found.id);
      await okta.deleteLogStream(found.id);
    }
  }
  const created = step({
    object: 'log stream',
    name,
    action: 'create',
    note: `AWS ${target.accountId} ${target.region}`,
  });
  if (!apply) return undefined;
  created.id = (await okta.createLogStream({ name, ...target })).id;
  return created.id;
}

/**
 * Deactivates and deletes what connect made, found by name, and nothing else: a reused authorization server keeps
 * everything but our scope, policy and rule.
 *
 * @param okta - the org's management API
 * @param request - the base name; the reused server, if any; `plan` to only say what would go
 */
export async function disconnect(
  okta: OktaManagement,
  request: { name: string; scope: string; authServerId?: string; plan: boolean },
): Promise<Step[]> {
  const names = objectNames(request.name);
  const steps: Step[] = [];
  const apply = !request.plan;
  const remove = async (object: string, found: Json | undefined, name: string, run: () => Promise<void>) => {
    if (!found) return;
    steps.push({ object, name, action: 'delete', id: found.id });
    if (apply) await run();
  };

  const hook = (await okta.listTelephonyHooks()).find((h) => h.name === names.inlineHook);
  await remove('inline hook', hook, names.inlineHook, async () => {
    if (hook?.status === 'ACTIVE') await okta.deactivateInlineHook(hook.id);
    await okta.deleteInlineHook(String(hook?.id));
  });
  const events = (await okta.listEventHooks()).find((h) => h.name === names.eventHook);
  await remove('event hook', events, names.eventHook, async () => {
    if (events?.status === 'ACTIVE') await okta.deactivateEventHook(events.id);
    await okta.deleteEventHook(String(events?.id));
  });
  const stream = (await okta.listLogStreams()).find((s) => s.name === names.logStream);
  await remove('log stream', stream, names.logStream, async () => {
    if (stream?.status === 'ACTIVE') await okta.deactivateLogStream(stream.id);
    await okta.deleteLogStream(String(stream?.id));
  });

  const server = request.authServerId
    ? await okta.getAuthorizationServer(request.authServerId)
    : (await okta.listAuthorizationServers(names.authorizationServer)).find(
        (s) => s.name === names.authorizationServer,
      );
  if (server) {
    const policy = (await okta.listPolicies(server.id)).find((p) => p.name === names.policy);
    await remove('access policy', policy, names.policy, () =>
      okta.deletePolicy(server.id, String(policy?.id)),
    );
    if (request.authServerId) {
      // A reused server (e.g. default): only our scope goes.
      const scope = (await okta.listScopes(server.id)).find((s) => s.name === request.scope);
      await remove('scope', scope, request.scope, () => okta.deleteScopeOf(server.id, String(scope?.id)));
    } else {
      await remove('authorization server', server, names.authorizationServer, async () => {
        if (server.status === 'ACTIVE') await okta.deactivateAuthorizationServer(server.id);
        await okta.deleteAuthorizationServer(server.id);
      });
    }
  }
  const app = (await okta.listApps(names.app)).find((a) => a.label === names.app);
  await remove('application', app, names.app, async () => {
    if (app?.status === 'ACTIVE') await okta.deactivateApp(app.id);
    await okta.deleteApp(String(app?.id));
  });
  const key = (await okta.listHookKeys()).find((k) => k.name === names.hookKey);
  await remove('hook key', key, names.hookKey, () => okta.deleteHookKey(String(key?.id)));
  return steps;
}
