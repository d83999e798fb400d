// The allowed direction between chatfleet's packages, checked by `make test` (scripts/deps.sh).
// Libraries, bottom first: protocol and runtime, then store, then gateway-core; testing sits
// beside gateway-core for tests only. Services use libraries, never each other.
const LIBS = {
  protocol: [],
  runtime: [],
  store: ['protocol', 'runtime'],
  'gateway-core': ['protocol', 'runtime', 'store'],
  testing: ['protocol', 'runtime', 'store'],
};
const SERVICES = ['tcp-gateway', 'ws-gateway', 'matchmaker', 'history-writer', 'terminal-client'];
const TESTS = '[.]test[.]ts$|/test/';

const downOnly = Object.entries(LIBS).map(([lib, below]) => ({
  name: `${lib}-imports-only-below-it`,
  comment: `${lib} may import ${below.length ? below.join(', ') : 'no other chatfleet package'}`,
  severity: 'error',
  from: { path: `^services/${lib}/src/`, pathNot: lib === 'testing' ? [] : [TESTS] },
  to: {
    path: '^services/',
    pathNot: [`^services/(${[lib, ...below].join('|')})/`],
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'A cycle of imports, type-only ones included: a reader would have to hold every module ' +
        'of the circle in mind at once. Handlers name the `SessionState` interface, not the class.',
      severity: 'error',
      from: { path: '^services/' },
      to: { circular: true },
    },
    ...downOnly,
    {
      name: 'libraries-do-not-import-services',
      comment:
        'Not even in tests: what a library tests with belongs to it or to the testing package.',
      severity: 'error',
      from: { path: `^services/(${Object.keys(LIBS).join('|')})/src/` },
      to: { path: `^services/(${SERVICES.join('|')})/` },
    },
    {
      name: 'services-do-not-import-services',
      comment: 'Services talk through Redis only; what two share belongs in a library.',
      severity: 'error',
      from: { path: `^services/(${SERVICES.join('|')})/` },
      to: { path: `^services/(${SERVICES.join('|')})/`, pathNot: ['^services/$1/'] },
    },
    {
      name: 'protocol-runs-anywhere',
      comment:
        'The browser and terminal clients import protocol: no Node built-in, no npm package.',
      severity: 'error',
      from: { path: '^services/protocol/src/', pathNot: [TESTS] },
      to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'the-engine-sees-redis-only-through-its-seams',
      comment:
        'Sessions and the gateway core reach Redis through the store package (ConversationBroker, ' +
        'Presence, GatewayInbox, Link): another backend, such as Redis Cluster, plugs in there.',
      severity: 'error',
      from: { path: '^services/gateway-core/src/' },
      to: { path: '(^|/)node_modules/ioredis/' },
    },
    {
      name: 'production-code-does-not-use-the-harness',
      severity: 'error',
      from: { path: '^services/[^/]+/src/', pathNot: [TESTS, '^services/testing/'] },
      to: { path: '^services/testing/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      extensions: ['.ts', '.js', '.d.ts'],
    },
  },
};
