/**
 * The same case as a Kubernetes cluster without per-process metrics sees it: cAdvisor's
 * `container_memory_working_set_bytes`, one line per pod (the sum of every process in it, the
 * master included), scraped from the node's kubelet; kube-state-metrics' limits and restart
 * counters per pod. The app's own request and task counters are unchanged.
 *
 * Each scrape target of the process-level case is one pod here. A deploy replaces pods (new
 * names); a container restart keeps the pod (same name, its restart counter goes up).
 */

import type { MetricFamily, Sample, SeriesData } from '../openmetrics';
import { emit, instanceName, type CasePlan } from './plan';

const NAMESPACE = 'shop';

export function emitPods(plan: CasePlan): MetricFamily[] {
  const families = emit(plan);
  const byName = new Map(families.map((f) => [f.name, f] as const));
  const instances = [...new Set((byName.get('up')?.series ?? []).map((s) => s.labels['instance']!))];
  // Node names carry the case's service only so that cases sharing one TSDB never share a series.
  const nodeOf = (instance: string): string => `${plan.service}-node-${instances.indexOf(instance)}:10250`;
  const podOf = (instance: string, tMs: number): string => {
    const generation = plan.lifecycle.deploysMs.filter((d) => d <= tMs).length;
    return `${plan.service}-${(generation * 7919 + 104_729).toString(36)}-${instances.indexOf(instance)}`;
  };

  // Sum the processes of each target at each scrape: they are scraped together, so they share timestamps.
  const sums = new Map<string, { labels: Record<string, string>; at: Map<number, number> }>();
  for (const s of byName.get('process_resident_memory_bytes')?.series ?? []) {
    const instance = s.labels['instance']!;
    for (const sample of s.samples) {
      const pod = podOf(instance, sample.tSeconds * 1000);
      const extra = Object.fromEntries(Object.entries(s.labels).filter(([k]) => k === 'replica' || k === 'pod_template_hash'));
      const labels = { job: 'kubelet', instance: nodeOf(instance), namespace: NAMESPACE, pod, container: plan.service, ...extra };
      const key = JSON.stringify(Object.entries(labels).sort());
      let entry = sums.get(key);
      if (!entry) {
        entry = { labels, at: new Map() };
        sums.set(key, entry);
      }
      entry.at.set(sample.tSeconds, (entry.at.get(sample.tSeconds) ?? 0) + sample.value);
    }
  }
  const memory: SeriesData[] = [...sums.values()].map(({ labels, at }) => ({
    labels,
    samples: [...at.entries()].sort((a, b) => a[0] - b[0]).map(([tSeconds, value]): Sample => ({ tSeconds, value })),
  }));

  const up: SeriesData[] = (byName.get('up')?.series ?? []).map((s) => ({
    labels: { ...s.labels, job: 'kubelet', instance: nodeOf(s.labels['instance']!) },
    samples: s.samples,
  }));

  // kube-state-metrics: one limit and one restart counter per pod, every 30 s through the window.
  const limits: SeriesData[] = [];
  const restarts: SeriesData[] = [];
  const startS = Math.floor((plan.endMs - plan.windowMs) / 1000) - 3600;
  const endS = Math.floor(plan.endMs / 1000);
  for (let index = 0; index < instances.length; index++) {
    const instance = instanceName(index);
    const pods = new Map<string, Sample[]>();
    const counts = new Map<string, Sample[]>();
    for (let t = startS; t <= endS; t += 30) {
      const pod = podOf(instance, t * 1000);
      if (plan.limitBytes !== null) {
        const list = pods.get(pod) ?? [];
        list.push({ tSeconds: t, value: Math.round(plan.limitBytes / plan.lifecycle.instances) });
        pods.set(pod, list);
      }
      const restarted = plan.lifecycle.containerRestarts.filter((r) => r.instance === index && r.atMs <= t * 1000).length;
      const list = counts.get(pod) ?? [];
      list.push({ tSeconds: t, value: restarted });
      counts.set(pod, list);
    }
    for (const [pod, samples] of pods) limits.push({ labels: { job: 'kube-state-metrics', namespace: NAMESPACE, pod, container: plan.service, resource: 'memory', unit: 'byte' }, samples });
    for (const [pod, samples] of counts) restarts.push({ labels: { job: 'kube-state-metrics', namespace: NAMESPACE, pod, container: plan.service }, samples });
  }

  const out: MetricFamily[] = [
    { name: 'container_memory_working_set_bytes', type: 'gauge', series: memory },
    { name: 'up', type: 'gauge', series: up },
    { name: 'kube_pod_container_status_restarts_total', type: 'counter', series: restarts },
  ];
  if (limits.length > 0) out.push({ name: 'kube_pod_container_resource_limits', type: 'gauge', series: limits });
  for (const name of ['http_requests_total', 'celery_task_started_total']) {
    const family = byName.get(name);
    if (family) out.push(family);
  }
  return out;
}
