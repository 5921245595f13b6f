// The clients of the handlers off Okta's path: pointed at local endpoints by configuration only, each call bounded.
import { describe, expect, it } from 'vitest';
import { createEventClients } from '../../../src/adapters/aws-clients.js';

describe('createEventClients', () => {
  it('points every client at its configured endpoint, in the region', async () => {
    // Act
    const clients = createEventClients({
      region: 'eu-west-1',
      endpoints: {
        dynamodb: 'http://127.0.0.1:3000',
        smsVoice: 'http://127.0.0.1:3001',
        sqs: 'http://127.0.0.1:3002',
        secretsManager: 'http://127.0.0.1:3003',
      },
    });

    // Assess
    const hosts = await Promise.all(
      [clients.db, clients.messaging, clients.sqs, clients.secretsManager].map(async (client) => {
        const endpoint = await client.config.endpoint?.();
        return `${endpoint?.hostname}:${endpoint?.port}`;
      }),
    );
    expect(hosts).toEqual(['127.0.0.1:3000', '127.0.0.1:3001', '127.0.0.1:3002', '127.0.0.1:3003']);
    expect(await clients.db.config.region()).toBe('eu-west-1');
    expect(await clients.db.config.maxAttempts()).toBe(3);
  });

  it('leaves the endpoints to the SDK in AWS', async () => {
    // Act
    const clients = createEventClients({ region: 'us-east-1', endpoints: {} });

    // Assess
    expect(clients.db.config.endpoint).toBeUndefined();
  });
});
