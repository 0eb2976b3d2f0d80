import { loadBotConfig } from '../../src/config/bot';
import { ConfigError } from '../../src/config/load';

/** What loadBotConfig refuses in this environment (on 2 cores), one line per issue; empty when it loads. */
export function botConfigIssues(env: Record<string, string>): readonly string[] {
  try {
    loadBotConfig(env, { cores: 2 });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}
