import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An AWS-shaped error: HTTP status, `__type`, message, and the exception's own members (e.g. `Reason`). The SDK reads
 * `__type` to name the exception and puts the members on it.
 */
export class AwsError extends Error {
  constructor(
    public readonly type: string,
    message: string,
    public readonly status = 400,
    public readonly members: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Handles one AWS JSON operation: input → output, or throws {@link AwsError}. */
export type AwsJsonOperation = (
  input: Record<string, any>,
  request: IncomingMessage,
) => Promise<unknown> | unknown;

/**
 * Authorizes a call before its operation runs (the local IAM): throws an {@link AwsError} (AccessDeniedException) to
 * refuse it.
 */
export type AwsJsonAuthorizer = (
  target: string,
  input: Record<string, any>,
  request: IncomingMessage,
) => void;

/** Resolves after `ms`, or as soon as the client closes the connection (it gave up waiting). */
export function waitOrAbort(ms: number, req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    req.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Reads a request body as text. */
export async function readBody(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new AwsError('RequestEntityTooLarge', 'Request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves AWS JSON 1.0 or 1.1 (`X-Amz-Target: Service.Operation`, `application/x-amz-json-1.x`) the way AWS does,
 * including AWS-shaped errors, so the real SDK clients (and their retries) run unchanged.
 *
 * @param operations - by full target, e.g. `PinpointSMSVoiceV2.SendTextMessage`
 * @param version - the protocol version the service speaks (Secrets Manager: 1.1) @default '1.0'
 * @param authorizer - asked before each operation, when it returns one (the local IAM)
 */
export function awsJsonHandler(
  operations: Record<string, AwsJsonOperation>,
  version: '1.0' | '1.1' = '1.0',
  authorizer: () => AwsJsonAuthorizer | undefined = () => undefined,
) {
  return async (req: IncomingMessage, res: ServerResponse, rawBody?: string): Promise<void> => {
    const requestId = randomUUID();
    const reply = (status: number, body: unknown) => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, {
        'content-type': `application/x-amz-json-${version}`,
        'x-amzn-requestid': requestId,
      });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = operations[target];
      if (!operation)
        throw new AwsError('UnknownOperationException', `Unknown operation ${target || '(none)'}`);
      const text = rawBody ?? (await readBody(req));
      let input: Record<string, any>;
      try {
        input = text ? (JSON.parse(text) as Record<string, any>) : {};
      } catch {
        throw new AwsError('SerializationException', 'Request body is not JSON');
      }
      authorizer()?.(target, input, req);
      reply(200, (await operation(input, req)) ?? {});
    } catch (error) {
      if (error instanceof AwsError) {
        reply(error.status, { __type: error.type, message: error.message, ...error.members });
      } else reply(500, { __type: 'InternalFailure', message: 'The stand-in failed' });
    }
  };
}

/** A stand-in listening on 127.0.0.1. */
export type RunningServer = { server: Server; endpoint: string; close(): Promise<void> };

/**
 * Listens on 127.0.0.1 (port 0 = a free one).
 *
 * @param handler - request handler
 * @param port - port
 */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  port = 0,
): Promise<RunningServer> {
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
