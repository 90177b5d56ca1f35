// Loaded with `node --import <this> loadgen.mjs ...`: puts Tandem's protocol under the
// reference load generator without editing it. loadgen.mjs's own imports of
// 'socket.io-client' (--client sio) and 'ws' (--client lite) resolve to the adapters in this
// folder; everything else it does (pacing, stamping, stats, /proc meters) is unchanged.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const peersDir = process.env.TANDEM_BENCH_PEERS;
if (!peersDir) throw new Error('TANDEM_BENCH_PEERS must name the folder holding loadgen.mjs');
register('./hooks.mjs', import.meta.url, { data: { loadgen: pathToFileURL(`${peersDir}/loadgen.mjs`).href } });
