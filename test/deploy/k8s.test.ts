/** Kubernetes manifests of both sites against the Kubernetes schemas (kubernetes-models), plus the runbook's invariants. */
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ConfigMap} from 'kubernetes-models/v1/ConfigMap';
import {PersistentVolumeClaim} from 'kubernetes-models/v1/PersistentVolumeClaim';
import {Service} from 'kubernetes-models/v1/Service';
import {Deployment} from 'kubernetes-models/apps/v1/Deployment';
import {describe, expect, it} from 'vitest';
import {parseAllDocuments} from 'yaml';
import {K8S_DIRS} from '../../src/deploy/generate.js';
import {parseLiveConfig} from '../../src/app/live-config.js';

const models: Record<string, new (data: never) => {validate(): void}> = {
  'v1/ConfigMap': ConfigMap, 'v1/PersistentVolumeClaim': PersistentVolumeClaim, 'v1/Service': Service, 'apps/v1/Deployment': Deployment,
};

interface Obj {apiVersion: string; kind: string; metadata: {name: string}; spec?: any; data?: Record<string, string>}
function load(dir: string): Obj[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj));
}

describe.each(Object.entries(K8S_DIRS))('k8s manifests, %s site', (site, dir) => {
  const objects = load(dir);
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  it('validate against the Kubernetes schemas', () => {
    expect(objects.length).toBe(5);
    for (const o of objects) {
      const Model = models[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.kind} has no schema here`).toBeDefined();
      expect(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  it('a schema violation is caught (the validation is real)', () => {
    const broken = structuredClone(find('Deployment', 'iftb'));
    broken.spec.template.spec.containers[0].readinessProbe.httpGet.port = {nope: true};
    expect(() => new Deployment(broken as never).validate()).toThrow(/readinessProbe/);
  });

  it('Deployment iftb: one replica, Recreate, probes on /health, resources, PVCs for models and the DuckDB store', () => {
    const d = find('Deployment', 'iftb');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({type: 'Recreate'});
    const [c] = d.spec.template.spec.containers;
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[probe].httpGet).toEqual({path: '/health', port: 'http'});
    expect(c.ports).toEqual([{name: 'http', containerPort: 8000, protocol: 'TCP'}]);
    expect(c.command.join(' ')).toContain('iftb live --config /app/config/live.json --api-port 8000 --api-host 0.0.0.0');
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(9);
    const claims = d.spec.template.spec.volumes.filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName);
    expect(claims.sort()).toEqual(['iftb-data', 'iftb-models']);
    for (const claim of claims) expect(find('PersistentVolumeClaim', claim)).toBeDefined();
    expect(c.env.find((e: any) => e.name === 'IFTB_DATABASE_URL').valueFrom.secretKeyRef).toEqual({name: 'iftb-secrets', key: 'IFTB_DATABASE_URL', optional: false});
    expect(objects.some((o) => o.kind === 'Secret'), 'no Secret file: apply -f must never overwrite the real one').toBe(false);
  });

  it('ConfigMap names the site and carries a live config the bot accepts; Service exposes the API and metrics', () => {
    const config = find('ConfigMap', 'iftb-config');
    expect(config.data!.IFTB_SITE).toBe(site);
    expect(() => parseLiveConfig(JSON.parse(config.data!['live.json']))).not.toThrow();
    const service = find('Service', 'iftb');
    expect(service.spec.ports[0]).toMatchObject({port: 8000, targetPort: 'http'});
    expect(service.spec.selector).toEqual(find('Deployment', 'iftb').spec.selector.matchLabels);
  });
});
