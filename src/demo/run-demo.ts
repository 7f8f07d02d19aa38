import { join } from 'node:path';
import { startBulwark, type RunningBulwark } from '../app.ts';
import { startAlertSink } from './alert-sink.ts';
import { demoConfig, newDemoAdminToken } from './demo-config.ts';
import { demoGuide } from './guide.ts';
import { startUpstream, type RunningUpstream } from './upstream.ts';

export interface RunningDemo {
  readonly bulwark: RunningBulwark;
  /** Base URLs of the simulated upstreams, in order. */
  readonly upstreamUrls: readonly string[];
  /** The admin token of this run, as the guide prints it. */
  readonly adminToken: string;
  stop(): Promise<void>;
}

export interface DemoOptions {
  /** Gateway port; 0 picks a free one (tests). Default 8080. */
  readonly gatewayPort?: number | undefined;
  /** Status page port; default 8081, or a free one when the gateway's port is 0. */
  readonly statusPort?: number | undefined;
  readonly adminPort?: number | undefined;
  /** Monitor history; default ./data/demo (tests pass a temporary directory). */
  readonly dataDir?: string | undefined;
  /** Print the guide to stdout (the CLI does; tests do not). */
  readonly printGuide?: boolean | undefined;
}

const upstreamCount = 3;

/** Three simulated LLM upstreams on ephemeral ports behind a real Bulwark; the guide prints the bound URLs. */
export async function runDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const upstreams = await Promise.all(
    Array.from({ length: upstreamCount }, (_, i) => startUpstream({ name: `upstream-${i + 1}` })),
  );
  const upstreamUrls = upstreams.map((u) => u.url);
  // Alerts print here, where a team would get a Slack message; a critical one opens a draft incident.
  const sink = await startAlertSink((line) => {
    if (options.printGuide === true) process.stdout.write(`${line}\n`);
  });
  const adminToken = newDemoAdminToken();
  let bulwark: RunningBulwark;
  try {
    const ports = {
      gatewayPort: options.gatewayPort ?? 8080,
      adminPort: options.adminPort ?? 8082,
      statusPort: options.statusPort,
      dataDir: options.dataDir ?? join('data', 'demo'),
      alertSinkUrl: sink.url,
      adminToken,
    };
    bulwark = await startBulwark(demoConfig(upstreamUrls, ports), { configPath: '(built-in demo config)' });
  } catch (error) {
    // Without a gateway the upstreams are useless; leaving them bound would leak ports into the caller.
    await closeAll(upstreams);
    throw error;
  }
  if (options.printGuide === true) {
    const addresses = {
      gatewayUrl: bulwark.gatewayUrl,
      adminUrl: bulwark.adminUrl,
      statusUrl: bulwark.statusUrl ?? '',
      upstreams,
      adminToken,
    };
    process.stdout.write(demoGuide(addresses));
  }
  return {
    bulwark,
    upstreamUrls,
    adminToken,
    stop: async () => {
      await bulwark.stop();
      await Promise.all([closeAll(upstreams), sink.close()]);
    },
  };
}

async function closeAll(upstreams: readonly RunningUpstream[]): Promise<void> {
  await Promise.all(upstreams.map((u) => u.close()));
}
