import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StandaloneConfig } from './standalone-config';
import { createWebexSimulator, type WebexSimulator } from './webex-simulator';

export interface RunningSimulator {
  /** Where it listens, e.g. `http://127.0.0.1:4010`. */
  url: string;
  /** Where browsers are told to go (verification URIs are built from it). */
  publicUrl: string;
  simulator: WebexSimulator;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Listens first and builds the simulator second: with `SIM_PORT=0` the default
 * public URL depends on the port the OS picked.
 */
export async function startStandaloneServer(config: StandaloneConfig, logger: (line: string) => void): Promise<RunningSimulator> {
  const server = createServer();
  const address = await listen(server, config.port, config.host);
  const publicUrl = config.publicUrl ?? `http://localhost:${address.port}`;
  const simulator = createWebexSimulator({ publicBaseUrl: publicUrl, settings: config.settings, logger });
  server.on('request', simulator.app);
  return {
    url: `http://${hostForUrl(config.host)}:${address.port}`,
    publicUrl,
    simulator,
    close: () =>
      new Promise<void>((resolve) => {
        // Held (fault-delayed) and keep-alive connections must not block shutdown.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
