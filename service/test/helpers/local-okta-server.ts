import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalOkta } from '../../local/okta/local-okta.js';

/** The local Okta alone on a free 127.0.0.1 port (management API and authorization servers), for the tool's tests. */
export async function startLocalOkta(): Promise<{
  okta: LocalOkta;
  baseUrl: string;
  close: () => Promise<void>;
}> {
  let okta: LocalOkta | undefined;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const handled = okta ? okta.handle(req, res, path, req.method ?? 'GET') : Promise.resolve(false);
    handled
      .then((done) => {
        if (!done && !res.headersSent) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `No route for ${req.method} ${path}` }));
        }
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  okta = await LocalOkta.start({ baseUrl });
  return {
    okta,
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
