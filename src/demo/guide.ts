/** The text the demo prints: copy-paste commands built from the addresses actually bound. */

export interface GuideUpstream {
  readonly name: string;
  readonly url: string;
  readonly controlUrl: string;
}

export interface GuideAddresses {
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  readonly statusUrl: string;
  readonly upstreams: readonly GuideUpstream[];
  /** This run's admin token (shell-safe: base64url). */
  readonly adminToken: string;
}

export function demoGuide({
  gatewayUrl,
  adminUrl,
  statusUrl,
  upstreams,
  adminToken,
}: GuideAddresses): string {
  const chatUrl = `${gatewayUrl}/v1/chat/completions`;
  const ask = `{"model":"bulwark-sim-1","messages":[{"role":"user","content":"hi"}]}`;
  const askStream = `{"model":"bulwark-sim-1","stream":true,"messages":[{"role":"user","content":"hi"}]}`;
  const victim = upstreams[1] ?? upstreams[0];
  const laggard = upstreams[2] ?? upstreams[0];
  const upstreamLines = upstreams.map((u) => `  ${u.name}  ${u.url}   (control: ${u.controlUrl})`);
  return [
    '',
    'Bulwark demo is running.',
    '',
    `  gateway     ${gatewayUrl}   routes /v1/ to pool "llm" (least-request, health checks every 1 s, retries)`,
    `  admin       ${adminUrl}   metrics: ${adminUrl}/metrics`,
    `  status page ${statusUrl}   Statuspage API: ${statusUrl}/api/v2/summary.json`,
    ...upstreamLines,
    '',
    '1. Ask for a completion (the reply and its x-upstream header name the upstream that answered):',
    `   curl -si ${chatUrl} -H 'content-type: application/json' -d '${ask}'`,
    '',
    '2. Stream one, token by token:',
    `   curl -N ${chatUrl} -H 'content-type: application/json' -d '${askStream}'`,
    '',
    '3. Keep traffic going in a second terminal:',
    `   while sleep 0.2; do curl -s -o /dev/null -w '%{http_code} ' ${chatUrl} -d '${ask}'; done`,
    `   then crash ${victim?.name ?? 'an upstream'} and watch nothing fail:`,
    `   curl -X POST ${victim?.url ?? ''}/_faults -d '{"crash":true}'`,
    '   bring it back (its data port is dark, so use the control port):',
    `   curl -X POST ${victim?.controlUrl ?? ''}/_faults -d '{"crash":false}'`,
    '',
    `4. Make ${laggard?.name ?? 'an upstream'} slow, error-prone or unhealthy, then reset it:`,
    `   curl -X POST ${laggard?.url ?? ''}/_faults -d '{"slow_ms":800}'     # answers 0.8 s late; /healthz stays fast`,
    `   curl -X POST ${laggard?.url ?? ''}/_faults -d '{"error_rate":1}'    # a few 500s, then outlier detection ejects it`,
    `   curl -X POST ${laggard?.url ?? ''}/_faults -d '{"unhealthy":true}'  # health checks drop it within ~2 s`,
    `   curl -X DELETE ${laggard?.url ?? ''}/_faults`,
    '',
    '5. Hit the per-key rate limit (5/s, burst 10) with 20 requests at once: the burst lets 10 or a few more',
    '   through, the rest get 429 with Retry-After and the IETF RateLimit headers; other keys, and requests',
    '   without one, are not affected:',
    // In parallel: one after another they took up to 1.7 s, long enough for the bucket to refill past them.
    `   seq 20 | xargs -P 20 -I{} curl -s -o /dev/null -w '%{http_code} ' ${chatUrl} -H 'x-api-key: demo' -d '${ask}'; echo`,
    '',
    '6. Watch it happen:',
    `   curl -s ${adminUrl}/metrics | grep bulwark_`,
    `   npm run bulwark -- monitors --admin ${adminUrl}     # the monitors: state, uptime, latency`,
    '',
    `7. The status page (${statusUrl}): crash ${victim?.name ?? 'an upstream'} as in step 3 and watch "Chat API" show a`,
    "   partial outage within about 2 s (the pool's health checks) and its own component turn after two failed",
    '   checks (about 4 s); the critical alert prints here and opens a draft incident that waits for a person',
    '   to read and publish it:',
    `   export BULWARK_ADMIN_TOKEN=${adminToken}     # this run's; a new one each run`,
    `   npm run bulwark -- incident list --admin ${adminUrl}`,
    `   npm run bulwark -- incident publish ID --admin ${adminUrl}`,
    `   npm run bulwark -- status --admin ${adminUrl}              # the summary in the terminal`,
    '   bring the upstream back, then resolve the incident:',
    `   npm run bulwark -- incident resolve ID --admin ${adminUrl}`,
    '',
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}
