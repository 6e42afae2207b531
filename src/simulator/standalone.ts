/**
 * Runs the Webex simulator on its own (`npm run sim`), e.g. to point a service
 * at it with `WEBEX_API_BASE=http://localhost:4010/v1`.
 *
 * Environment: SIM_PORT (4010; 0 picks a free port), SIM_HOST (127.0.0.1),
 * SIM_PUBLIC_URL (http://localhost:<port>), SIM_INTERVAL_S, SIM_EXPIRES_IN_S,
 * SIM_ACCESS_TOKEN_TTL_S, SIM_REFRESH_TOKEN_TTL_S, SIM_CLIENT_ID, SIM_CLIENT_SECRET.
 */
import { parseStandaloneEnv } from './standalone-config';
import { startStandaloneServer } from './standalone-server';

function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const parsed = parseStandaloneEnv(process.env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
  const running = await startStandaloneServer(parsed.config, line);
  // Tests and scripts wait for exactly this line.
  line(`Webex simulator listening on ${running.url}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Webex simulator failed to start: ${message}\n`);
  process.exit(1);
});
