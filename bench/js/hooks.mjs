// Module resolution hooks (see register.mjs). Only imports made by loadgen.mjs itself are
// redirected; the adapters' own bare imports resolve from loadgen.mjs's folder, so the real
// socket.io-client and ws are the very copies the reference runs use.
const adapters = {
  'socket.io-client': new URL('./tandem-sio.mjs', import.meta.url).href,
  ws: new URL('./tandem-ws.mjs', import.meta.url).href,
};
const adapterUrls = new Set(Object.values(adapters));
let loadgen = '';

export function initialize(data) {
  loadgen = data.loadgen;
}

export function resolve(specifier, context, next) {
  const parent = context.parentURL || '';
  if (parent === loadgen && specifier in adapters) return { url: adapters[specifier], shortCircuit: true };
  if (adapterUrls.has(parent) && !specifier.startsWith('.') && !specifier.startsWith('node:')) {
    return next(specifier, { ...context, parentURL: loadgen });
  }
  return next(specifier, context);
}
