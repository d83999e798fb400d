import { App } from './cdktf.js';
import { ChatfleetStack } from './chatfleet-stack.js';
import { environments } from './settings.js';

// `make synth`: writes cdktf.out/stacks/{dev,prod}/cdk.tf.json.
const app = new App({ outdir: process.env['CDKTF_OUTDIR'] ?? 'cdktf.out' });
for (const env of environments()) new ChatfleetStack(app, env.name, env);
app.synth();
