import { describe, expect, it } from 'vitest';
import { defaultAnalysisThreads, loadBotConfig } from '../../src/config/bot';
import { botConfigIssues } from '../support/bot-config-issues';

const BASE = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', PROMETHEUS_URL: 'http://prometheus:9090' };

const issues = (env: Record<string, string>): readonly string[] => botConfigIssues({ ...BASE, ...env });

describe('loadBotConfig: load and failure settings', () => {
  it('sizes the analysis pool from the cores, and the rest from documented defaults', () => {
    const config = loadBotConfig(BASE, { cores: 2 });
    expect(config).toMatchObject({
      analysisThreads: 2,
      maxConcurrentAnalyses: 4,
      maxQueueWaitMs: 30_000,
      resultCacheTtlMs: 30_000,
      slackRetryDeadlineMs: 30_000,
      shutdownGraceMs: 10_000,
      shutdownDrainMs: 10_000,
    });
    expect(loadBotConfig(BASE, { cores: 8 })).toMatchObject({ analysisThreads: 8, maxConcurrentAnalyses: 16 });
    expect(defaultAnalysisThreads(0)).toBe(1);
    // 0: on the main thread, as before the pool; two analyses at once there.
    expect(loadBotConfig({ ...BASE, PYMEM_ANALYSIS_THREADS: '0' }, { cores: 2 })).toMatchObject({ analysisThreads: 0, maxConcurrentAnalyses: 2 });
    expect(defaultAnalysisThreads(96)).toBe(16);
  });

  it('reads every setting from the environment', () => {
    const config = loadBotConfig(
      {
        ...BASE,
        PYMEM_ANALYSIS_THREADS: '3',
        PYMEM_MAX_CONCURRENT_ANALYSES: '5',
        PYMEM_MAX_QUEUE_WAIT: '1m',
        PYMEM_RESULT_CACHE_TTL: '0',
        PYMEM_SLACK_RETRY_DEADLINE: '2m',
        PYMEM_SHUTDOWN_DRAIN: '0s',
        PYMEM_SHUTDOWN_GRACE: '20s',
      },
      { cores: 2 },
    );
    expect(config).toMatchObject({
      analysisThreads: 3,
      maxConcurrentAnalyses: 5,
      maxQueueWaitMs: 60_000,
      resultCacheTtlMs: 0,
      slackRetryDeadlineMs: 120_000,
      shutdownDrainMs: 0,
      shutdownGraceMs: 20_000,
    });
  });

  it('names each wrong setting', () => {
    expect(
      issues({
        PYMEM_ANALYSIS_THREADS: '-1',
        PYMEM_MAX_QUEUE_WAIT: '0',
        PYMEM_RESULT_CACHE_TTL: 'soon',
        PYMEM_SLACK_RETRY_DEADLINE: '500ms',
        PYMEM_SHUTDOWN_DRAIN: '-1s',
      }),
    ).toEqual([
      'PYMEM_ANALYSIS_THREADS: expected a whole number from 0 to 64, got "-1"',
      'PYMEM_SHUTDOWN_DRAIN: expected a duration such as 10s, got "-1s"',
      'PYMEM_MAX_QUEUE_WAIT: expected a duration of at least 1s such as 30s, got "0"',
      'PYMEM_RESULT_CACHE_TTL: expected a duration such as 30s, got "soon"',
      'PYMEM_SLACK_RETRY_DEADLINE: expected a duration of at least 1s such as 30s, got "500ms"',
    ]);
  });
});
