// The gateway for the benchmark, in its own process: what `custos gateway serve --insecure-http` starts, with the
// logger at `warn`. The CLI logs two info lines per request (Fastify's request logging); the store does not log
// requests (its audit log records them), so the comparison would otherwise include logging on one side only.
//
//   node --import tsx bench/store/gateway-process.ts <storeUrl> <configDir> <unsealKeyFile>
import { pino } from 'pino';
import { createGatewayServer } from '../../src/gateway/server.js';

const [storeUrl, configDir, unsealKeyFile] = process.argv.slice(2);
if (!storeUrl || !configDir || !unsealKeyFile)
  throw new Error('usage: gateway-process.ts <storeUrl> <configDir> <unsealKeyFile>');
const server = await createGatewayServer({
  storeUrl,
  configDir,
  unsealKeyFile,
  host: '127.0.0.1',
  port: 0,
  insecureHttp: true,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
process.stdout.write(`${server.url}\n`);
await new Promise<void>((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});
await server.close();
