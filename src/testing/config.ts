import { ConfigError, loadConfig } from '../config/config.loader';

/** The lines `loadConfig` refuses `env` with; none when it accepts it. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
