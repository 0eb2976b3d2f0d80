/**
 * The analysis engine of the bot: a fixed pool of worker threads (piscina), one chart renderer and one
 * metrics client per thread, fed by the scheduler so that reports go before digest measurements and a
 * full queue is visible before a request joins it.
 */

import { join } from 'node:path';
// Loaded here, on the main thread, though only the workers draw: when a worker thread that loaded
// canvas exits while no other thread holds it, the process dies with SIGSEGV (seen on Node 20 with
// canvas 3 at pool shutdown). Keeping it loaded on the main thread keeps its native state alive.
import 'canvas';
import { Piscina } from 'piscina';
import { DEFAULT_MAX_PANELS, type DigestChartOptions, type DigestPanelInput } from '../charts/digest-spec';
import type { MeasureRequest, MeasureResult } from './measure';
import { panelsToDraw, type AnalysisEngine, type EngineStats, type JobOptions, type VerifyEngine } from './engine';
import type { DoctorJobInput, DoctorJobOutput, Job, JobResult, ReportJobInput, ReportJobOutput } from './jobs';
import { TaskScheduler, type JobPriority } from './scheduler';
import { toBuffer } from './bytes';
import type { AnalysisSpec } from './source';
import type { VerifyJobInput, VerifyJobOutput } from './jobs';

export interface PoolOptions {
  /** Worker threads. */
  readonly threads: number;
  /** Reports in progress at once across the pool (a job waiting on the backend leaves its thread free for another). */
  readonly maxConcurrent: number;
  /**
   * Digest measurements in progress at once, in slots of their own: they mostly wait on the backend,
   * and a digest of thousands of services must not take the slots reports need.
   */
  readonly backgroundConcurrent: number;
}

export class PoolError extends Error {
  override readonly name = 'PoolError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class WorkerPoolEngine implements AnalysisEngine, VerifyEngine {
  private readonly pool: Piscina;
  private readonly scheduler: TaskScheduler;

  constructor(
    spec: AnalysisSpec,
    private readonly options: PoolOptions,
  ) {
    // Compiled, the worker is worker.js next to this file. From source (tsx, vitest) it is worker.ts,
    // which a new thread can only load with tsx's require hook (tsx is a development dependency).
    const compiled = __filename.endsWith('.js');
    this.pool = new Piscina({
      filename: join(__dirname, compiled ? 'worker.js' : 'worker.ts'),
      ...(compiled ? {} : { execArgv: ['--require', require.resolve('tsx/cjs')] }),
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: Math.max(1, Math.ceil((options.maxConcurrent + options.backgroundConcurrent) / options.threads)),
      // Threads live as long as the pool: starting one costs a renderer and a canvas.
      idleTimeout: 2 ** 31 - 1,
      // Below the main thread's priority: when the cores are busy drawing charts, acknowledging
      // Slack (3 s limit) still comes first. Needs @napi-rs/nice (piscina's optional dependency);
      // without it the threads run at normal priority.
      niceIncrement: 10,
      // Atomics.wait between tasks would freeze the thread's event loop, and with it the backend
      // client's keep-alive sockets and timers; plain message passing keeps them serviced.
      atomics: 'disabled',
      workerData: { spec },
    });
    // Piscina has room for every slot, so its own queue stays empty and the scheduler decides the order.
    this.scheduler = new TaskScheduler({ interactive: options.maxConcurrent, background: options.backgroundConcurrent });
  }

  async report(input: ReportJobInput, options: JobOptions = {}): Promise<ReportJobOutput> {
    const result = await this.run('interactive', { kind: 'report', input }, options.signal);
    if (result.kind !== 'report') throw new PoolError(`a report job came back as ${result.kind}`);
    return result.output;
  }

  async doctor(input: DoctorJobInput, options: JobOptions = {}): Promise<DoctorJobOutput> {
    const result = await this.run('interactive', { kind: 'doctor', input }, options.signal);
    if (result.kind !== 'doctor') throw new PoolError(`a doctor job came back as ${result.kind}`);
    return result.output;
  }

  async verify(input: VerifyJobInput, options: JobOptions = {}): Promise<VerifyJobOutput> {
    const result = await this.run('interactive', { kind: 'verify', input }, options.signal);
    if (result.kind !== 'verify') throw new PoolError(`a verify job came back as ${result.kind}`);
    return result.output;
  }

  async measure(input: MeasureRequest, options: JobOptions = {}): Promise<MeasureResult> {
    const result = await this.run('background', { kind: 'measure', input }, options.signal);
    if (result.kind !== 'measure') throw new PoolError(`a measure job came back as ${result.kind}`);
    return result.output;
  }

  async digestChart(panels: readonly DigestPanelInput[], options: DigestChartOptions): Promise<Buffer> {
    const input = { panels: panelsToDraw(panels, options.maxPanels ?? DEFAULT_MAX_PANELS), options };
    const result = await this.run('background', { kind: 'digest-chart', input });
    if (result.kind !== 'digest-chart') throw new PoolError(`a digest chart job came back as ${result.kind}`);
    return toBuffer(result.output.png);
  }

  expectedWaitMs(priority: JobPriority): number {
    return this.scheduler.expectedWaitMs(priority);
  }

  stats(): EngineStats {
    return { threads: this.options.threads, ...this.scheduler.stats() };
  }

  async close(timeoutMs = 10_000): Promise<void> {
    this.scheduler.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const closed = await Promise.race([this.pool.close().then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (closed === 'timeout') await this.pool.destroy();
  }

  private run(priority: JobPriority, job: Job, signal?: AbortSignal): Promise<JobResult> {
    return this.scheduler.run(
      priority,
      async () => {
        try {
          // Our own worker module's answer: the union JobResult, checked by kind by the callers.
          return (await this.pool.run(job)) as JobResult;
        } catch (error) {
          throw new PoolError(`an analysis thread failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
      },
      signal,
    );
  }
}
